/* dash_num_format: shortest round-trip text of doubles, as jansson writes
 * reals. The reference is the loop it replaces: the fewest of 15, 16, 17
 * significant digits ("%.*g") that strtod reads back as the same value,
 * with jansson's touches (".0" on an integral real, exponent without '+'
 * or leading zeros). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dash_num.h"
#include "unit.h"

/* The old way, kept here as the oracle. */
static void reference(char *out, double v)
{
    char *start, *end;
    size_t len;
    int prec;

    for (prec = 15; prec < 17; prec++) {
        snprintf(out, 40, "%.*g", prec, v);
        if (strtod(out, NULL) == v) {
            break;
        }
    }
    snprintf(out, 40, "%.*g", prec, v);
    len = strlen(out);
    if (!strchr(out, '.') && !strchr(out, 'e')) {
        strcpy(out + len, ".0");
        len += 2;
    }
    if ((start = strchr(out, 'e')) != NULL) {
        start++;
        end = start + 1;
        if (*start == '-') {
            start++;
        }
        while (*end == '0') {
            end++;
        }
        if (end != start) {
            memmove(start, end, len - (size_t)(end - out) + 1);
        }
    }
}

/* Formats v, checks the round trip, the length and the reference text. */
static void check(double v)
{
    char got[DASH_NUM_BUFSIZE], want[40];
    size_t n;

    if (isinf(v)) {
        return;                 /* pow(10, 309) and beyond */
    }
    n = dash_num_format(got, v);

    reference(want, v);
    if (n != strlen(got) || strtod(got, NULL) != v || strcmp(got, want)) {
        fail_msg("%.17g: got \"%s\" (%zu), want \"%s\"", v, got, n, want);
    }
}

/* xorshift64*: reproducible, no libc rand() state shared with anyone. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next64(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

static void test_response_values(void **state)
{
    char buf[DASH_NUM_BUFSIZE];

    (void)state;
    assert_int_equal(dash_num_format(buf, 81.3), 4);
    assert_string_equal(buf, "81.3");
    dash_num_format(buf, -3.1);
    assert_string_equal(buf, "-3.1");
    dash_num_format(buf, 0.1 + 0.2);
    assert_string_equal(buf, "0.30000000000000004");
    dash_num_format(buf, 17422.0);
    assert_string_equal(buf, "17422.0");
    dash_num_format(buf, 0.0);
    assert_string_equal(buf, "0.0");
    dash_num_format(buf, -0.0);
    assert_string_equal(buf, "-0.0");
    dash_num_format(buf, 1e20);
    assert_string_equal(buf, "1e20");
    dash_num_format(buf, 1e-5);
    assert_string_equal(buf, "1e-5");
    dash_num_format(buf, 0.0001);
    assert_string_equal(buf, "0.0001");
    dash_num_format(buf, 5e-324);
    /* printf's 15 digits already read back for this denormal */
    assert_string_equal(buf, "4.94065645841247e-324");
    dash_num_format(buf, -DBL_MAX);
    assert_string_equal(buf, "-1.7976931348623157e308");
    assert_int_equal(dash_num_format(buf, NAN), 0);
    assert_int_equal(dash_num_format(buf, INFINITY), 0);
    assert_int_equal(dash_num_format(buf, -INFINITY), 0);
}

/* Edges of the fast path: 1e-4, 1e15, 2^53, powers of ten, halves. */
static void test_edges(void **state)
{
    static const double edges[] = {
        1e-4, 9.9999999999999991e-05, 0.00010000000000000002, 1e15 - 1,
        1e15, 1e15 + 0.5, 1e16, 9007199254740991.0, 9007199254740992.0,
        9007199254740993.0, 4503599627370495.5, 0.5, 0.05, 0.25, 1.5,
        2.5, 123456789.125, 0.1, 0.7, 1.0 / 3, 2.0 / 3, 100.0 / 7,
        1e22, 1e23, 1e-300, DBL_MIN, DBL_EPSILON, 1 + DBL_EPSILON,
        999999999999999.9, 99999999999999.99, 0.30000000000000004,
    };
    size_t i;
    int e;

    (void)state;
    for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        check(edges[i]);
        check(-edges[i]);
        check(nextafter(edges[i], 0));
        check(nextafter(edges[i], INFINITY));
    }
    for (e = -330; e <= 310; e++) {
        check(pow(10, e));
        check(nextafter(pow(10, e), 0));
        check(nextafter(pow(10, e), INFINITY));
    }
}

/* What the response holds: counts, and values rounded to 1 decimal. */
static void test_random_decimals(void **state)
{
    char text[64];
    int i, k;

    (void)state;
    for (i = 0; i < 100000; i++) {
        uint64_t r = next64();
        long long m = (long long)(r % 100000000000ULL);

        k = (int)((r >> 40) % 8);
        snprintf(text, sizeof(text), "%s%lld.%03lld", (r >> 63) ? "-" : "",
                 m / 1000, m % 1000);
        check(strtod(text, NULL));
        check((double)m / 10.0);
        check((double)(m % 100000) / 10.0);
        check((double)m / pow(10, (double)k));
    }
}

/* Any bit pattern at all (NaN and infinities excepted). */
static void test_random_bits(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < 100000; i++) {
        uint64_t u = next64();
        double v;

        memcpy(&v, &u, sizeof(v));
        if (isnan(v) || isinf(v)) {
            continue;
        }
        check(v);
    }
}

/* Doubles near the magnitudes of the response (1e-4 .. 1e15) in full. */
static void test_random_range(void **state)
{
    int i;

    (void)state;
    for (i = 0; i < 100000; i++) {
        double v = ldexp((double)(next64() >> 11), -53)
                   * pow(10, (double)(next64() % 20) - 4);
        check(v);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_values),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_random_decimals),
        cmocka_unit_test(test_random_bits),
        cmocka_unit_test(test_random_range),
    };

    return cmocka_run_group_tests_name("dash_num", tests, NULL, NULL);
}
