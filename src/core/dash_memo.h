/*
 * The per-child memo of cache hits (docs/behaviour.md#cache): a stored
 * value's exact bytes -> the response body it validated into, as a
 * template with the uploaded-videos holes and its digest
 * (dash_stats_tpl_t). A hit on bytes seen before is then a Redis GET, a
 * memcmp and a splice, not a parse, a validation and a serialization,
 * and its ETag a hash of the digest and the counts, not of the body. Thread-safe, LRU, bounded.
 */
#ifndef DASH_MEMO_H
#define DASH_MEMO_H

#include <apr_pools.h>

#include "dash_stats.h"

typedef struct dash_memo_t dash_memo_t;

/* A memo holding at most cap bytes (keys, values, templates and a fixed
 * overhead per entry), living in p. */
apr_status_t dash_memo_create(dash_memo_t **pm, apr_pool_t *p,
                              apr_size_t cap);

/*
 * 1 when key was last put with exactly the len bytes at val: *tpl is then
 * its template, the text copied into p, and *stamp (unless NULL) the stamp
 * it was put with. 0 otherwise (also when the key holds other bytes: they
 * are not this value).
 */
int dash_memo_get(dash_memo_t *m, apr_pool_t *p, const char *key,
                  const char *val, apr_size_t len, dash_stats_tpl_t *tpl,
                  apr_int64_t *stamp);

/*
 * Remembers that the len bytes at val, stored under key, make tpl
 * (everything is copied), with a stamp of the caller's (the value's
 * fetchedAt, so that a hit still knows the value's age). Replaces the
 * key's previous entry; evicts the least recently used to stay under the
 * cap; keeps nothing larger than an eighth of the cap.
 */
void dash_memo_put(dash_memo_t *m, const char *key, const char *val,
                   apr_size_t len, const dash_stats_tpl_t *tpl,
                   apr_int64_t stamp);

#endif
