#include <string.h>

#include <apr_strings.h>

#include "dash_text.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

char *dash_text_pct_encode(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = apr_palloc(p, 3 * strlen(s) + 1);
    char *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
            || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
            || c == '~') {
            *o++ = (char)c;
        }
        else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o = '\0';
    return out;
}

char *dash_text_pct_decode(apr_pool_t *p, const char *s, apr_size_t n,
                           int plus_is_space)
{
    char *out = apr_palloc(p, n + 1);
    apr_size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int c = (unsigned char)s[i];

        if (c == '+' && plus_is_space) {
            c = ' ';
        }
        else if (c == '%') {
            int hi, lo;

            if (i + 2 >= n) {
                return NULL;
            }
            hi = hexval((unsigned char)s[i + 1]);
            lo = hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0) {
                return NULL;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0) {
            /* A NUL would silently cut the value short everywhere else. */
            return NULL;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

apr_status_t dash_text_number(long *out, const char *s, apr_size_t n,
                              long min, long max)
{
    long v = 0;
    apr_size_t i;

    if (n == 0) {
        return APR_EINVAL;
    }
    for (i = 0; i < n; i++) {
        int d = s[i] - '0';

        if (s[i] < '0' || s[i] > '9' || v > max / 10
            || (v == max / 10 && d > max % 10)) {
            return APR_EINVAL;
        }
        v = v * 10 + d;
    }
    if (v < min) {
        return APR_EINVAL;
    }
    *out = v;
    return APR_SUCCESS;
}

const char *dash_text_log_safe(apr_pool_t *p, const char *s, apr_size_t n,
                               apr_size_t max)
{
    apr_size_t i;
    char *out;

    if (n > max) {
        n = max;
    }
    out = apr_pstrmemdup(p, s, n);
    for (i = 0; i < n; i++) {
        if (out[i] < 0x20 || out[i] > 0x7e) {
            out[i] = '?';
        }
    }
    return out;
}

int dash_text_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    while (*u) {
        unsigned char c = *u;
        int n, i;
        unsigned long cp, min;

        if (c < 0x80) {
            u++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f, min = 0x80;
        }
        else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f, min = 0x800;
        }
        else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07, min = 0x10000;
        }
        else {
            return 0;
        }
        for (i = 1; i <= n; i++) {
            if ((u[i] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (u[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        u += n + 1;
    }
    return 1;
}
