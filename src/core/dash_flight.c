/*
 * docs/behaviour.md#stale-answers-and-single-flight, over the generic
 * Redis layer: the value's age, the lock, the wait.
 */
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "dash_cache.h"
#include "dash_flight.h"

/* 128 random bits: no two holders ever share a token. */
#define TOKEN_BYTES 16

/* The waiters' back-off: the first poll soon after the holder's likely
 * finish would be wasted on a cold key, so polls start short and double up
 * to a ceiling that bounds what a waiter pays after the value lands. */
#define POLL_FIRST apr_time_from_msec(2)
#define POLL_MAX   apr_time_from_msec(20)

static const char release_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "    return redis.call('DEL', KEYS[1])\n"
    "end\n"
    "return 0\n";

struct dash_lock_t {
    dash_redis_t *redis;
    apr_pool_t *pool;              /* whose cleanup releases it */
    const char *key;
    char token[2 * TOKEN_BYTES + 1];
    int held;
};

/* ------------------------------------------------------------------ */
/* The lock                                                            */
/* ------------------------------------------------------------------ */

static apr_status_t unlock_with(dash_lock_t *l, apr_pool_t *p,
                                const char **perr)
{
    dash_redis_script_t script;
    const char *keys_args[2];

    l->held = 0;
    dash_redis_script_init(&script, release_lua);
    keys_args[0] = l->key;
    keys_args[1] = l->token;
    return dash_redis_script_run(l->redis, p, &script, 1, 1, keys_args, NULL,
                                 NULL, perr);
}

/* The request ended with the lock still held (an early return): release
 * it now rather than leave waiters to DashboardLockWait. The request's
 * pool is being destroyed, so the script runs on a pool of its own. */
static apr_status_t lock_cleanup(void *data)
{
    dash_lock_t *l = data;
    apr_pool_t *tmp;

    if (l->held && apr_pool_create(&tmp, NULL) == APR_SUCCESS) {
        unlock_with(l, tmp, NULL);
        apr_pool_destroy(tmp);
    }
    return APR_SUCCESS;
}

static apr_status_t new_token(char *out, const char **perr, apr_pool_t *p)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[TOKEN_BYTES];
    apr_status_t rv = apr_generate_random_bytes(raw, sizeof(raw));
    int i;

    if (rv != APR_SUCCESS) {
        if (perr) {
            *perr = apr_psprintf(p, "no random bytes for a lock token (%d)",
                                 rv);
        }
        return rv;
    }
    for (i = 0; i < TOKEN_BYTES; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * TOKEN_BYTES] = '\0';
    return APR_SUCCESS;
}

/* SET key token NX PX ttl with an existing lock object (a waiter tries
 * again with the same token). */
static apr_status_t lock_try(dash_lock_t *l, apr_pool_t *p,
                             apr_interval_time_t ttl, const char **perr)
{
    const char *argv[6];
    dash_redis_reply_t *reply = NULL;
    apr_status_t rv;
    apr_int64_t ms = apr_time_as_msec(ttl);

    argv[0] = "SET";
    argv[1] = l->key;
    argv[2] = l->token;
    argv[3] = "NX";
    argv[4] = "PX";
    argv[5] = apr_psprintf(p, "%" APR_INT64_T_FMT, ms > 0 ? ms : 1);
    rv = dash_redis_command(l->redis, p, 6, argv, NULL, &reply, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (reply && reply->type == DASH_REDIS_NIL) {
        return APR_EBUSY;
    }
    if (!reply || reply->type != DASH_REDIS_STATUS || strcmp(reply->str, "OK")) {
        if (perr) {
            *perr = "SET NX: unexpected reply";
        }
        return APR_EGENERAL;
    }
    l->held = 1;
    apr_pool_cleanup_register(l->pool, l, lock_cleanup,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static apr_status_t lock_new(dash_lock_t **pl, apr_pool_t *p,
                             dash_redis_t *redis, const char *lock_key,
                             const char **perr)
{
    dash_lock_t *l = apr_pcalloc(p, sizeof(*l));
    apr_status_t rv = new_token(l->token, perr, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    l->redis = redis;
    l->pool = p;
    l->key = lock_key;
    *pl = l;
    return APR_SUCCESS;
}

/* Deletes the lock if it still holds our token (compare-and-delete in one
 * script), so a holder whose lock expired never deletes its successor's.
 * Idempotent. */
static apr_status_t unlock(dash_lock_t *l, apr_pool_t *p, const char **perr)
{
    if (!l || !l->held) {
        return APR_SUCCESS;
    }
    apr_pool_cleanup_kill(l->pool, l, lock_cleanup);
    return unlock_with(l, p, perr);
}

/* ------------------------------------------------------------------ */
/* The value                                                           */
/* ------------------------------------------------------------------ */

typedef enum {
    AGE_NONE,           /* no usable value */
    AGE_FRESH,          /* younger than DashboardCacheTTL, or no fetchedAt */
    AGE_EXPIRED         /* older: refetch */
} age_e;

static int decode_json(void *baton, apr_pool_t *p, const char *val,
                       apr_size_t len, void **value, apr_int64_t *fetched_at)
{
    (void)baton;
    return (*value = dash_cache_value_decode(p, val, len, fetched_at)) != NULL;
}

/* GET and decode. f->stale is the value when it may still be answered as
 * stale; f->invalid notes a value that did not validate. */
static apr_status_t look(dash_flight_t *f, apr_pool_t *p,
                         const dash_flight_cfg_t *c, void **resp, age_e *age)
{
    char *val;
    apr_size_t len;
    apr_int64_t fetched_at = -1, now;
    apr_status_t rv = dash_redis_get_capped(c->redis, p, c->key, c->max_value,
                                            &val, &len, &f->err);

    *resp = NULL;
    *age = AGE_NONE;
    if (rv == APR_NOTFOUND) {
        return APR_SUCCESS;
    }
    /* Neither is Redis failing: the key holds something that is not a
     * value of ours. A miss, so that the fetch's SET (which replaces a key
     * of any type) repairs it; a bypass would leave it there and call
     * Google on every request until its TTL ends. */
    if (rv == APR_ENOSPC || rv == APR_EINVAL) {
        f->invalid = 1;
        f->invalid_why = rv == APR_ENOSPC ? "larger than DashboardMaxValueSize"
                                          : "not a string (WRONGTYPE)";
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!(c->decode ? c->decode : decode_json)(c->baton, p, val, len, resp,
                                               &fetched_at)) {
        *resp = NULL;
        f->invalid = 1;
        f->invalid_why = "does not validate";
        return APR_SUCCESS;
    }
    now = apr_time_sec(apr_time_now());
    /* A value without fetchedAt comes from another writer that knows
     * nothing of ages: Redis's TTL is its only lifetime. A fetchedAt in
     * the future (another host's clock) counts as just fetched. */
    if (fetched_at < 0 || now - fetched_at < c->cache_ttl) {
        *age = AGE_FRESH;
        return APR_SUCCESS;
    }
    *age = AGE_EXPIRED;
    if (c->stale_ttl > 0 && now - fetched_at < c->cache_ttl + c->stale_ttl) {
        f->stale = *resp;
    }
    return APR_SUCCESS;
}

static void bypass(dash_flight_t *f)
{
    f->what = DASH_FLIGHT_BYPASS;
    f->resp = NULL;
    f->stale = NULL;
}

static void hit(dash_flight_t *f, void *resp)
{
    f->what = DASH_FLIGHT_HIT;
    f->resp = resp;
    f->stale = NULL;
}

/*
 * Just took the lock: the previous holder may have stored its value and
 * left between our GET and our SET, so look once more before spending
 * Google's quota a second time.
 */
static void took_lock(dash_flight_t *f, apr_pool_t *p,
                      const dash_flight_cfg_t *c)
{
    void *resp;
    age_e age;

    if (look(f, p, c, &resp, &age) != APR_SUCCESS) {
        unlock(f->lock, p, NULL);
        f->lock = NULL;
        bypass(f);
        return;
    }
    if (age == AGE_FRESH) {
        unlock(f->lock, p, NULL);
        f->lock = NULL;
        hit(f, resp);
        return;
    }
    f->what = DASH_FLIGHT_FETCH;
}

/* Polls until the holder's value lands, the lock comes free (then it is
 * ours) or DashboardLockWait passes (then we fetch without it). */
static void wait_for_holder(dash_flight_t *f, apr_pool_t *p,
                            const dash_flight_cfg_t *c, dash_lock_t *l)
{
    apr_time_t start = apr_time_now();
    apr_time_t deadline = start + c->lock_wait;
    apr_interval_time_t pause = POLL_FIRST;

    for (;;) {
        apr_time_t now = apr_time_now();
        void *resp;
        age_e age;
        apr_status_t rv;

        if (now >= deadline) {
            f->waited = DASH_FLIGHT_WAIT_TIMEOUT;
            f->what = DASH_FLIGHT_FETCH;
            break;
        }
        apr_sleep(pause < deadline - now ? pause : deadline - now);
        pause = pause * 2 < POLL_MAX ? pause * 2 : POLL_MAX;

        if (look(f, p, c, &resp, &age) != APR_SUCCESS) {
            f->waited = DASH_FLIGHT_WAIT_ERROR;
            bypass(f);
            break;
        }
        if (age == AGE_FRESH) {
            f->waited = DASH_FLIGHT_WAIT_FILLED;
            hit(f, resp);
            break;
        }
        rv = lock_try(l, p, c->lock_ttl, &f->err);
        if (rv == APR_SUCCESS) {
            f->lock = l;
            took_lock(f, p, c);
            f->waited = f->what == DASH_FLIGHT_HIT ? DASH_FLIGHT_WAIT_FILLED
                      : f->what == DASH_FLIGHT_FETCH ? DASH_FLIGHT_WAIT_TAKEN
                      : DASH_FLIGHT_WAIT_ERROR;
            break;
        }
        if (rv != APR_EBUSY) {
            f->waited = DASH_FLIGHT_WAIT_ERROR;
            bypass(f);
            break;
        }
    }
    f->wait_time = apr_time_now() - start;
}

void dash_flight_look(dash_flight_t *f, apr_pool_t *p,
                      const dash_flight_cfg_t *c)
{
    void *resp;
    age_e age;

    memset(f, 0, sizeof(*f));
    if (look(f, p, c, &resp, &age) != APR_SUCCESS) {
        bypass(f);
        return;
    }
    if (age == AGE_FRESH) {
        hit(f, resp);
        return;
    }
    f->what = DASH_FLIGHT_FETCH;
}

void dash_flight_claim(dash_flight_t *f, apr_pool_t *p,
                       const dash_flight_cfg_t *c)
{
    dash_lock_t *l = NULL;
    apr_status_t rv;

    if (f->what != DASH_FLIGHT_FETCH || f->lock != NULL) {
        return;
    }
    rv = lock_new(&l, p, c->redis, dash_cache_lock_key(p, c->key), &f->err);
    if (rv == APR_SUCCESS) {
        rv = lock_try(l, p, c->lock_ttl, &f->err);
    }
    if (rv == APR_SUCCESS) {
        f->lock = l;
        took_lock(f, p, c);
        return;
    }
    if (rv != APR_EBUSY) {
        bypass(f);
        return;
    }
    if (f->stale) {
        /* Somebody is refreshing it: the old answer now beats a wait. */
        f->what = DASH_FLIGHT_STALE;
        f->resp = f->stale;
        f->stale = NULL;
        return;
    }
    wait_for_holder(f, p, c, l);
}

apr_status_t dash_flight_store(dash_flight_t *f, apr_pool_t *p,
                               const dash_flight_cfg_t *c, const char *val,
                               apr_size_t len, const char **perr)
{
    apr_status_t rv, rv2;

    if (f->what != DASH_FLIGHT_FETCH) {
        return APR_SUCCESS;
    }
    rv = dash_redis_set(c->redis, p, c->key, val, len,
                        c->cache_ttl + c->stale_ttl, perr);
    rv2 = dash_flight_release(f, p, rv == APR_SUCCESS ? perr : NULL);
    return rv != APR_SUCCESS ? rv : rv2;
}

apr_status_t dash_flight_release(dash_flight_t *f, apr_pool_t *p,
                                 const char **perr)
{
    apr_status_t rv = unlock(f->lock, p, perr);

    f->lock = NULL;
    return rv;
}

int dash_flight_hides(dash_err_e e)
{
    return e == DASH_ERR_API_TIMEOUT || e == DASH_ERR_API_UNAVAILABLE;
}

const char *dash_flight_name(dash_flight_e what)
{
    switch (what) {
    case DASH_FLIGHT_HIT:
        return "hit";
    case DASH_FLIGHT_STALE:
        return "stale";
    case DASH_FLIGHT_FETCH:
        return "miss";
    case DASH_FLIGHT_BYPASS:
    default:
        return "bypass";
    }
}
