/*
 * The DashboardRedis URL (docs/configuration.md#dashboardredis): what
 * parses, what does not, and that no message or log form shows the
 * password.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <apr_strings.h>

#include "dash_redis_url.h"
#include "unit.h"


typedef struct {
    const char *url;
    const char *host;          /* NULL: unix */
    int port;
    const char *path;
    const char *user;
    const char *password;
    int db;
} good_url_t;

static const good_url_t good_urls[] = {
    { "redis://localhost", "localhost", 6379, NULL, NULL, NULL, 0 },
    { "redis://127.0.0.1:6380", "127.0.0.1", 6380, NULL, NULL, NULL, 0 },
    { "redis://h:1/0", "h", 1, NULL, NULL, NULL, 0 },
    { "redis://h:65535/15", "h", 65535, NULL, NULL, NULL, 15 },
    { "redis://h/", "h", 6379, NULL, NULL, NULL, 0 },
    { "redis://h/7", "h", 6379, NULL, NULL, NULL, 7 },
    { "REDIS://Cache-1.example.org", "Cache-1.example.org", 6379, NULL, NULL, NULL, 0 },
    { "redis://:secret@h", "h", 6379, NULL, NULL, "secret", 0 },
    { "redis://:p%40ss@h:6380/2", "h", 6380, NULL, NULL, "p@ss", 2 },
    { "redis://:p%3a%2F%25@h", "h", 6379, NULL, NULL, "p:/%", 0 },
    /* raw '@' and '/' in a password: the last '@' ends the userinfo */
    { "redis://:p@ss/w@h:1234/3", "h", 1234, NULL, NULL, "p@ss/w", 3 },
    { "redis://alice:s3cr%21t@redis.local:7000/1", "redis.local", 7000, NULL, "alice", "s3cr!t", 1 },
    { "redis://[::1]", "::1", 6379, NULL, NULL, NULL, 0 },
    { "redis://[::1]:6390/4", "::1", 6390, NULL, NULL, NULL, 4 },
    { "redis://:pw@[fe80::1:2]:6390", "fe80::1:2", 6390, NULL, NULL, "pw", 0 },
    { "unix:/tmp/r.sock", NULL, 6379, "/tmp/r.sock", NULL, NULL, 0 },
    { "unix:/tmp/r.sock?db=3", NULL, 6379, "/tmp/r.sock", NULL, NULL, 3 },
    { "unix:/var/run/redis/redis-server.sock?db=0", NULL, 6379, "/var/run/redis/redis-server.sock", NULL, NULL, 0 },
};

static void test_url_good(void **state)
{
    apr_pool_t *p = *state;
    size_t i;

    for (i = 0; i < sizeof(good_urls) / sizeof(good_urls[0]); i++) {
        const good_url_t *g = &good_urls[i];
        dash_redis_url_t u;
        const char *msg = dash_redis_url_parse(&u, p, g->url);

        if (msg) {
            fail_msg("%s: %s", g->url, msg);
        }
        if (g->host) {
            assert_non_null(u.host);
            assert_string_equal(u.host, g->host);
            assert_null(u.path);
        }
        else {
            assert_null(u.host);
            assert_string_equal(u.path, g->path);
        }
        assert_int_equal(u.port, g->port);
        assert_int_equal(u.db, g->db);
        if (g->user) {
            assert_string_equal(u.username, g->user);
        }
        else {
            assert_null(u.username);
        }
        if (g->password) {
            assert_string_equal(u.password, g->password);
        }
        else {
            assert_null(u.password);
        }
    }
}

typedef struct {
    const char *url;
    const char *want;          /* a word the message must contain */
} bad_url_t;

static const bad_url_t bad_urls[] = {
    { NULL, "empty" },
    { "", "empty" },
    { "http://x", "redis://" },
    { "https://h:6379", "redis://" },
    { "rediss://h", "TLS" },
    { "redis:/h", "redis://" },
    { "localhost:6379", "redis://" },
    { "redis://", "empty host" },
    { "redis://:6379", "empty host" },
    { "redis:///0", "empty host" },
    { "redis://:pw@", "empty host" },
    { "redis://h:0", "port" },
    { "redis://h:70000", "port" },
    { "redis://h:65536", "port" },
    { "redis://h:", "port" },
    { "redis://h:-1", "port" },
    { "redis://h:+80", "port" },
    { "redis://h:80x", "port" },
    { "redis://h:99999999999999999999", "port" },
    { "redis://h/abc", "database" },
    { "redis://h/-1", "database" },
    { "redis://h/1/2", "database" },
    { "redis://h/1?x=1", "database" },
    { "redis://h/99999999999", "database" },
    { "redis://h?db=1", "host" },
    { "redis://h#frag", "host" },
    { "redis://h x", "host" },
    { "redis://h\tx", "control" },
    { "redis://[::1", "IPv6" },
    { "redis://[]", "IPv6" },
    { "redis://[::1]x", "after the host" },
    { "redis://[zz::1]", "IPv6" },
    { "redis://user@h", "password" },
    { "redis://:@h", "empty password" },
    { "redis://:p%4@h", "percent" },
    { "redis://:p%zz@h", "percent" },
    { "redis://:p%00@h", "percent" },
    { "redis://:pw@h@", "empty host" },
    { "unix:", "path" },
    { "unix:rel", "absolute" },
    { "unix:rel/r.sock", "absolute" },
    { "unix:?db=1", "path" },
    { "unix:/tmp/r.sock?db=", "database" },
    { "unix:/tmp/r.sock?db=x", "database" },
    { "unix:/tmp/r.sock?db=1&x=2", "database" },
    { "unix:/tmp/r.sock?foo=1", "db=N" },
    { "unix:/tmp/r.sock?", "db=N" },
    { "redis-sentine", "redis://" },
    /* redis-sentinel:// */
    { "redis-sentinel://", "no sentinel host" },
    { "redis-sentinel:///mymaster", "no sentinel host" },
    { "redis-sentinel://:pw@/m", "no sentinel host" },
    { "redis-sentinel://h1,,h2/m", "sentinel 2: empty host" },
    { "redis-sentinel://h1,/m", "sentinel 2: empty host" },
    { "redis-sentinel://h:0/m", "sentinel 1: the port" },
    { "redis-sentinel://h1,h2:70000/m", "sentinel 2: the port" },
    { "redis-sentinel://h1:x,h2/m", "sentinel 1: the port" },
    { "redis-sentinel://h1:/m", "sentinel 1: the port" },
    { "redis-sentinel://h1 h2/m", "sentinel 1: the host" },
    { "redis-sentinel://[::1/m", "IPv6" },
    { "redis-sentinel://h1", "no master name" },
    { "redis-sentinel://h1,h2:26380", "no master name" },
    { "redis-sentinel://h1/", "no master name" },
    { "redis-sentinel://h1//0", "no master name" },
    { "redis-sentinel://h1/m%zz", "percent" },
    { "redis-sentinel://h1/m%20x", "space" },
    { "redis-sentinel://h1/m/x", "database" },
    { "redis-sentinel://h1/m/-1", "database" },
    { "redis-sentinel://h1/m/99999999999", "database" },
    { "redis-sentinel://h1/m/1/2", "database" },
    { "redis-sentinel://user@h1/m", "password" },
    { "redis-sentinel://:@h1/m", "empty password" },
    { "redis-sentinel://a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q/m", "more than 16" },
};

static void test_url_bad(void **state)
{
    apr_pool_t *p = *state;
    size_t i;

    for (i = 0; i < sizeof(bad_urls) / sizeof(bad_urls[0]); i++) {
        dash_redis_url_t u;
        const char *msg = dash_redis_url_parse(&u, p, bad_urls[i].url);

        if (!msg) {
            fail_msg("accepted: %s", bad_urls[i].url);
        }
        if (!strstr(msg, bad_urls[i].want)) {
            fail_msg("%s: message \"%s\" does not say \"%s\"",
                     bad_urls[i].url, msg, bad_urls[i].want);
        }
    }
}

static void test_url_long_unix_path(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_url_t u;
    char url[300];

    memset(url, 'a', sizeof(url) - 1);
    url[sizeof(url) - 1] = '\0';
    memcpy(url, "unix:/", 6);
    assert_non_null(strstr(dash_redis_url_parse(&u, p, url), "too long"));
}

/* No message may quote the password, whatever is wrong around it. */
static void test_url_messages_hide_password(void **state)
{
    apr_pool_t *p = *state;
    static const char *const urls[] = {
        "redis://:Sekr1tPw@h:0", "redis://:Sekr1tPw@h/abc",
        "redis://:Sekr1tPw@", "redis://Sekr1tPw@h", "http://:Sekr1tPw@h",
        "redis://:Sekr1tPw%zz@h", "redis://u:Sekr1tPw@h:1:2",
        "Sekr1tPw", "redis://:Sekr1tPw@h x",
        "redis-sentinel://:Sekr1tPw@/m", "redis-sentinel://:Sekr1tPw@h:0/m",
        "redis-sentinel://u:Sekr1tPw@h", "redis-sentinel://:Sekr1tPw@h/m/x",
        "redis-sentinel://Sekr1tPw@h/m",
    };
    size_t i;

    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        dash_redis_url_t u;
        const char *msg = dash_redis_url_parse(&u, p, urls[i]);

        assert_non_null(msg);
        if (strstr(msg, "Sekr1tPw")) {
            fail_msg("%s: message quotes the password: %s", urls[i], msg);
        }
    }
}

/* redis-sentinel://: the sentinels (default port 26379), the master's
 * name, the data nodes' credentials and db. */
static void test_url_sentinel(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_url_t u;

    assert_null(dash_redis_url_parse(&u, p, "redis-sentinel://127.0.0.1"
                                     ":26400,s2.example.org,[::1]:26402"
                                     "/mymaster"));
    assert_null(u.host);
    assert_null(u.path);
    assert_string_equal(u.master, "mymaster");
    assert_int_equal(u.nsentinels, 3);
    assert_string_equal(u.sentinels[0].host, "127.0.0.1");
    assert_int_equal(u.sentinels[0].port, 26400);
    assert_string_equal(u.sentinels[1].host, "s2.example.org");
    assert_int_equal(u.sentinels[1].port, 26379);
    assert_string_equal(u.sentinels[2].host, "::1");
    assert_int_equal(u.sentinels[2].port, 26402);
    assert_int_equal(u.db, 0);
    assert_null(u.password);
    assert_null(u.sentinel_password);

    assert_null(dash_redis_url_parse(&u, p, "redis-sentinel://alice:p@s/s"
                                     "@h1:1,h2/cache%2Da/5"));
    assert_string_equal(u.username, "alice");
    assert_string_equal(u.password, "p@s/s");
    assert_int_equal(u.nsentinels, 2);
    assert_string_equal(u.sentinels[0].host, "h1");
    assert_string_equal(u.master, "cache-a");
    assert_int_equal(u.db, 5);

    assert_null(dash_redis_url_parse(&u, p, "redis-sentinel://h/m/"));
    assert_int_equal(u.db, 0);
    assert_int_equal(u.nsentinels, 1);
    /* A plain URL has no master. */
    assert_null(dash_redis_url_parse(&u, p, "redis://h"));
    assert_null(u.master);
    assert_int_equal(u.nsentinels, 0);
}

static void test_url_redacted(void **state)
{
    apr_pool_t *p = *state;
    static const char *const cases[][2] = {
        { "redis://h", "redis://h:6379" },
        { "redis://:p%40ss@h:6380/2", "redis://:***@h:6380/2" },
        { "redis://alice:secret@h/0", "redis://alice:***@h:6379" },
        { "redis://a%20b:secret@h", "redis://a%20b:***@h:6379" },
        { "redis://:pw@[::1]:7000/1", "redis://:***@[::1]:7000/1" },
        { "unix:/tmp/r.sock", "unix:/tmp/r.sock" },
        { "unix:/tmp/r.sock?db=3", "unix:/tmp/r.sock?db=3" },
        { "redis-sentinel://h/m", "redis-sentinel://h:26379/m" },
        { "redis-sentinel://u:p%40w@a:1,[::1],b:26380/my-master/3",
          "redis-sentinel://u:***@a:1,[::1]:26379,b:26380/my-master/3" },
        { "REDIS-SENTINEL://:pw@a,b/m/0", "redis-sentinel://:***@a:26379,b:26379/m" },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dash_redis_url_t u;
        dash_redis_url_t again;
        const char *r;

        assert_null(dash_redis_url_parse(&u, p, cases[i][0]));
        r = dash_redis_url_redacted(p, &u);
        assert_string_equal(r, cases[i][1]);
        if (u.password) {
            assert_null(strstr(r, u.password));
        }
        /* The redacted form is itself a valid URL of the same server. */
        assert_null(dash_redis_url_parse(&again, p, r));
        assert_int_equal(again.port, u.port);
        assert_int_equal(again.db, u.db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_url_good, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_bad, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_long_unix_path, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_messages_hide_password, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_redacted, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_sentinel, unit_pool_setup, unit_pool_teardown),
    };

    return cmocka_run_group_tests_name("redis_url", tests, unit_group_setup,
                                       unit_group_teardown);
}
