/*
 * docs/behaviour.md#fetch-budget: the count in Redis (one script, so that
 * two hosts taking the last fetch at once cannot both get it) and the
 * child's fallback table.
 */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#if APR_HAS_THREADS
#include <apr_thread_mutex.h>
#endif

#include "dash_budget.h"

/*
 * KEYS[1] the user's counter, ARGV[1] the window in ms, ARGV[2] the limit.
 * Returns {1 or 0 (allowed), ms left in the window}. A counter with no
 * expiry or that is not a number, or a key of another type, is not ours:
 * it is replaced, so that nothing a user cannot write can lock them out
 * forever or let them through forever.
 */
static const char take_lua[] =
    "local t = redis.call('TYPE', KEYS[1]).ok\n"
    "local ttl = redis.call('PTTL', KEYS[1])\n"
    "local n = 0\n"
    "if t == 'string' then n = tonumber(redis.call('GET', KEYS[1])) end\n"
    "if t ~= 'none' and (t ~= 'string' or ttl < 0 or n == nil) then\n"
    "    redis.call('DEL', KEYS[1])\n"
    "    n = 0\n"
    "    ttl = -2\n"
    "end\n"
    "if ttl < 0 then n = 0 end\n"
    "if n >= tonumber(ARGV[2]) then return {0, ttl} end\n"
    "redis.call('INCR', KEYS[1])\n"
    "if ttl < 0 then\n"
    "    redis.call('PEXPIRE', KEYS[1], ARGV[1])\n"
    "    ttl = tonumber(ARGV[1])\n"
    "end\n"
    "return {1, ttl}\n";

static apr_interval_time_t at_least_a_second(apr_interval_time_t t)
{
    return t < apr_time_from_sec(1) ? apr_time_from_sec(1) : t;
}

apr_status_t dash_budget_take_redis(int *allowed, apr_interval_time_t *retry,
                                    dash_redis_t *redis, apr_pool_t *p,
                                    const char *key, long limit,
                                    long window_sec, const char **perr)
{
    dash_redis_script_t script;
    const char *keys_args[3];
    dash_redis_reply_t *reply = NULL;
    apr_status_t rv;

    *allowed = 1;
    *retry = apr_time_from_sec(window_sec);
    /* Only fetches come here: hashing the script each time costs nothing
     * next to the Google calls that follow. */
    dash_redis_script_init(&script, take_lua);
    keys_args[0] = key;
    keys_args[1] = apr_psprintf(p, "%" APR_INT64_T_FMT,
                                (apr_int64_t)window_sec * 1000);
    keys_args[2] = apr_ltoa(p, limit);
    rv = dash_redis_script_run(redis, p, &script, 1, 2, keys_args, NULL,
                               &reply, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!reply || reply->type != DASH_REDIS_ARRAY || reply->nelem != 2
        || reply->elem[0].type != DASH_REDIS_INTEGER
        || reply->elem[1].type != DASH_REDIS_INTEGER) {
        if (perr) {
            *perr = "fetch budget: unexpected reply";
        }
        return APR_EGENERAL;
    }
    *allowed = reply->elem[0].integer != 0;
    *retry = at_least_a_second(apr_time_from_msec(reply->elem[1].integer));
    return APR_SUCCESS;
}

struct dash_budget_t {
    apr_pool_t *pool;              /* the current window's; cleared after */
    apr_hash_t *counts;            /* user -> long *, this window */
    long window_sec;
    apr_int64_t epoch;             /* which window the table counts */
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
#endif
};

apr_status_t dash_budget_create(dash_budget_t **pb, apr_pool_t *pool,
                                long window_sec)
{
    dash_budget_t *b = apr_pcalloc(pool, sizeof(*b));
    apr_status_t rv;

    b->window_sec = window_sec > 0 ? window_sec : 1;
    b->epoch = -1;
    rv = apr_pool_create(&b->pool, pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    b->counts = apr_hash_make(b->pool);
#if APR_HAS_THREADS
    rv = apr_thread_mutex_create(&b->lock, APR_THREAD_MUTEX_DEFAULT, pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
#endif
    *pb = b;
    return APR_SUCCESS;
}

void dash_budget_take_local(int *allowed, apr_interval_time_t *retry,
                            dash_budget_t *b, const char *user, long limit,
                            apr_time_t now)
{
    apr_int64_t sec = apr_time_sec(now);
    apr_int64_t epoch = sec / b->window_sec;
    long *n;

#if APR_HAS_THREADS
    apr_thread_mutex_lock(b->lock);
#endif
    if (epoch != b->epoch) {
        /* A new window: the old counts go, and their memory with them. */
        apr_pool_clear(b->pool);
        b->counts = apr_hash_make(b->pool);
        b->epoch = epoch;
    }
    *retry = at_least_a_second(
        apr_time_from_sec((epoch + 1) * b->window_sec) - now);
    n = apr_hash_get(b->counts, user, APR_HASH_KEY_STRING);
    if (!n) {
        if (apr_hash_count(b->counts) >= DASH_BUDGET_LOCAL_USERS) {
            *allowed = 1;
            goto done;
        }
        n = apr_pcalloc(b->pool, sizeof(*n));
        apr_hash_set(b->counts, apr_pstrdup(b->pool, user),
                     APR_HASH_KEY_STRING, n);
    }
    *allowed = *n < limit;
    if (*allowed) {
        ++*n;
    }
done:
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(b->lock);
#endif
}
