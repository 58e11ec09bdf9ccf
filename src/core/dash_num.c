/*
 * The shortest decimal that reads back as the same double (see
 * dash_num.h), without a loop of snprintf calls on the values the
 * response holds (docs/behaviour.md#response).
 *
 * Fast path: for k = 0, 1, 2, … the candidate with k decimals is
 * m = round(v * 10^k). While m < 2^53 and k <= 22, m and 10^k are exact
 * doubles, so m / 10^k is the correctly rounded quotient: exactly what
 * strtod makes of the text "m e-k". It equals v iff that text round-trips,
 * and the first k that does is the fewest decimals, hence (the integer
 * part being fixed) the fewest significant digits. Only one integer can
 * qualify for a k while 10^k is below 1/ulp(v), which holds throughout
 * (m < 2^53), so rounding v * 10^k cannot pick the wrong neighbour of a
 * candidate that works.
 *
 * Values the fast path does not cover (below 1e-4, where printf's %g
 * switches to an exponent; integral reals of 1e15 and more; those needing
 * more than 2^53 as m) take the exact slow path: the fewest of 15, 16 or 17
 * significant digits that round-trip. Both paths write what jansson writes
 * for a real printed with that precision, so a value keeps its bytes
 * whichever writer produced it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dash_num.h"

/* 2^53: below it every integer is an exact double. */
#define EXACT_INT_LIMIT 9007199254740992.0

/* printf's %g prints v < 1e-4 with an exponent; leave those to printf. */
#define FIXED_MIN 1e-4

/* Integral reals of 1e15 and more print with an exponent under %.15g. */
#define FIXED_INT_MAX 1e15

static const double pow10_tab[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

#define POW10_MAX ((int)(sizeof(pow10_tab) / sizeof(pow10_tab[0])) - 1)

/* Writes the decimal digits of u (at least one) to out; returns the count. */
static size_t put_uint(char *out, unsigned long long u)
{
    char tmp[24];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    return n;
}

/*
 * m / 10^k in fixed notation: "12.5" for (125, 1), "0.0042" for (42, 4),
 * "81.0" for (81, 0) (jansson marks every real with a decimal point).
 */
static size_t put_fixed(char *out, unsigned long long m, int k)
{
    char digits[24];
    size_t nd = put_uint(digits, m);
    size_t n = 0;

    if (k == 0) {
        memcpy(out, digits, nd);
        memcpy(out + nd, ".0", 2);
        return nd + 2;
    }
    if (nd <= (size_t)k) {          /* below 1: "0." and leading zeros */
        out[n++] = '0';
        out[n++] = '.';
        memset(out + n, '0', (size_t)k - nd);
        n += (size_t)k - nd;
        memcpy(out + n, digits, nd);
        return n + nd;
    }
    memcpy(out, digits, nd - (size_t)k);
    n = nd - (size_t)k;
    out[n++] = '.';
    memcpy(out + n, digits + nd - (size_t)k, (size_t)k);
    return n + (size_t)k;
}

/* The fast path; 0 when v is not in its range. a is |v|, v > 0 here. */
static size_t fixed_shortest(char *out, double a)
{
    int k;

    if (a < FIXED_MIN) {
        return 0;
    }
    if (a == floor(a)) {
        return a < FIXED_INT_MAX ? put_fixed(out, (unsigned long long)a, 0) : 0;
    }
    for (k = 1; k <= POW10_MAX; k++) {
        double scaled = a * pow10_tab[k];
        double m;

        if (!(scaled < EXACT_INT_LIMIT)) {
            return 0;
        }
        m = nearbyint(scaled);
        if (m / pow10_tab[k] == a) {
            return put_fixed(out, (unsigned long long)m, k);
        }
    }
    return 0;
}

/*
 * The slow path, as jansson prints a real with the given precision:
 * "%.*g", then ".0" when the text has neither '.' nor an exponent, and the
 * exponent without '+' or leading zeros ("1e+20" -> "1e20", "1e-05" ->
 * "1e-5"). Tries 15, 16 and 17 digits (17 always round-trips).
 */
static size_t printf_shortest(char *out, double v)
{
    char *e, *start, *end;
    size_t len;
    int prec;

    for (prec = 15;; prec++) {
        snprintf(out, DASH_NUM_BUFSIZE, "%.*g", prec, v);
        if (prec == 17 || strtod(out, NULL) == v) {
            break;
        }
    }
    len = strlen(out);
    e = strchr(out, 'e');
    if (e == NULL) {
        if (strchr(out, '.') == NULL) {
            memcpy(out + len, ".0", 3);
            len += 2;
        }
        return len;
    }
    /* jansson's own steps: skip a '-', drop a '+' and leading zeros */
    start = e + 1;
    end = start + 1;
    if (*start == '-') {
        start++;
    }
    while (*end == '0') {
        end++;
    }
    if (end != start) {
        memmove(start, end, len - (size_t)(end - out) + 1);
        len -= (size_t)(end - start);
    }
    return len;
}

size_t dash_num_format(char *out, double v)
{
    size_t n, sign = 0;

    if (isnan(v) || isinf(v)) {
        return 0;
    }
    if (v == 0) {
        /* jansson prints a real zero as %g does: "0.0", "-0.0" */
        if (signbit(v)) {
            memcpy(out, "-0.0", 5);
            return 4;
        }
        memcpy(out, "0.0", 4);
        return 3;
    }
    if (v < 0) {
        out[0] = '-';
        sign = 1;
    }
    n = fixed_shortest(out + sign, fabs(v));
    if (n == 0) {
        return printf_shortest(out, v);
    }
    out[sign + n] = '\0';
    return sign + n;
}
