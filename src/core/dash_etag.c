/*
 * Strong validators (see dash_etag.h).
 */
#include <string.h>

#include <apr_md5.h>

#include "dash_etag.h"

/* '"' + the digest in lowercase hex + '"', into p. apr_snprintf per
 * byte would cost more than the MD5 of a counts tag itself. */
static const char *quoted_hex(apr_pool_t *p,
                              const unsigned char d[APR_MD5_DIGESTSIZE])
{
    static const char hex[] = "0123456789abcdef";
    char *s = apr_palloc(p, DASH_ETAG_LEN + 1);
    int i;

    s[0] = '"';
    for (i = 0; i < APR_MD5_DIGESTSIZE; i++) {
        s[1 + 2 * i] = hex[d[i] >> 4];
        s[2 + 2 * i] = hex[d[i] & 0x0f];
    }
    s[DASH_ETAG_LEN - 1] = '"';
    s[DASH_ETAG_LEN] = '\0';
    return s;
}

void dash_etag_digest(unsigned char out[DASH_ETAG_DIGEST], const char *text,
                      apr_size_t len, const apr_size_t *at, int nat)
{
    apr_md5_ctx_t ctx;
    apr_uint64_t off;
    int i;

    apr_md5_init(&ctx);
    /* The offsets first, each as 8 bytes: the text's length then marks
     * where they end, so no two inputs run together. */
    for (i = 0; i < nat; i++) {
        off = at[i];
        apr_md5_update(&ctx, &off, sizeof(off));
    }
    apr_md5_update(&ctx, text, len);
    apr_md5_final(out, &ctx);
}

const char *dash_etag_counts(apr_pool_t *p,
                             const unsigned char digest[DASH_ETAG_DIGEST],
                             long current, long previous)
{
    unsigned char d[DASH_ETAG_DIGEST];
    apr_uint64_t v[2];
    int i;

    /* previous into the first half, current into the second, byte by
     * byte: for one digest, no two pairs of counts give the same tag, and
     * no hash runs on a hit (an MD5 here was 2 % of one). */
    v[0] = (apr_uint64_t)previous;
    v[1] = (apr_uint64_t)current;
    for (i = 0; i < DASH_ETAG_DIGEST; i++) {
        d[i] = digest[i] ^ (unsigned char)(v[i / 8] >> (8 * (i % 8)));
    }
    return quoted_hex(p, d);
}

const char *dash_etag_body(apr_pool_t *p, const char *body, apr_size_t len)
{
    unsigned char d[APR_MD5_DIGESTSIZE];

    apr_md5(d, body, len);
    return quoted_hex(p, d);
}
