/*
 * Text codecs every part of the core shares: percent-encoding, the one
 * parser of decimal numbers, and the one filter for foreign text going to
 * the log.
 */
#ifndef DASH_TEXT_H
#define DASH_TEXT_H

#include <apr_errno.h>
#include <apr_pools.h>

/*
 * RFC 3986 percent-encoding: only the unreserved set (ALPHA DIGIT - . _ ~)
 * is kept, so ids, tokens and secrets with any byte in them cannot break a
 * URL's or a form's structure (%20 for a space is valid in both).
 */
char *dash_text_pct_encode(apr_pool_t *p, const char *s);

/*
 * Percent-decodes s[0..n) into a new string from p ('+' becomes a space
 * when plus_is_space, as in a query string). NULL for a malformed escape
 * or a decoded NUL byte, which would silently cut the value short.
 */
char *dash_text_pct_decode(apr_pool_t *p, const char *s, apr_size_t n,
                           int plus_is_space);

/*
 * s[0..n) as a decimal number: ASCII digits only (no sign, no space, no
 * locale digits), at least one, within [min, max] (min >= 0). APR_SUCCESS
 * with *out, else APR_EINVAL.
 */
apr_status_t dash_text_number(long *out, const char *s, apr_size_t n,
                              long min, long max);

/*
 * Foreign text (an upstream answer, a server's error reply) made fit for
 * one log line: at most max bytes of s[0..n), every byte outside printable
 * ASCII replaced by '?', so it can neither forge lines nor flood them.
 */
const char *dash_text_log_safe(apr_pool_t *p, const char *s, apr_size_t n,
                               apr_size_t max);

/*
 * Whether s is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF). A user name that is not cannot match
 * any row of the UTF-8 tables.
 */
int dash_text_utf8(const char *s);

#endif
