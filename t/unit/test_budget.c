/*
 * docs/behaviour.md#fetch-budget: the count in a real redis-server (limit,
 * window, shared between two pools as between two hosts, keys of the wrong
 * kind replaced, untouched by a purge) and the child's own table.
 */
#include "redis_server.h"
#include "dash_budget.h"

static apr_pool_t *long_pool;
static dash_redis_t *host_a, *host_b;

static int budget_setup(void **state)
{
    if (live_setup(state) != 0
        || apr_pool_create(&long_pool, NULL) != APR_SUCCESS) {
        return -1;
    }
    host_a = cache_for(long_pool, unix_url(long_pool, &srv_main, ""), 2);
    host_b = cache_for(long_pool, tcp_url(long_pool, &srv_main, ""), 2);
    return 0;
}

static int budget_teardown(void **state)
{
    apr_pool_destroy(long_pool);
    return live_teardown(state);
}

static int take(apr_pool_t *p, dash_redis_t *r, const char *user, long limit,
                long window, apr_interval_time_t *retry)
{
    const char *err = NULL;
    apr_interval_time_t dummy;
    int allowed = -1;
    apr_status_t rv = dash_budget_take_redis(&allowed, retry ? retry : &dummy,
                                             r, p,
                                             dash_cache_budget_key(p, user),
                                             limit, window, &err);

    if (rv != APR_SUCCESS) {
        fail_msg("take(%s): %s", user, err ? err : "?");
    }
    return allowed;
}

/* GET key, outside the code under test ("" for nil). */
static const char *counter(apr_pool_t *p, const char *key)
{
    redisContext *ctx = raw_connect(&srv_main);
    redisReply *r = redisCommand(ctx, "GET %s", key);
    const char *s;

    assert_non_null(r);
    s = r->type == REDIS_REPLY_STRING ? apr_pstrmemdup(p, r->str, r->len) : "";
    freeReplyObject(r);
    redisFree(ctx);
    return s;
}

/* Two hosts share one count; past it, refused with the window's rest. */
static void test_shared_limit(void **state)
{
    apr_pool_t *p = *state;
    apr_interval_time_t retry = 0;
    int i, allowed = 0;

    flushall();
    for (i = 0; i < 5; i++) {
        allowed += take(p, i % 2 ? host_b : host_a, "u1", 5, 60, NULL);
    }
    assert_int_equal(allowed, 5);
    assert_int_equal(take(p, host_a, "u1", 5, 60, &retry), 0);
    assert_int_equal(take(p, host_b, "u1", 5, 60, &retry), 0);
    assert_true(retry > apr_time_from_sec(55) && retry <= apr_time_from_sec(60));
    /* Another user has a budget of their own. */
    assert_int_equal(take(p, host_b, "u2", 5, 60, NULL), 1);
    /* Refusals are not counted: the counter stays at the limit. */
    assert_string_equal(counter(p, "dashboard:u1:fetches"), "5");
}

static void test_counter_value(void **state)
{
    apr_pool_t *p = *state;

    flushall();
    take(p, host_a, "u:x", 3, 60, NULL);
    take(p, host_a, "u:x", 3, 60, NULL);
    assert_string_equal(counter(p, "dashboard:u:x:fetches"), "2");
    assert_true(raw_int(&srv_main, "PTTL %s", "dashboard:u:x:fetches") > 55000);
}

/* The window ends: a new one starts with a full budget. */
static void test_window_ends(void **state)
{
    apr_pool_t *p = *state;

    flushall();
    assert_int_equal(take(p, host_a, "w", 1, 1, NULL), 1);
    assert_int_equal(take(p, host_a, "w", 1, 1, NULL), 0);
    apr_sleep(apr_time_from_msec(1100));
    assert_int_equal(take(p, host_a, "w", 1, 1, NULL), 1);
}

/* What a purge removes never includes the budget, for any user name. */
static void test_purge_keeps_budget(void **state)
{
    apr_pool_t *p = *state;
    static const char *const users[] = { "p", "p:ch", "p:ch:day", "*", NULL };
    int i;

    for (i = 0; users[i]; i++) {
        flushall();
        assert_int_equal(take(p, host_a, users[i], 1, 60, NULL), 1);
        put(host_a, p, apr_pstrcat(p, "dashboard:", users[i], ":UCx:day", NULL));
        purge(host_a, p, users[i], "all");
        purge(host_a, p, NULL, "all");
        assert_int_equal(exists(dash_cache_budget_key(p, users[i])), 1);
        assert_int_equal(take(p, host_a, users[i], 1, 60, NULL), 0);
    }
}

/* A key at the budget's name that is not a counter with an expiry is
 * replaced by a fresh window rather than failing or living forever. */
static void test_foreign_values_replaced(void **state)
{
    apr_pool_t *p = *state;
    const char *key = "dashboard:f:fetches";

    flushall();
    assert_int_equal(raw_int(&srv_main, "RPUSH %s a b", key), 2);
    assert_int_equal(take(p, host_a, "f", 1, 60, NULL), 1);
    assert_int_equal(take(p, host_a, "f", 1, 60, NULL), 0);

    flushall();
    raw_int(&srv_main, "SET %s 999", key);            /* no expiry */
    assert_int_equal(take(p, host_a, "f", 1, 60, NULL), 1);
    assert_true(raw_int(&srv_main, "PTTL %s", key) > 0);

    flushall();
    raw_int(&srv_main, "SET %s lots EX 60", key);     /* not a number */
    assert_int_equal(take(p, host_a, "f", 1, 60, NULL), 1);
}

static void test_redis_down_fails(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *none;
    apr_interval_time_t retry;
    const char *err = NULL;
    int allowed = 0;
    int port = unit_free_port();

    none = cache_for(p, apr_psprintf(p, "redis://127.0.0.1:%d", port), 1);
    assert_int_not_equal(dash_budget_take_redis(&allowed, &retry, none, p,
                                                "dashboard:d:fetches", 1, 60,
                                                &err), APR_SUCCESS);
    assert_non_null(err);
}

/* The child's table: a limit per user and window, windows on multiples of
 * their length. */
static void test_local(void **state)
{
    apr_pool_t *p = *state;
    dash_budget_t *b;
    apr_interval_time_t retry = 0;
    apr_time_t t0 = apr_time_from_sec(3600 * 1000 + 10);
    int allowed, i, n = 0;

    assert_int_equal(dash_budget_create(&b, p, 3600), APR_SUCCESS);
    for (i = 0; i < 5; i++) {
        dash_budget_take_local(&allowed, &retry, b, "a", 3, t0 + i);
        n += allowed;
    }
    assert_int_equal(n, 3);
    assert_int_equal(retry, apr_time_from_sec(3590) - 4);
    dash_budget_take_local(&allowed, &retry, b, "b", 3, t0);
    assert_int_equal(allowed, 1);
    dash_budget_take_local(&allowed, &retry, b, "a", 3,
                           t0 + apr_time_from_sec(3590));
    assert_int_equal(allowed, 1);
}

static void test_local_bounded(void **state)
{
    apr_pool_t *p = *state;
    dash_budget_t *b;
    apr_interval_time_t retry;
    apr_time_t t0 = apr_time_from_sec(100);
    int allowed, i;

    assert_int_equal(dash_budget_create(&b, p, 3600), APR_SUCCESS);
    for (i = 0; i < DASH_BUDGET_LOCAL_USERS; i++) {
        dash_budget_take_local(&allowed, &retry, b,
                               apr_psprintf(p, "u%d", i), 1, t0);
        assert_int_equal(allowed, 1);
    }
    /* Counted users stay counted; one more is let through uncounted. */
    dash_budget_take_local(&allowed, &retry, b, "u0", 1, t0);
    assert_int_equal(allowed, 0);
    for (i = 0; i < 3; i++) {
        dash_budget_take_local(&allowed, &retry, b, "extra", 1, t0);
        assert_int_equal(allowed, 1);
    }
}

int main(int argc, char **argv)
{
    const struct CMUnitTest live[] = {
        cmocka_unit_test_setup_teardown(test_shared_limit, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_counter_value, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_window_ends, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_purge_keeps_budget, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_foreign_values_replaced, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_redis_down_fails, unit_pool_setup, unit_pool_teardown),
    };
    const struct CMUnitTest local[] = {
        cmocka_unit_test_setup_teardown(test_local, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_local_bounded, unit_pool_setup, unit_pool_teardown),
    };
    int failed;

    if (live_main_setup(argc, argv) != 0) {
        return 1;
    }
    failed = cmocka_run_group_tests_name("budget local", local, NULL, NULL);
    failed += cmocka_run_group_tests_name("budget live", live, budget_setup,
                                          budget_teardown);
    apr_terminate();
    return failed;
}
