/*
 * The per-user fetch budget (docs/behaviour.md#fetch-budget): at most
 * DashboardUserFetchLimit Google fetches per user and window. Counted in
 * Redis, so every host sharing it shares the count; in the child's own
 * memory when there is no Redis or it fails, so a user still cannot make
 * more than the limit per child.
 *
 * A window is fixed: it starts with a user's first fetch (Redis) or on a
 * multiple of its length in Unix time (the child's count), and the count
 * starts over when it ends. Nothing else resets it: the count lives under
 * a key no purge matches (dash_cache_budget_key).
 */
#ifndef DASH_BUDGET_H
#define DASH_BUDGET_H

#include <apr_pools.h>
#include <apr_time.h>

#include "dash_redis.h"

/*
 * Takes one fetch from the budget at key: *allowed 1 and the count
 * increased when fewer than limit fetches were made in the current
 * window, else *allowed 0 and nothing counted. *retry is how long until
 * the window ends (at least 1 s). APR_SUCCESS, or Redis's failure with
 * *perr (then nothing is known: fall back to dash_budget_take_local).
 * A value at key that is not a counter with an expiry (another writer's,
 * or of another type) is replaced by a new window.
 */
apr_status_t dash_budget_take_redis(int *allowed, apr_interval_time_t *retry,
                                    dash_redis_t *redis, apr_pool_t *p,
                                    const char *key, long limit,
                                    long window_sec, const char **perr);

/* A child's own counts, for one window length; safe to share between the
 * child's threads. */
typedef struct dash_budget_t dash_budget_t;

/* The most users one child counts in one window: past it, a user it does
 * not count yet is let through uncounted (memory stays bounded whatever
 * the number of users). */
#define DASH_BUDGET_LOCAL_USERS 65536

/* The table, on a sub-pool of pool, emptied at each window's end. */
apr_status_t dash_budget_create(dash_budget_t **pb, apr_pool_t *pool,
                                long window_sec);

/* dash_budget_take_redis over the child's table, for user at now. */
void dash_budget_take_local(int *allowed, apr_interval_time_t *retry,
                            dash_budget_t *b, const char *user, long limit,
                            apr_time_t now);

#endif
