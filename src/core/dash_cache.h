/*
 * The cache rules (docs/behaviour.md#cache, docs/behaviour.md#cache-purge):
 * the key layout, what a cached value holds, and which keys a purge
 * removes. No sockets here: the transport is dash_redis.
 */
#ifndef DASH_CACHE_H
#define DASH_CACHE_H

#include <jansson.h>
#include <apr_pools.h>

#include "dash_mode.h"
#include "dash_redis.h"

/* dashboard:{user}:{channel}:{mode} */
const char *dash_cache_key(apr_pool_t *p, const char *user,
                           const char *channel, dash_mode_e mode);

/*
 * The mode word of a purge: "day" or "month" (*all = 0, *mode set), "all"
 * or NULL (*all = 1). APR_EINVAL for anything else.
 */
apr_status_t dash_cache_purge_mode(const char *word, int *all,
                                   dash_mode_e *mode);

/*
 * Deletes the keys of user (NULL = every user) in the modes of mode_word
 * (see dash_cache_purge_mode), with SCAN, never KEYS. The user is matched
 * literally, glob characters included, and only keys of exactly the
 * layout above go: nothing else that shares the prefix. *deleted = keys
 * actually removed.
 */
apr_status_t dash_cache_purge(dash_redis_t *r, apr_pool_t *p,
                              const char *user, const char *mode_word,
                              long *deleted, const char **perr);

/* The lock of a key (docs/behaviour.md#stale-answers-and-single-flight):
 * {key}:lock, which no purge ever matches. */
const char *dash_cache_lock_key(apr_pool_t *p, const char *key);

/* A user's fetch budget (docs/behaviour.md#fetch-budget):
 * dashboard:{user}:fetches, the user written as in the cache keys; no
 * purge ever matches it, so purging does not reset the budget. */
const char *dash_cache_budget_key(apr_pool_t *p, const char *user);

/* The stored form of a stats response: {"response": resp, "fetchedAt":
 * fetched_at (Unix seconds)}, serialized into p. NULL when it cannot be
 * serialized. */
char *dash_cache_value_encode(apr_pool_t *p, json_t *resp,
                              apr_int64_t fetched_at, apr_size_t *len);

/* The response held by a stored value (owned by p), or NULL when the
 * value does not parse or does not have the response's shape (a miss).
 * *fetched_at is its "fetchedAt", or -1 when it has none (another
 * writer's value); a fetchedAt that is not a non-negative integer makes
 * the value invalid. */
json_t *dash_cache_value_decode(apr_pool_t *p, const char *val,
                                apr_size_t len, apr_int64_t *fetched_at);

#endif
