/*
 * jansson bound to APR pools, and the number formatting the contract pins
 * (docs/behaviour.md#response: 81.3, never 81.29999999999999; 1520, never 1520.0).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "dash_json.h"

/* 2^53: from here on every double is an integer, and json_int_t holds it. */
#define DASH_EXACT_INT_LIMIT 9007199254740992.0

/* The precision jansson prints every real with unless a value needs more;
 * DBL_DIG digits always reproduce a decimal that had that many or fewer. */
#define DASH_REAL_DIGITS DBL_DIG

static apr_status_t json_release(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *dash_json_pool(apr_pool_t *p, json_t *j)
{
    if (j != NULL) {
        apr_pool_cleanup_register(p, j, json_release, apr_pool_cleanup_null);
    }
    return j;
}

apr_status_t dash_json_parse(json_t **pj, apr_pool_t *p, const char *buf,
                             apr_size_t len, const char **perr)
{
    json_error_t err;
    json_t *j;

    /* DECODE_ANY: the caller, not the parser, decides which top-level
     * types it accepts, so its message can say what was wrong. */
    j = json_loadb(buf, len, JSON_DECODE_ANY, &err);
    if (j == NULL) {
        if (perr != NULL) {
            *perr = apr_psprintf(p, "%s (line %d, column %d)", err.text,
                                 err.line, err.column);
        }
        return APR_EINVAL;
    }
    *pj = dash_json_pool(p, j);
    return APR_SUCCESS;
}

/* Whether "%.*g" of v with digits significant digits reads back as v. */
static int real_round_trips(double v, int digits)
{
    char buf[40];

    snprintf(buf, sizeof(buf), "%.*g", digits, v);
    return strtod(buf, NULL) == v;
}

/*
 * jansson prints all reals of one dump with one precision. DBL_DIG digits
 * print every contract value (rounded to one decimal) in its shortest form;
 * only a value that would not survive that (never one we built) raises the
 * precision for the whole document, trading brevity for exactness.
 */
static int real_digits_needed(const json_t *j)
{
    int digits = DASH_REAL_DIGITS;
    int d;
    size_t i;
    const char *key;
    json_t *v;

    switch (json_typeof(j)) {
    case JSON_REAL:
        while (digits < 17 && !real_round_trips(json_real_value(j), digits)) {
            digits++;
        }
        return digits;
    case JSON_ARRAY:
        json_array_foreach(j, i, v) {
            d = real_digits_needed(v);
            digits = d > digits ? d : digits;
        }
        return digits;
    case JSON_OBJECT:
        /* json_object_foreach takes a non-const object but does not write. */
        json_object_foreach((json_t *)j, key, v) {
            d = real_digits_needed(v);
            digits = d > digits ? d : digits;
        }
        return digits;
    default:
        return digits;
    }
}

char *dash_json_dump(apr_pool_t *p, const json_t *j, apr_size_t *plen)
{
    size_t flags;
    char *s;
    char *out;
    size_t len;

    if (j == NULL) {
        return NULL;
    }
    /* Insertion order is jansson's own since 2.8; PRESERVE_ORDER documents
     * that we rely on it. No ENSURE_ASCII: labels stay UTF-8. */
    flags = JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY
            | JSON_REAL_PRECISION(real_digits_needed(j));
    s = json_dumps(j, flags);
    if (s == NULL) {
        return NULL;
    }
    len = strlen(s);
    out = apr_pstrmemdup(p, s, len);
    free(s);
    if (plen != NULL) {
        *plen = len;
    }
    return out;
}

json_t *dash_json_number(double v)
{
    /* -0.0 is integral too, and becomes a plain 0. */
    if (fabs(v) < DASH_EXACT_INT_LIMIT && v == floor(v)) {
        return json_integer((json_int_t)v);
    }
    /* json_real refuses NaN and infinities: NULL, like an allocation
     * failure, which the caller's json_*_set_new reports. */
    return json_real(v);
}

double dash_json_round1(double v)
{
    char buf[32];
    double r;

    /* Integers need no rounding; the guard also bounds buf (a huge "%.1f"
     * would be hundreds of digits) and passes NaN and infinities through. */
    if (!(fabs(v) < DASH_EXACT_INT_LIMIT)) {
        return v;
    }
    /* glibc's printf rounds the exact binary value, ties to even: the
     * rounding the contract's Python original did with round(v, 1). */
    snprintf(buf, sizeof(buf), "%.1f", v);
    r = strtod(buf, NULL);
    return r == 0 ? 0.0 : r;
}

const char *dash_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}
