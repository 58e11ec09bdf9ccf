/*
 * The cache rules (docs/behaviour.md#cache, docs/behaviour.md#cache-purge):
 * the key layout, and a purge against a real redis-server that removes
 * exactly the keys of that layout for the user and modes asked.
 */
#include "redis_server.h"
#include "dash_json.h"
#include "dash_stats.h"

static void test_cache_key(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(dash_cache_key(p, "u-1", "UCabc", DASH_MODE_DAY),
                        "dashboard:u-1:UCabc:day");
    assert_string_equal(dash_cache_key(p, "u-1", "UCabc", DASH_MODE_MONTH),
                        "dashboard:u-1:UCabc:month");
    /* Keys are literal: escaping is for SCAN patterns only. */
    assert_string_equal(dash_cache_key(p, "*", "a[b]", DASH_MODE_DAY),
                        "dashboard:*:a[b]:day");
}

static void test_lock_key(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(dash_cache_lock_key(p, "dashboard:u-1:UCabc:day"),
                        "dashboard:u-1:UCabc:day:lock");
}

/* A stored value as a string, with `tail` after the response. */
static const char *value_with(apr_pool_t *p, const char *tail)
{
    apr_size_t len;
    char *resp = dash_json_dump(p, dash_stats_empty(p), &len);

    return apr_pstrcat(p, "{\"response\":", resp, tail, "}", NULL);
}

static json_t *decode(apr_pool_t *p, const char *val, apr_int64_t *at)
{
    return dash_cache_value_decode(p, val, strlen(val), at);
}

static void test_value_fetched_at(void **state)
{
    apr_pool_t *p = *state;
    apr_int64_t at = 0;
    apr_size_t len;
    char *val = dash_cache_value_encode(p, dash_stats_empty(p), 1764470000, &len);

    assert_non_null(val);
    assert_non_null(strstr(val, "\"fetchedAt\":1764470000"));
    assert_non_null(dash_cache_value_decode(p, val, len, &at));
    assert_int_equal(at, 1764470000);

    /* Another writer's value: no fetchedAt, or a whole number as a real. */
    assert_non_null(decode(p, value_with(p, ""), &at));
    assert_int_equal(at, -1);
    assert_non_null(decode(p, value_with(p, ",\"fetchedAt\":1764470000.0"), &at));
    assert_int_equal(at, 1764470000);
    assert_non_null(decode(p, value_with(p, ",\"fetchedAt\":0"), &at));
    assert_int_equal(at, 0);

    /* Anything else makes the value invalid: a miss. */
    assert_null(decode(p, value_with(p, ",\"fetchedAt\":\"1764470000\""), &at));
    assert_null(decode(p, value_with(p, ",\"fetchedAt\":-5"), &at));
    assert_null(decode(p, value_with(p, ",\"fetchedAt\":1764470000.5"), &at));
    assert_null(decode(p, value_with(p, ",\"fetchedAt\":null"), &at));
    assert_null(decode(p, value_with(p, ",\"fetchedAt\":1e300"), &at));
}

/* ---- live: purge ---------------------------------------------------------- */


static void test_live_purge_star_user(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);

    flushall();
    put(c, p, "dashboard:*:c1:day");
    put(c, p, "dashboard:*:c2:month");
    put(c, p, "dashboard:other:c1:day");
    put(c, p, "dashboard:other:c2:month");
    put(c, p, "dashboard:u1:c1:day");
    put(c, p, "dashboard:x*:c1:day");

    assert_int_equal(purge(c, p, "*", NULL), 2);
    assert_false(exists("dashboard:*:c1:day"));
    assert_false(exists("dashboard:*:c2:month"));
    assert_true(exists("dashboard:other:c1:day"));
    assert_true(exists("dashboard:other:c2:month"));
    assert_true(exists("dashboard:u1:c1:day"));
    assert_true(exists("dashboard:x*:c1:day"));
    assert_int_equal(purge(c, p, "*", NULL), 0);
}

static void test_live_purge_glob_users(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, tcp_url(p, &srv_main, ""), 4);

    flushall();
    put(c, p, "dashboard:a[b]:c:day");
    put(c, p, "dashboard:a[b]:d:month");
    put(c, p, "dashboard:ab:c:day");          /* a[b] as a glob matches "ab" */
    put(c, p, "dashboard:a:c:day");
    put(c, p, "dashboard:a?c:c:day");
    put(c, p, "dashboard:abc:c:day");         /* a?c as a glob matches "abc" */
    put(c, p, "dashboard:a\\b:c:day");
    put(c, p, "dashboard:a\\\\b:c:day");
    put(c, p, "dashboard:other:c:day");

    assert_int_equal(purge(c, p, "a[b]", NULL), 2);
    assert_false(exists("dashboard:a[b]:c:day"));
    assert_false(exists("dashboard:a[b]:d:month"));
    assert_true(exists("dashboard:ab:c:day"));
    assert_true(exists("dashboard:a:c:day"));

    assert_int_equal(purge(c, p, "a?c", NULL), 1);
    assert_true(exists("dashboard:abc:c:day"));

    assert_int_equal(purge(c, p, "a\\b", NULL), 1);
    assert_false(exists("dashboard:a\\b:c:day"));
    assert_true(exists("dashboard:a\\\\b:c:day"));

    assert_true(exists("dashboard:other:c:day"));
    assert_int_equal(raw_int(&srv_main, "DBSIZE"), 5);
}

/* A user whose name is a prefix of another's, up to a ':'. */
static void test_live_purge_colon_user(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);

    flushall();
    put(c, p, "dashboard:u:c:day");
    put(c, p, "dashboard:u:x:c:day");          /* user "u:x" */
    put(c, p, "dashboard:ux:c:day");

    assert_int_equal(purge(c, p, "u", NULL), 1);
    assert_true(exists("dashboard:u:x:c:day"));
    assert_true(exists("dashboard:ux:c:day"));
    assert_int_equal(purge(c, p, "u:x", NULL), 1);
    assert_true(exists("dashboard:ux:c:day"));
}

static void test_live_purge_modes(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);
    long n = 0;
    const char *err = NULL;

    flushall();
    put(c, p, "dashboard:u:c1:day");
    put(c, p, "dashboard:u:c2:day");
    put(c, p, "dashboard:u:c1:month");
    put(c, p, "dashboard:v:c1:day");

    assert_int_equal(purge(c, p, "u", "day"), 2);
    assert_true(exists("dashboard:u:c1:month"));
    assert_true(exists("dashboard:v:c1:day"));
    assert_int_equal(purge(c, p, "u", "day"), 0);
    assert_int_equal(purge(c, p, "u", "month"), 1);
    assert_true(exists("dashboard:v:c1:day"));

    put(c, p, "dashboard:u:c1:day");
    put(c, p, "dashboard:u:c1:month");
    assert_int_equal(purge(c, p, "u", "all"), 2);

    assert_int_equal(dash_cache_purge(c, p, "u", "week", &n, &err),
                     APR_EINVAL);
    assert_non_null(err);
    assert_int_equal(dash_cache_purge(c, p, "u", "d*", &n, &err),
                     APR_EINVAL);
    assert_true(exists("dashboard:v:c1:day"));
}

/* Lock keys (docs/behaviour.md#stale-answers-and-single-flight), odd
 * modes, empty channels and foreign keys survive. */
static void test_live_purge_leaves_other_keys(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);
    static const char *const keep[] = {
        "dashboard:u:ch:month:lock", "dashboard:u:ch:day:lock",
        "dashboard:u:ch:week", "dashboard:u::day", "dashboard:u:ch:days",
        "dashboard:u:ch:", "dashboard:u", "dashboard:ch:day",
        "dashboardx:u:ch:day", "other:u:ch:day", "u:ch:day",
    };
    size_t i;

    flushall();
    for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        put(c, p, keep[i]);
    }
    put(c, p, "dashboard:u:ch:month");
    put(c, p, "dashboard:u:ch:day");
    put(c, p, "dashboard:w:ch:day");
    put(c, p, "dashboard:a:b:ch:day");          /* user "a:b" */
    put(c, p, "dashboard::ch:day");             /* empty user */

    assert_int_equal(purge(c, p, "u", NULL), 2);
    assert_int_equal(purge(c, p, NULL, NULL), 3);
    for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        if (!exists(keep[i])) {
            fail_msg("purge deleted %s", keep[i]);
        }
    }
    assert_int_equal(raw_int(&srv_main, "DBSIZE"),
                     (long long)(sizeof(keep) / sizeof(keep[0])));
}

/* Enough keys for many SCAN pages and DEL batches; the count is exact. */
static void test_live_purge_many(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);
    int i;

    flushall();
    for (i = 0; i < 1500; i++) {
        put(c, p, apr_psprintf(p, "dashboard:big:ch%d:%s", i,
                               i % 3 ? "day" : "month"));
        if (i % 5 == 0) {
            put(c, p, apr_psprintf(p, "dashboard:other%d:ch:day", i));
        }
    }
    assert_int_equal(purge(c, p, "big", "month"), 500);
    assert_int_equal(purge(c, p, "big", NULL), 1000);
    assert_int_equal(raw_int(&srv_main, "DBSIZE"), 300);
    assert_int_equal(purge(c, p, NULL, "day"), 300);
    assert_int_equal(raw_int(&srv_main, "DBSIZE"), 0);
}

/* Threads sharing a small pool: every answer is the caller's own. */
int main(int argc, char **argv)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test_setup_teardown(test_cache_key, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_lock_key, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_value_fetched_at, unit_pool_setup, unit_pool_teardown),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test_setup_teardown(test_live_purge_star_user, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_glob_users, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_colon_user, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_modes, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_leaves_other_keys, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_many, unit_pool_setup, unit_pool_teardown),
    };
    int failed;

    if (live_main_setup(argc, argv) != 0) {
        return 1;
    }
    failed = cmocka_run_group_tests_name("cache", unit, NULL, NULL);
    failed += cmocka_run_group_tests_name("cache live", live, live_setup,
                                          live_teardown);
    apr_terminate();
    return failed;
}
