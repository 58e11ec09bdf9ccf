/*
 * jansson bound to APR pools, and the number formatting the response pins
 * (docs/behaviour.md#response: 81.3, never 81.29999999999999; 1520, never 1520.0).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "dash_json.h"
#include "dash_num.h"

/* 2^53: from here on every double is an integer, and json_int_t holds it. */
#define DASH_EXACT_INT_LIMIT 9007199254740992.0

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

/*
 * The writer. jansson's json_dumps prints every real of a document with
 * one precision, which made us find the shortest round-trip precision
 * value by value with a loop of snprintf and strtod calls (a third of a
 * cache hit once). This writes the same bytes as json_dumps(JSON_COMPACT)
 * with each real in its own shortest form (dash_num_format), in one pass
 * into a pool buffer.
 */
typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
    const json_t *const *holes;   /* values left out, see dash_json_dump_split */
    apr_size_t *offsets;
    int nholes;
} writer_t;

/* Room for n more bytes; the buffer doubles, so a dump copies O(size). */
static void w_reserve(writer_t *w, apr_size_t n)
{
    char *nb;
    apr_size_t cap;

    if (w->len + n <= w->cap) {
        return;
    }
    cap = w->cap ? w->cap * 2 : 4096;
    while (cap < w->len + n) {
        cap *= 2;
    }
    nb = apr_palloc(w->p, cap);
    if (w->len) {
        memcpy(nb, w->buf, w->len);
    }
    w->buf = nb;
    w->cap = cap;
}

static void w_put(writer_t *w, const char *s, apr_size_t n)
{
    w_reserve(w, n);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void w_char(writer_t *w, char c)
{
    w_reserve(w, 1);
    w->buf[w->len++] = c;
}

/* jansson's escapes without JSON_ENSURE_ASCII: '"', '\\' and the control
 * characters; everything else (UTF-8 included) as is. */
static void w_string(writer_t *w, const char *s, apr_size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    apr_size_t i, run = 0;

    w_char(w, '"');
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6];
        apr_size_t elen = 2;

        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        w_put(w, s + run, i - run);
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        w_put(w, esc, elen);
    }
    w_put(w, s + run, n - run);
    w_char(w, '"');
}

static void w_integer(writer_t *w, json_int_t v)
{
    char tmp[24];
    apr_size_t n = 0;
    /* Through unsigned, so the most negative value has a magnitude too. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
                                 : (unsigned long long)v;

    do {
        tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        tmp[sizeof(tmp) - 1 - n++] = '-';
    }
    w_put(w, tmp + sizeof(tmp) - n, n);
}

/* 0 when the value cannot be written (jansson holds no NaN; be safe). */
static int w_value(writer_t *w, const json_t *j)
{
    char num[DASH_NUM_BUFSIZE];
    const char *key;
    json_t *v;
    size_t i, n;
    int h;

    for (h = 0; h < w->nholes; h++) {
        if (j == w->holes[h]) {
            w->offsets[h] = w->len;
            return 1;
        }
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT:
        w_char(w, '{');
        i = 0;
        /* json_object_foreach takes a non-const object but does not
         * write; it walks the members in insertion order. */
        json_object_foreach((json_t *)j, key, v) {
            if (i++) {
                w_char(w, ',');
            }
            w_string(w, key, strlen(key));
            w_char(w, ':');
            if (!w_value(w, v)) {
                return 0;
            }
        }
        w_char(w, '}');
        return 1;
    case JSON_ARRAY:
        w_char(w, '[');
        n = json_array_size(j);
        for (i = 0; i < n; i++) {
            if (i) {
                w_char(w, ',');
            }
            if (!w_value(w, json_array_get(j, i))) {
                return 0;
            }
        }
        w_char(w, ']');
        return 1;
    case JSON_STRING:
        w_string(w, json_string_value(j), json_string_length(j));
        return 1;
    case JSON_INTEGER:
        w_integer(w, json_integer_value(j));
        return 1;
    case JSON_REAL:
        n = dash_num_format(num, json_real_value(j));
        if (n == 0) {
            return 0;
        }
        w_put(w, num, n);
        return 1;
    case JSON_TRUE:
        w_put(w, "true", 4);
        return 1;
    case JSON_FALSE:
        w_put(w, "false", 5);
        return 1;
    case JSON_NULL:
        w_put(w, "null", 4);
        return 1;
    }
    return 0;
}

char *dash_json_dump_split(apr_pool_t *p, const json_t *j,
                           const json_t *const *holes, int nholes,
                           apr_size_t *offsets, apr_size_t *plen)
{
    writer_t w;
    int h;

    if (j == NULL) {
        return NULL;
    }
    memset(&w, 0, sizeof(w));
    w.p = p;
    w.holes = holes;
    w.offsets = offsets;
    w.nholes = nholes;
    for (h = 0; h < nholes; h++) {
        offsets[h] = (apr_size_t)-1;
    }
    if (!w_value(&w, j)) {
        return NULL;
    }
    for (h = 0; h < nholes; h++) {
        if (offsets[h] == (apr_size_t)-1) {
            return NULL;          /* a hole that is not in the document */
        }
    }
    w_char(&w, '\0');
    if (plen != NULL) {
        *plen = w.len - 1;
    }
    return w.buf;
}

char *dash_json_dump(apr_pool_t *p, const json_t *j, apr_size_t *plen)
{
    return dash_json_dump_split(p, j, NULL, 0, NULL, plen);
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
     * rounding the original Python service did with round(v, 1). */
    snprintf(buf, sizeof(buf), "%.1f", v);
    r = strtod(buf, NULL);
    return r == 0 ? 0.0 : r;
}

const char *dash_json_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

const char *dash_json_version(void)
{
    return jansson_version_str();
}

json_t *dash_json_done(json_t *o, int rc)
{
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}
