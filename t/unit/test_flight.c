/*
 * docs/behaviour.md#stale-answers-and-single-flight: the lock (token,
 * expiry, compare-and-delete, release by pool cleanup), the value's age,
 * and what dash_flight_begin decides in each state of the cache, against
 * a real redis-server.
 */
#include <limits.h>
#include <pthread.h>

#include "redis_server.h"

#include <apr_atomic.h>
#include "dash_flight.h"
#include "dash_json.h"
#include "dash_shape.h"
#include "dash_stats.h"

#define KEY  "dashboard:u:UCflight:month"
#define LOCK KEY ":lock"

/* A raw string reply (GET) on the main server; NULL for nil. */
static char *raw_str(apr_pool_t *p, const char *fmt, ...)
{
    struct timeval tv = { 2, 0 };
    redisContext *ctx = redisConnectUnixWithTimeout(srv_main.sock, tv);
    redisReply *r;
    char *s = NULL;
    va_list ap;

    assert_non_null(ctx);
    assert_int_equal(ctx->err, 0);
    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    if (r->type == REDIS_REPLY_STRING) {
        s = apr_pstrmemdup(p, r->str, r->len);
    }
    freeReplyObject(r);
    redisFree(ctx);
    return s;
}

/* The Redis pool outlives every test's pool, as a child's outlives its
 * requests: a lock released by a test pool's cleanup still has it. */
static apr_pool_t *long_pool;
static dash_redis_t *redis_main;

static int flight_setup(void **state)
{
    if (live_setup(state) != 0 || apr_pool_create(&long_pool, NULL) != APR_SUCCESS) {
        return -1;
    }
    redis_main = cache_for(long_pool, unix_url(long_pool, &srv_main, ""), 4);
    return 0;
}

static int flight_teardown(void **state)
{
    apr_pool_destroy(long_pool);
    return live_teardown(state);
}

/* What the lock key holds now (NULL: nothing). */
static void assert_lock_is(apr_pool_t *p, const char *want)
{
    char *got = raw_str(p, "GET %s", LOCK);

    if (!got) {
        fail_msg("%s is gone, want \"%s\"", LOCK, want);
    }
    assert_string_equal(got, want);
}

static dash_flight_cfg_t cfg_for(long cache_ttl, long stale_ttl,
                                 int wait_ms)
{
    dash_flight_cfg_t c;

    /* decode and baton NULL: dash_cache_value_decode reads the values. */
    memset(&c, 0, sizeof(c));
    c.redis = redis_main;
    c.key = KEY;
    c.cache_ttl = cache_ttl;
    c.stale_ttl = stale_ttl;
    c.lock_ttl = apr_time_from_sec(4);
    c.lock_wait = apr_time_from_msec(wait_ms);
    return c;
}

#define NO_FETCHED_AT LONG_MIN

/* Stores a valid value fetched `age` seconds ago (negative: in the future;
 * NO_FETCHED_AT: another writer's value, without fetchedAt). */
static void plant(apr_pool_t *p, long age)
{
    apr_size_t len;
    char *val;

    if (age == NO_FETCHED_AT) {
        json_t *doc = dash_json_pool(p, json_pack("{s:O}", "response",
                                                 dash_stats_empty(p)));
        val = dash_json_dump(p, doc, &len);
    }
    else {
        val = dash_cache_value_encode(p, dash_stats_empty(p),
                                      apr_time_sec(apr_time_now()) - age, &len);
    }
    assert_non_null(val);
    assert_int_equal(raw_int(&srv_main, "SET %s %b EX 3600", KEY, val,
                             (size_t)len), 0);
}

static void plant_lock(const char *token)
{
    assert_int_equal(raw_int(&srv_main, "SET %s %s PX 60000", LOCK, token), 0);
}

/* dash_flight_store of an empty answer fetched at now. */
static apr_status_t store(dash_flight_t *f, apr_pool_t *p,
                          const dash_flight_cfg_t *c, apr_time_t now,
                          const char **perr)
{
    apr_size_t len;
    char *val = dash_cache_value_encode(p, dash_stats_empty(p),
                                        apr_time_sec(now), &len);

    assert_non_null(val);
    return dash_flight_store(f, p, c, val, len, perr);
}

static apr_interval_time_t since(apr_time_t t0)
{
    return apr_time_now() - t0;
}

/* Lookup and decision in one go, as a caller without work of its own
 * between the two steps. */
static void begin(dash_flight_t *f, apr_pool_t *p, const dash_flight_cfg_t *c)
{
    dash_flight_look(f, p, c);
    dash_flight_claim(f, p, c);
}

/* ---- the lock ------------------------------------------------------------- */

/* The lock's token as Redis holds it: 32 hex digits. */
static const char *lock_token(apr_pool_t *p)
{
    const char *tok = raw_str(p, "GET %s", LOCK);
    int i;

    assert_non_null(tok);
    assert_int_equal(strlen(tok), 32);
    for (i = 0; tok[i]; i++) {
        assert_non_null(strchr("0123456789abcdef", tok[i]));
    }
    return tok;
}

static void test_lock_take_and_release(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 0);
    dash_flight_t f, f2;
    const char *err = NULL, *tok;
    long long pttl;

    flushall();
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_non_null(f.lock);
    tok = lock_token(p);
    pttl = raw_int(&srv_main, "PTTL %s", LOCK);
    assert_true(pttl > 3900 && pttl <= 4000);

    /* NX: a second taker is turned away (and, not waiting, fetches
     * without the lock); the lock stays the first one's. */
    begin(&f2, p, &c);
    assert_int_equal(f2.what, DASH_FLIGHT_FETCH);
    assert_null(f2.lock);
    assert_lock_is(p, tok);

    assert_int_equal(dash_flight_release(&f, p, &err), APR_SUCCESS);
    assert_int_equal(exists(LOCK), 0);
    assert_int_equal(dash_flight_release(&f, p, &err), APR_SUCCESS);
    begin(&f2, p, &c);
    assert_non_null(f2.lock);
    assert_string_not_equal(lock_token(p), tok);
    assert_int_equal(dash_flight_release(&f2, p, &err), APR_SUCCESS);
}

/* A holder whose lock expired must not delete its successor's. */
static void test_lock_compare_and_delete(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 0);
    dash_flight_t old, next;
    const char *err = NULL, *tok;

    flushall();
    c.lock_ttl = apr_time_from_msec(30);
    begin(&old, p, &c);
    assert_non_null(old.lock);
    apr_sleep(apr_time_from_msec(80));
    assert_int_equal(exists(LOCK), 0);
    c.lock_ttl = apr_time_from_sec(10);
    begin(&next, p, &c);
    assert_non_null(next.lock);
    tok = lock_token(p);
    assert_int_equal(dash_flight_release(&old, p, &err), APR_SUCCESS);
    assert_lock_is(p, tok);
    /* Without the script cached (a restarted Redis): EVAL instead. */
    assert_int_equal(raw_int(&srv_main, "SCRIPT FLUSH"), 0);
    assert_int_equal(dash_flight_release(&next, p, &err), APR_SUCCESS);
    assert_int_equal(exists(LOCK), 0);
}

/* A request that returns early still releases its lock. */
static void test_lock_released_with_pool(void **state)
{
    apr_pool_t *p = *state, *req;
    dash_flight_cfg_t c = cfg_for(600, 1000, 0);
    dash_flight_t f;

    flushall();
    c.lock_ttl = apr_time_from_sec(10);
    assert_int_equal(apr_pool_create(&req, p), APR_SUCCESS);
    begin(&f, req, &c);
    assert_non_null(f.lock);
    assert_int_equal(exists(LOCK), 1);
    apr_pool_destroy(req);
    assert_int_equal(exists(LOCK), 0);

    /* ... but never somebody else's. */
    plant_lock("somebody-else");
    assert_int_equal(apr_pool_create(&req, p), APR_SUCCESS);
    begin(&f, req, &c);
    assert_null(f.lock);
    apr_pool_destroy(req);
    assert_lock_is(p, "somebody-else");
}

/* ---- begin: the value's age ----------------------------------------------- */

static void test_cold_fetches_with_lock(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;
    const char *err = NULL;
    char *val;
    json_t *doc;
    apr_time_t now = apr_time_now();
    long long ttl;

    flushall();
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_string_equal(dash_flight_name(f.what), "miss");
    assert_null(f.stale);
    assert_int_equal(f.waited, DASH_FLIGHT_WAIT_NONE);
    assert_non_null(f.lock);
    (void)lock_token(p);   /* ours: released below, compare-and-delete */

    assert_int_equal(store(&f, p, &c, now, &err),
                     APR_SUCCESS);
    assert_int_equal(exists(LOCK), 0);
    assert_null(f.lock);
    val = raw_str(p, "GET %s", KEY);
    assert_non_null(val);
    doc = dash_json_pool(p, json_loads(val, 0, NULL));
    assert_non_null(doc);
    assert_true(json_is_integer(json_object_get(doc, "fetchedAt")));
    assert_int_equal(json_integer_value(json_object_get(doc, "fetchedAt")),
                     apr_time_sec(now));
    ttl = raw_int(&srv_main, "TTL %s", KEY);
    assert_true(ttl > 1590 && ttl <= 1600);      /* cache + stale */
}

static void test_fresh_is_hit(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;
    /* -100: another host's clock is ahead of ours, so just fetched. */
    long ages[] = { 0, 300, 599, -100, NO_FETCHED_AT };
    size_t i;

    for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
        flushall();
        plant(p, ages[i]);
        begin(&f, p, &c);
        assert_int_equal(f.what, DASH_FLIGHT_HIT);
        assert_true(dash_shape_copy(p, f.resp) != NULL);
        assert_null(f.lock);
        assert_int_equal(exists(LOCK), 0);
    }
}

/* The caller's own decoder (the glue's memo of hits) is what reads the
 * bytes: its value is the answer, and what it refuses is a miss. */
typedef struct {
    int calls;
    int accept;
} decoder_t;

static int counting_decode(void *baton, apr_pool_t *p, const char *val,
                           apr_size_t len, void **value, apr_int64_t *fetched_at)
{
    decoder_t *d = baton;

    d->calls++;
    if (!d->accept) {
        return 0;
    }
    *value = dash_cache_value_decode(p, val, len, fetched_at);
    return *value != NULL;
}

static void test_own_decoder(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;
    decoder_t d = { 0, 1 };

    c.decode = counting_decode;
    c.baton = &d;
    flushall();
    plant(p, 10);
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_HIT);
    assert_int_equal(d.calls, 1);
    assert_true(dash_shape_copy(p, f.resp) != NULL);

    d.accept = 0;
    begin(&f, p, &c);
    assert_true(d.calls >= 2);      /* before the lock, and again after */
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_null(f.stale);
    assert_int_equal(dash_flight_release(&f, p, NULL), APR_SUCCESS);
}

static void test_expired_fetches_keeping_stale(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;

    flushall();
    plant(p, 600);
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_non_null(f.lock);
    assert_non_null(f.stale);
    assert_true(dash_shape_copy(p, f.stale) != NULL);
    assert_int_equal(dash_flight_release(&f, p, NULL), APR_SUCCESS);
    assert_int_equal(exists(LOCK), 0);
    assert_non_null(raw_str(p, "GET %s", KEY));   /* a failure keeps it */

    /* Past DashboardCacheTTL + DashboardStaleTTL: no longer answerable. */
    plant(p, 1600);
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_null(f.stale);
    dash_flight_release(&f, p, NULL);

    /* DashboardStaleTTL 0: never. */
    c.stale_ttl = 0;
    plant(p, 601);
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_null(f.stale);
    dash_flight_release(&f, p, NULL);
}

static void test_invalid_is_cold(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;

    flushall();
    assert_int_equal(raw_int(&srv_main, "SET %s %s", KEY,
                             "{\"response\":{},\"fetchedAt\":1}"), 0);
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_true(f.invalid);
    assert_null(f.stale);
    dash_flight_release(&f, p, NULL);
}

/* A valid value over max_value, and a key of another type: misses (not
 * bypasses) without a parse, and the fetch's store replaces them. */
static void test_oversize_and_wrong_type_are_cold(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;
    int round;

    for (round = 0; round < 2; round++) {
        flushall();
        if (round == 0) {
            plant(p, 10);
            c.max_value = 100;              /* the empty answer is larger */
        }
        else {
            assert_int_equal(raw_int(&srv_main, "RPUSH %s a b", KEY), 2);
            c.max_value = 0;                /* no cap: still a miss */
        }
        begin(&f, p, &c);
        assert_int_equal(f.what, DASH_FLIGHT_FETCH);
        assert_true(f.invalid);
        assert_non_null(f.invalid_why);
        assert_null(f.stale);
        assert_non_null(f.lock);
        c.max_value = 1048576;
        assert_int_equal(store(&f, p, &c, apr_time_now(), NULL), APR_SUCCESS);
        begin(&f, p, &c);
        assert_int_equal(f.what, DASH_FLIGHT_HIT);
    }
}

/* ---- begin: another request holds the lock -------------------------------- */

static void test_expired_while_locked_is_stale(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;
    apr_time_t t0;

    flushall();
    plant(p, 700);
    plant_lock("holder");
    t0 = apr_time_now();
    begin(&f, p, &c);
    /* At once, not after DashboardLockWait (3 s). */
    assert_true(since(t0) < unit_time_bound(0, 100, 2900));
    assert_int_equal(f.what, DASH_FLIGHT_STALE);
    assert_string_equal(dash_flight_name(f.what), "stale");
    assert_true(dash_shape_copy(p, f.resp) != NULL);
    assert_null(f.lock);
    assert_int_equal(f.waited, DASH_FLIGHT_WAIT_NONE);
    assert_lock_is(p, "holder");
}

/* Looking takes no lock: the caller's own work between look and claim
 * does not hold the key (the database step of a stats miss). */
static void test_look_then_claim(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;
    const char *tok;

    flushall();
    dash_flight_look(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_null(f.lock);
    assert_int_equal(exists(LOCK), 0);
    dash_flight_claim(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_non_null(f.lock);
    tok = lock_token(p);
    /* A second claim changes nothing. */
    dash_flight_claim(&f, p, &c);
    assert_lock_is(p, tok);
    assert_int_equal(dash_flight_release(&f, p, NULL), APR_SUCCESS);
    assert_int_equal(exists(LOCK), 0);

    /* An expired value, and another holder by the time of the claim. */
    plant(p, 700);
    dash_flight_look(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_non_null(f.stale);
    assert_null(f.lock);
    plant_lock("holder");
    dash_flight_claim(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_STALE);
    assert_true(dash_shape_copy(p, f.resp) != NULL);
    assert_null(f.lock);
    assert_lock_is(p, "holder");

    /* A hit needs no claim, and gets none. */
    flushall();
    plant(p, 10);
    dash_flight_look(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_HIT);
    dash_flight_claim(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_HIT);
    assert_int_equal(exists(LOCK), 0);
}

static void test_dead_holder_waits_then_fetches(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 300);
    dash_flight_t f;
    apr_time_t t0;

    flushall();
    plant_lock("dead");
    t0 = apr_time_now();
    begin(&f, p, &c);
    assert_true(since(t0) >= apr_time_from_msec(300));
    assert_true(since(t0) < apr_time_from_msec(600));
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_int_equal(f.waited, DASH_FLIGHT_WAIT_TIMEOUT);
    assert_true(f.wait_time >= apr_time_from_msec(300));
    assert_null(f.lock);
    /* It fetches and stores without the lock, which stays the dead one's. */
    assert_int_equal(store(&f, p, &c, apr_time_now(), NULL), APR_SUCCESS);
    assert_lock_is(p, "dead");
    assert_non_null(raw_str(p, "GET %s", KEY));

    /* With stale answers off, an expired value waits like no value. */
    c.stale_ttl = 0;
    plant(p, 700);
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_int_equal(f.waited, DASH_FLIGHT_WAIT_TIMEOUT);
}

typedef struct {
    apr_pool_t *p;
    int delay_ms;
    int fill;                  /* 1: write a fresh value; 0: drop the lock */
    volatile apr_uint32_t ready;   /* the GET count before the waiter began */
    int saw_wait;              /* the waiter was seen polling */
} holder_t;

/* How many GETs the server has run (INFO commandstats), or -1. */
static long long get_calls(redisContext *ctx)
{
    redisReply *r = redisCommand(ctx, "INFO commandstats");
    const char *s;
    long long n = -1;

    if (r && r->type == REDIS_REPLY_STRING) {
        s = strstr(r->str, "cmdstat_get:calls=");
        n = s ? atoll(s + strlen("cmdstat_get:calls=")) : 0;
    }
    if (r) {
        freeReplyObject(r);
    }
    return n;
}

/* The holder acts delay_ms after the waiter is seen waiting (its first
 * GET, then one poll after its lock attempt failed), not after a fixed
 * time: on a loaded machine the waiter may start late, and would then
 * find the fill or the free lock without ever waiting. */
static void *holder_main(void *arg)
{
    holder_t *h = arg;
    struct timeval tv = { 2, 0 };
    redisContext *ctx;
    redisReply *r;
    apr_size_t len;
    char *val = dash_cache_value_encode(h->p, dash_stats_empty(h->p),
                                        apr_time_sec(apr_time_now()), &len);
    long long before;
    int i;

    ctx = redisConnectUnixWithTimeout(srv_main.sock, tv);
    before = ctx && !ctx->err ? get_calls(ctx) : -1;
    apr_atomic_set32(&h->ready, 1);
    for (i = 0; before >= 0 && i < 10000; i++) {
        if (get_calls(ctx) >= before + 2) {
            h->saw_wait = 1;
            break;
        }
        usleep(1000);
    }
    usleep((useconds_t)h->delay_ms * 1000);
    if (ctx && !ctx->err) {
        r = h->fill ? redisCommand(ctx, "SET %s %b EX 600", KEY, val, (size_t)len)
                    : redisCommand(ctx, "DEL %s", LOCK);
        if (r) {
            freeReplyObject(r);
        }
    }
    if (ctx) {
        redisFree(ctx);
    }
    return NULL;
}

/* dash_flight_begin while another "holder" has the lock and, delay_ms
 * after the waiter is seen waiting, either stores a fresh value (fill) or
 * drops its lock. */
static void begin_beside_holder(dash_flight_t *f, apr_pool_t *p,
                                const dash_flight_cfg_t *c, int delay_ms,
                                int fill)
{
    holder_t h;
    pthread_t t;

    flushall();
    plant_lock("holder");
    assert_int_equal(apr_pool_create(&h.p, p), APR_SUCCESS);
    h.delay_ms = delay_ms;
    h.fill = fill;
    h.saw_wait = 0;
    apr_atomic_set32(&h.ready, 0);
    assert_int_equal(pthread_create(&t, NULL, holder_main, &h), 0);
    while (!apr_atomic_read32(&h.ready)) {
        usleep(1000);
    }
    begin(f, p, c);
    pthread_join(t, NULL);
    assert_true(h.saw_wait);
}

static void test_waiter_gets_the_fill(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;
    apr_time_t t0 = apr_time_now();

    begin_beside_holder(&f, p, &c, 150, 1);
    assert_int_equal(f.what, DASH_FLIGHT_HIT);
    assert_int_equal(f.waited, DASH_FLIGHT_WAIT_FILLED);
    assert_true(dash_shape_copy(p, f.resp) != NULL);
    /* Polled, not slept through to DashboardLockWait (3 s). */
    assert_true(since(t0) >= apr_time_from_msec(150));
    assert_true(since(t0) < unit_time_bound(150, 850, 2900));
    assert_lock_is(p, "holder");
}

static void test_waiter_takes_over(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;

    begin_beside_holder(&f, p, &c, 100, 0);
    assert_int_equal(f.what, DASH_FLIGHT_FETCH);
    assert_int_equal(f.waited, DASH_FLIGHT_WAIT_TAKEN);
    assert_non_null(f.lock);
    assert_true(f.wait_time < unit_time_bound(100, 900, 2900));
    (void)lock_token(p);   /* ours: released below, compare-and-delete */
    dash_flight_release(&f, p, NULL);
    assert_int_equal(exists(LOCK), 0);
}

/* ---- Redis away ----------------------------------------------------------- */

static void test_redis_down_is_bypass(void **state)
{
    apr_pool_t *p = *state;
    dash_flight_cfg_t c = cfg_for(600, 1000, 3000);
    dash_flight_t f;

    c.redis = cache_for(p, apr_psprintf(p, "redis://127.0.0.1:%d",
                                        unit_free_port()), 2);
    begin(&f, p, &c);
    assert_int_equal(f.what, DASH_FLIGHT_BYPASS);
    assert_string_equal(dash_flight_name(f.what), "bypass");
    assert_non_null(f.err);
    assert_null(f.lock);
    assert_null(f.resp);
    assert_int_equal(store(&f, p, &c, apr_time_now(), NULL), APR_SUCCESS);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest live[] = {
        cmocka_unit_test_setup_teardown(test_lock_take_and_release, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_lock_compare_and_delete, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_lock_released_with_pool, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_cold_fetches_with_lock, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_fresh_is_hit, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_own_decoder, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_expired_fetches_keeping_stale, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_is_cold, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_oversize_and_wrong_type_are_cold, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_expired_while_locked_is_stale, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_look_then_claim, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_dead_holder_waits_then_fetches, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_waiter_gets_the_fill, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_waiter_takes_over, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_redis_down_is_bypass, unit_pool_setup, unit_pool_teardown),
    };
    int failed;

    if (live_main_setup(argc, argv) != 0) {
        return 1;
    }
    failed = cmocka_run_group_tests_name("flight live", live, flight_setup,
                                         flight_teardown);
    apr_terminate();
    return failed;
}
