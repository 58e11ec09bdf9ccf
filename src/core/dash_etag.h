/*
 * Strong validators for the answers of docs/api.md#conditional-get.
 *
 * A stats body is a template (the Google figures, fixed for as long as
 * the stored value is) with the two upload counts spliced in. Its tag is
 * therefore made from a digest of the template, taken once when the
 * template is made and kept with it (the memo keeps it with the entry),
 * and the two counts: it changes whenever a byte of the body does, and a
 * hit never reads the body to make it.
 */
#ifndef DASH_ETAG_H
#define DASH_ETAG_H

#include <apr_pools.h>

/* Bytes of a template's digest (MD5). */
#define DASH_ETAG_DIGEST 16
/* Characters of a tag: '"', 32 lowercase hex digits, '"'. */
#define DASH_ETAG_LEN 34

/*
 * The digest of a template: its len bytes of text and the nat offsets
 * where the counts go (two templates with the same text but other
 * offsets make other bodies).
 */
void dash_etag_digest(unsigned char out[DASH_ETAG_DIGEST], const char *text,
                      apr_size_t len, const apr_size_t *at, int nat);

/*
 * The tag of the body a template of that digest makes with these two
 * counts: the digest with previous XORed into its first 8 bytes and
 * current into its last 8 (little-endian), as '"' + 32 hex digits + '"',
 * into p. For one template, other counts always give another tag.
 */
const char *dash_etag_counts(apr_pool_t *p,
                             const unsigned char digest[DASH_ETAG_DIGEST],
                             long current, long previous);

/* The tag of len bytes that have no template: the MD5 of the bytes. */
const char *dash_etag_body(apr_pool_t *p, const char *body, apr_size_t len);

#endif
