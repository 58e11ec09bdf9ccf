#include <string.h>
#include <apr_strings.h>
#include "dash_params.h"

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

char *dash_pct_encode(apr_pool_t *p, const char *s)
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

char *dash_pct_decode(apr_pool_t *p, const char *s, apr_size_t n,
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

apr_status_t dash_params_parse(apr_table_t **params, apr_pool_t *p,
                               const char *args, const char **perr)
{
    const char *pos = args ? args : "";

    *params = apr_table_make(p, 4);
    while (*pos) {
        const char *amp = strchr(pos, '&');
        apr_size_t len = amp ? (apr_size_t)(amp - pos) : strlen(pos);
        const char *eq = memchr(pos, '=', len);
        apr_size_t klen = eq ? (apr_size_t)(eq - pos) : len;
        char *name, *value;

        if (len > 0) {
            name = dash_pct_decode(p, pos, klen, 1);
            value = eq ? dash_pct_decode(p, eq + 1, len - klen - 1, 1)
                       : apr_pstrdup(p, "");
            if (!name || !value) {
                *perr = "malformed query string";
                return APR_EINVAL;
            }
            apr_table_set(*params, name, value);
        }
        pos += len;
        if (*pos == '&') {
            pos++;
        }
    }
    return APR_SUCCESS;
}

/* Length of the UTF-8 sequence at s, or 0 when it is not well-formed
 * (overlong forms, surrogates and code points past U+10FFFF refused). */
static int utf8_len(const unsigned char *s)
{
    unsigned int cp;
    int n, i;

    if (s[0] < 0x80) {
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        cp = s[0] & 0x1F;
    }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        cp = s[0] & 0x0F;
    }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        cp = s[0] & 0x07;
    }
    else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
        || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        return 0;
    }
    return n;
}

const char *dash_params_check_id(const char *v)
{
    const unsigned char *s = (const unsigned char *)v;
    size_t len;

    if (!v || !*v) {
        return "is empty";
    }
    len = strlen(v);
    if (len > DASH_MAX_ID_BYTES) {
        return "is longer than 128 bytes";
    }
    while (*s) {
        int n = utf8_len(s);

        if (n == 0) {
            return "is not valid UTF-8";
        }
        if (n == 1 && (*s < 0x20 || *s == 0x7F)) {
            return "contains a control character";
        }
        /* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F. */
        if (n == 2 && s[0] == 0xC2 && s[1] < 0xA0) {
            return "contains a control character";
        }
        s += n;
    }
    return NULL;
}
