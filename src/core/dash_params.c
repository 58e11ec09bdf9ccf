#include <string.h>
#include <apr_strings.h>
#include "dash_params.h"
#include "dash_text.h"

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
            name = dash_text_pct_decode(p, pos, klen, 1);
            value = eq ? dash_text_pct_decode(p, eq + 1, len - klen - 1, 1)
                       : apr_pstrdup(p, "");
            if (!name || !value) {
                *perr = "malformed query string";
                return APR_EINVAL;
            }
            /* Which of two values is meant is anyone's guess: taking the
             * last let "user_uuid=other&user_uuid=self" pass one check
             * and mean another thing elsewhere. Names compare as the
             * table looks them up, without regard to case. */
            if (apr_table_get(*params, name) != NULL) {
                *perr = "a repeated parameter";
                return APR_EINVAL;
            }
            apr_table_setn(*params, name, value);
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
