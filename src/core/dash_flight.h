/*
 * Stale answers and single flight
 * (docs/behaviour.md#stale-answers-and-single-flight): what a stats
 * request does with the cache around its Google fetch.
 *
 * A value younger than DashboardCacheTTL is a hit. Otherwise one request
 * per key takes the key's lock and fetches; the others answer the expired
 * value at once as stale, or, without one, poll the cache until the
 * holder's value lands, the lock comes free, or DashboardLockWait passes.
 * Redis failing anywhere here turns the request into a bypass, never an
 * error.
 */
#ifndef DASH_FLIGHT_H
#define DASH_FLIGHT_H

#include <apr_pools.h>
#include <apr_time.h>

#include "dash_err.h"
#include "dash_redis.h"

/*
 * What a stored value's bytes are to the caller: *value, handed back as
 * dash_flight_t's resp or stale, and *fetched_at (Unix seconds, -1 when the
 * value has none). 0 when the bytes are not a valid value.
 */
typedef int (*dash_flight_decode_fn)(void *baton, apr_pool_t *p,
                                     const char *val, apr_size_t len,
                                     void **value, apr_int64_t *fetched_at);

typedef struct {
    dash_redis_t *redis;
    const char *key;                /* dashboard:{user}:{channel}:{mode} */
    long cache_ttl;                 /* DashboardCacheTTL, seconds */
    long stale_ttl;                 /* DashboardStaleTTL, seconds; 0 = none */
    apr_interval_time_t lock_ttl;   /* how long a lock outlives a dead holder */
    apr_interval_time_t lock_wait;  /* DashboardLockWait */
    apr_size_t max_value;           /* DashboardMaxValueSize: a longer value
                                       is a miss, never read whole; 0 = no
                                       limit */
    dash_flight_decode_fn decode;   /* NULL: dash_cache_value_decode, and
                                       the values are its json_t * */
    void *baton;
} dash_flight_cfg_t;

typedef enum {
    DASH_FLIGHT_HIT,      /* answer resp: a fresh value */
    DASH_FLIGHT_STALE,    /* answer resp: an expired value that another
                             request is refreshing */
    DASH_FLIGHT_FETCH,    /* fetch from Google, then dash_flight_store */
    DASH_FLIGHT_BYPASS    /* Redis failed (err says how): fetch, store nothing */
} dash_flight_e;

/* How a wait for another request's fill ended. */
typedef enum {
    DASH_FLIGHT_WAIT_NONE,       /* there was no wait */
    DASH_FLIGHT_WAIT_FILLED,     /* the holder's value landed: a hit */
    DASH_FLIGHT_WAIT_TAKEN,      /* the holder left without a value: our turn */
    DASH_FLIGHT_WAIT_TIMEOUT,    /* DashboardLockWait passed: fetch without the lock */
    DASH_FLIGHT_WAIT_ERROR       /* Redis failed meanwhile: a bypass */
} dash_flight_wait_e;

/* The lock of one key (SET lock_key <random token> NX PX ttl), held by a
 * request that fetches; released by dash_flight_store or
 * dash_flight_release, or when the request's pool is cleaned up. */
typedef struct dash_lock_t dash_lock_t;

typedef struct {
    dash_flight_e what;
    void *resp;               /* HIT, STALE: the value to answer */
    void *stale;              /* the expired value that a failed fetch
                                 may answer instead (docs: stale-if-error),
                                 or NULL: none, too old, or stale answers off */
    int invalid;              /* the key held a value that is not one: too
                                 large, not a string, or does not validate;
                                 a miss, overwritten by this fetch */
    const char *invalid_why;  /* which of those, for the log */
    dash_flight_wait_e waited;
    apr_interval_time_t wait_time;
    const char *err;          /* BYPASS: what Redis said */
    dash_lock_t *lock;        /* held while fetching, else NULL */
} dash_flight_t;

/*
 * Looking the key up and deciding (see dash_flight_e), in two steps, for a
 * caller with work of its own to do between the lookup and the lock (work
 * that must not be done while holding the key, where every waiter would
 * pay for it in turn).
 * dash_flight_look: one GET. HIT, BYPASS, or FETCH without the lock yet
 * (f->stale set when the expired value may still be answered stale).
 * dash_flight_claim: for a FETCH without the lock, the rest: takes the
 * lock (FETCH), or answers the expired value while another request holds
 * it (STALE), or waits for that request (HIT, FETCH or BYPASS). Nothing
 * for any other outcome. A lock taken here is released by
 * dash_flight_store or dash_flight_release, or at the latest when p is
 * cleaned up, so no return path can leave it behind.
 */
void dash_flight_look(dash_flight_t *f, apr_pool_t *p,
                      const dash_flight_cfg_t *cfg);
void dash_flight_claim(dash_flight_t *f, apr_pool_t *p,
                       const dash_flight_cfg_t *cfg);

/*
 * After a successful fetch (f->what FETCH): stores the len bytes at val
 * (dash_cache_value_encode's, with fetchedAt now) for DashboardCacheTTL +
 * DashboardStaleTTL, then releases the lock. APR_SUCCESS, or Redis's
 * failure with *perr (the lock is released anyway).
 */
apr_status_t dash_flight_store(dash_flight_t *f, apr_pool_t *p,
                               const dash_flight_cfg_t *cfg, const char *val,
                               apr_size_t len, const char **perr);

/* Releases the lock if it is still held (a failed fetch). */
apr_status_t dash_flight_release(dash_flight_t *f, apr_pool_t *p,
                                 const char **perr);

/*
 * Whether a fetch that failed with e answers f->stale instead (stale-if-
 * error): Google failing in a way that passes (timeout, 5xx, 429, quota
 * or rate-limit 403, no connection). Never a token error or a bad answer.
 */
int dash_flight_hides(dash_err_e e);

/* "hit", "stale", "miss" (a fetch) or "bypass". */
const char *dash_flight_name(dash_flight_e what);

#endif
