/*
 * The Redis transport (src/core/dash_redis.c): the connection pool against
 * real redis-server processes this test starts itself — GET, SET, PING,
 * AUTH, SELECT, threads, Redis stopping, restarting, stalling, and a pool
 * with every connection in use.
 */
#include "redis_server.h"

#include <apr_atomic.h>

static void test_glob_escape(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(dash_redis_glob_escape(p, ""), "");
    assert_string_equal(dash_redis_glob_escape(p, "abc-123"), "abc-123");
    assert_string_equal(dash_redis_glob_escape(p, "*"), "\\*");
    assert_string_equal(dash_redis_glob_escape(p, "a?b"), "a\\?b");
    assert_string_equal(dash_redis_glob_escape(p, "a[b]"), "a\\[b\\]");
    assert_string_equal(dash_redis_glob_escape(p, "a\\b"), "a\\\\b");
    assert_string_equal(dash_redis_glob_escape(p, "*?[]\\"), "\\*\\?\\[\\]\\\\");
    assert_string_equal(dash_redis_glob_escape(p, "x:^-!"), "x:^-!");
}

static void test_create_rejects(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_url_t u;
    dash_redis_t *c = (dash_redis_t *)1;

    assert_null(dash_redis_url_parse(&u, p, "redis://127.0.0.1"));
    assert_int_equal(dash_redis_create(&c, p, &u, 0, 4), APR_EINVAL);
    assert_null(c);
    assert_int_equal(dash_redis_create(&c, p, &u, TIMEOUT, 0), APR_EINVAL);
    assert_int_equal(dash_redis_create(&c, p, NULL, TIMEOUT, 4), APR_EINVAL);
    memset(&u, 0, sizeof(u));
    assert_int_equal(dash_redis_create(&c, p, &u, TIMEOUT, 4), APR_EINVAL);
}

/* ---- live: GET / SET / PING ------------------------------------------------ */

static void check_set_get(apr_pool_t *p, dash_redis_t *c)
{
    static const char val[] = "{\"response\":{}}\0binary\xff";
    char *got = NULL;
    apr_size_t len = 0;
    const char *err = "unset";
    long long ttl;

    assert_int_equal(dash_redis_ping(c, p, &err), APR_SUCCESS);
    assert_null(err);

    assert_int_equal(dash_redis_set(c, p, "dashboard:u:ch:day", val,
                                    sizeof(val) - 1, 120, &err), APR_SUCCESS);
    assert_null(err);
    assert_int_equal(dash_redis_get(c, p, "dashboard:u:ch:day", &got, &len,
                                    &err), APR_SUCCESS);
    assert_null(err);
    assert_int_equal(len, sizeof(val) - 1);
    assert_memory_equal(got, val, len);
    assert_int_equal(got[len], '\0');
    ttl = raw_int(&srv_main, "TTL %s", "dashboard:u:ch:day");
    assert_true(ttl > 100 && ttl <= 120);

    err = "unset";
    got = (char *)"unset";
    assert_int_equal(dash_redis_get(c, p, "dashboard:u:ch:month", &got, &len,
                                    &err), APR_NOTFOUND);
    assert_null(got);
    assert_null(err);

    /* A key made of glob and protocol characters is just bytes. */
    assert_int_equal(dash_redis_set(c, p, "dashboard:*:a\r\n[b]:day", "x", 1,
                                    60, &err), APR_SUCCESS);
    assert_int_equal(dash_redis_get(c, p, "dashboard:*:a\r\n[b]:day", &got,
                                    NULL, &err), APR_SUCCESS);
    assert_string_equal(got, "x");

    assert_int_equal(dash_redis_set(c, p, "k", "x", 1, 0, &err), APR_EINVAL);
    assert_non_null(err);
}

static void test_live_set_get_tcp(void **state)
{
    apr_pool_t *p = *state;

    flushall();
    check_set_get(p, cache_for(p, tcp_url(p, &srv_main, ""), 4));
}

static void test_live_set_get_unix(void **state)
{
    apr_pool_t *p = *state;

    flushall();
    check_set_get(p, cache_for(p, unix_url(p, &srv_main, ""), 4));
}

/* Many calls through a small pool: the connections are reused, as Redis
 * itself counts them (INFO stats total_connections_received). */
static void test_live_reuse(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, unix_url(p, &srv_main, ""), 2);
    long long before, after;
    int i;

    flushall();
    before = connections_received(&srv_main);
    for (i = 0; i < 200; i++) {
        apr_pool_t *rp;
        const char *err;
        char *v;

        apr_pool_create(&rp, p);
        put(c, rp, "dashboard:u:c:day");
        assert_int_equal(dash_redis_get(c, rp, "dashboard:u:c:day", &v, NULL,
                                        &err), APR_SUCCESS);
        apr_pool_destroy(rp);
    }
    after = connections_received(&srv_main);
    /* One connection for 400 commands (a single thread never needs the
     * second), plus the one connections_received itself opened. */
    assert_int_equal(after - before, 1 + 1);
}

typedef struct {
    dash_redis_t *c;
    int id;
    int failures;
} worker_t;

static void *APR_THREAD_FUNC worker(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    apr_pool_t *p;
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 150; i++) {
        const char *key = apr_psprintf(p, "dashboard:w%d:c%d:day", w->id, i);
        const char *val = apr_psprintf(p, "value-%d-%d", w->id, i);
        const char *err;
        char *got;

        if (dash_redis_set(w->c, p, key, val, strlen(val), 60, &err)
            != APR_SUCCESS
            || dash_redis_get(w->c, p, key, &got, NULL, &err) != APR_SUCCESS
            || strcmp(got, val) != 0) {
            w->failures++;
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    /* Returned, not apr_thread_exit(): pthread_exit() unwinds past this
     * frame without ASan unpoisoning it, and ASan's own thread teardown
     * then trips over the stale shadow (make test-asan). */
    (void)t;
    return NULL;
}

static void test_live_threads(void **state)
{
    apr_pool_t *p = *state;
    apr_pool_t *tp;
    dash_redis_url_t u;
    dash_redis_t *c;
    worker_t w[8];
    apr_thread_t *t[8];
    apr_status_t trv;
    long n;
    int i;

    flushall();
    assert_null(dash_redis_url_parse(&u, p, unix_url(p, &srv_main, "")));
    /* A long acquire timeout: eight threads queue for three connections,
     * slowly under valgrind. */
    assert_int_equal(dash_redis_create(&c, p, &u, apr_time_from_sec(5), 3),
                     APR_SUCCESS);
    apr_pool_create(&tp, NULL);
    for (i = 0; i < 8; i++) {
        w[i].c = c;
        w[i].id = i;
        w[i].failures = 0;
        assert_int_equal(apr_thread_create(&t[i], NULL, worker, &w[i], tp),
                         APR_SUCCESS);
    }
    for (i = 0; i < 8; i++) {
        apr_thread_join(&trv, t[i]);
    }
    apr_pool_destroy(tp);
    for (i = 0; i < 8; i++) {
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(raw_int(&srv_main, "DBSIZE"), 8 * 150);
    assert_int_equal(dash_cache_purge(c, p, NULL, NULL, &n, NULL),
                     APR_SUCCESS);
    assert_int_equal(n, 8 * 150);
}

/* ---- live: AUTH and SELECT ----------------------------------------------------- */

static void test_live_password(void **state)
{
    apr_pool_t *p = *state;
    server_t *s = &srv_auth;
    const char *good[] = {
        "redis://:p%%40ss%%3Aw%%2Frd@127.0.0.1:%d",
        "redis://:p@ss:w/rd@127.0.0.1:%d",
        "redis://default:p%%40ss%%3Aw%%2Frd@127.0.0.1:%d/1",
    };
    const char *err;
    char *v;
    size_t i;
    dash_redis_t *c;

    assert_int_equal(server_start(s), 0);

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        c = cache_for(p, apr_psprintf(p, good[i], s->port), 2);
        err = "unset";
        assert_int_equal(dash_redis_ping(c, p, &err), APR_SUCCESS);
        assert_null(err);
        put(c, p, "dashboard:u:c:day");
        assert_int_equal(dash_redis_get(c, p, "dashboard:u:c:day", &v, NULL,
                                        &err), APR_SUCCESS);
    }

    /* A wrong password: an error naming AUTH, never the password. */
    c = cache_for(p, apr_psprintf(p, "redis://:Wr0ngPassw0rd@127.0.0.1:%d",
                                  s->port), 2);
    err = NULL;
    assert_int_equal(dash_redis_get(c, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_EACCES);
    assert_non_null(err);
    assert_non_null(strstr(err, "AUTH"));
    assert_null(strstr(err, "Wr0ngPassw0rd"));
    assert_int_equal(dash_redis_ping(c, p, &err), APR_EACCES);

    c = cache_for(p, apr_psprintf(p, "redis://bob:Wr0ngPassw0rd@127.0.0.1:%d",
                                  s->port), 2);
    assert_int_equal(dash_redis_ping(c, p, &err), APR_EACCES);
    assert_null(strstr(err, "Wr0ngPassw0rd"));

    /* No password at all: the command is refused, the connection stays. */
    c = cache_for(p, tcp_url(p, s, ""), 1);
    err = NULL;
    assert_int_equal(dash_redis_get(c, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_EACCES);
    assert_non_null(strstr(err, "NOAUTH"));
    assert_int_equal(dash_redis_set(c, p, "k", "v", 1, 10, &err), APR_EACCES);

    /* A password for a server that has none. */
    c = cache_for(p, apr_psprintf(p, "redis://:Wr0ngPassw0rd@127.0.0.1:%d",
                                  srv_main.port), 1);
    err = NULL;
    assert_int_not_equal(dash_redis_ping(c, p, &err), APR_SUCCESS);
    assert_non_null(err);
    assert_null(strstr(err, "Wr0ngPassw0rd"));

    server_stop(s);
}

static void test_live_select(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *d0 = cache_for(p, tcp_url(p, &srv_main, "/0"), 2);
    dash_redis_t *d2 = cache_for(p, tcp_url(p, &srv_main, "/2"), 2);
    dash_redis_t *d3 = cache_for(p, unix_url(p, &srv_main, "?db=3"), 2);
    dash_redis_t *bad = cache_for(p, tcp_url(p, &srv_main, "/999"), 2);
    const char *err;
    char *v;
    long n;

    flushall();
    put(d2, p, "dashboard:u:c:day");
    assert_int_equal(dash_redis_get(d0, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_NOTFOUND);
    assert_int_equal(dash_redis_get(d3, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_NOTFOUND);
    assert_int_equal(dash_redis_get(d2, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_SUCCESS);

    put(d3, p, "dashboard:u:c:month");
    assert_int_equal(purge(d0, p, "u", NULL), 0);
    assert_int_equal(purge(d2, p, "u", NULL), 1);
    assert_int_equal(dash_redis_get(d3, p, "dashboard:u:c:month", &v, NULL,
                                    &err), APR_SUCCESS);
    assert_int_equal(raw_int(&srv_main, "DBSIZE"), 0);

    err = NULL;
    assert_int_not_equal(dash_cache_purge(bad, p, "u", NULL, &n, &err),
                         APR_SUCCESS);
    assert_non_null(strstr(err, "SELECT"));
}

/* ---- live: Redis going away ----------------------------------------------------- */

static apr_interval_time_t since(apr_time_t t0)
{
    return apr_time_now() - t0;
}

static void check_down(apr_pool_t *p, dash_redis_t *c)
{
    const char *err;
    char *v;
    long n;
    apr_time_t t0 = apr_time_now();

    err = NULL;
    assert_int_not_equal(dash_redis_get(c, p, "dashboard:u:c:day", &v, NULL,
                                        &err), APR_SUCCESS);
    assert_non_null(err);
    err = NULL;
    assert_int_not_equal(dash_redis_set(c, p, "dashboard:u:c:day", "x", 1,
                                        10, &err), APR_SUCCESS);
    assert_non_null(err);
    err = NULL;
    assert_int_not_equal(dash_redis_ping(c, p, &err), APR_SUCCESS);
    assert_non_null(strstr(err, "connect"));
    err = NULL;
    assert_int_not_equal(dash_cache_purge(c, p, NULL, NULL, &n, &err),
                         APR_SUCCESS);
    assert_non_null(err);
    /* A refused connect is immediate: four calls well within one timeout
     * (generous for valgrind). */
    assert_true(since(t0) < TIMEOUT + unit_time_bound(0, 300, 0));
}

static void test_live_stop_restart(void **state)
{
    apr_pool_t *p = *state;
    server_t *s = &srv_restart;
    dash_redis_t *tc, *uc;
    const char *err;
    char *v;

    assert_int_equal(server_start(s), 0);
    /* One connection each, so the next call surely reuses it. */
    tc = cache_for(p, tcp_url(p, s, ""), 1);
    uc = cache_for(p, unix_url(p, s, ""), 1);
    assert_int_equal(dash_redis_ping(tc, p, &err), APR_SUCCESS);
    assert_int_equal(dash_redis_ping(uc, p, &err), APR_SUCCESS);

    /* Down: the pooled connection is dead and a new one is refused. */
    server_stop(s);
    check_down(p, tc);
    check_down(p, uc);

    /* Back: the pool reconnects. */
    assert_int_equal(server_start(s), 0);
    err = "unset";
    assert_int_equal(dash_redis_ping(tc, p, &err), APR_SUCCESS);
    assert_null(err);
    assert_int_equal(dash_redis_ping(uc, p, &err), APR_SUCCESS);

    /* Restarted while the connection sat idle: replaced transparently, the
     * caller sees no error. */
    server_stop(s);
    assert_int_equal(server_start(s), 0);
    err = "unset";
    assert_int_equal(dash_redis_get(tc, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_NOTFOUND);
    assert_null(err);
    assert_int_equal(dash_redis_set(uc, p, "dashboard:u:c:day", "x", 1, 10,
                                    &err), APR_SUCCESS);
    assert_null(err);

    server_stop(s);
    assert_int_equal(server_start(s), 0);
    {
        long n = -1;
        assert_int_equal(dash_cache_purge(tc, p, "u", NULL, &n, &err),
                         APR_SUCCESS);
        assert_int_equal(n, 0);
    }
    server_stop(s);
}

/* A server that accepts TCP connections (the kernel does, from the
 * backlog) and never answers: every command must give up at the timeout. */
static void test_live_timeout(void **state)
{
    apr_pool_t *p = *state;
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    dash_redis_t *c;
    const char *err;
    char *v;
    long n;
    apr_time_t t0;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);

    c = cache_for(p, apr_psprintf(p, "redis://127.0.0.1:%d",
                                  ntohs(a.sin_port)), 2);
    t0 = apr_time_now();
    err = NULL;
    assert_int_equal(dash_redis_get(c, p, "k", &v, NULL, &err), APR_TIMEUP);
    assert_string_equal(err, "GET: timeout");
    assert_true(since(t0) >= TIMEOUT - apr_time_from_msec(20));
    assert_true(since(t0) < TIMEOUT + unit_time_bound(0, 500, 0));

    t0 = apr_time_now();
    assert_int_equal(dash_cache_purge(c, p, "u", NULL, &n, &err), APR_TIMEUP);
    assert_string_equal(err, "SCAN: timeout");
    assert_true(since(t0) < TIMEOUT + unit_time_bound(0, 500, 0));

    close(fd);
}

/*
 * Pool saturation: a fake server answers each SCAN after 100 ms (half the
 * timeout: room for a loaded machine) with a cursor that is not 0 yet, so
 * one purge holds the only connection for about 800 ms while each of its
 * commands stays within the timeout. A second caller must give up after
 * the acquire timeout, not wait.
 */
typedef struct {
    int lfd;
    volatile apr_uint32_t busy;   /* the first command arrived: the purge
                                   * holds the pool's only connection */
} slow_server_t;

static void *APR_THREAD_FUNC slow_server(apr_thread_t *t, void *data)
{
    slow_server_t *ss = data;
    int fd = accept(ss->lfd, NULL, NULL);
    char buf[4096];
    int i;

    for (i = 0; fd >= 0; i++) {
        const char *reply = i < 7 ? "*2\r\n$1\r\n7\r\n*0\r\n"
                                  : "*2\r\n$1\r\n0\r\n*0\r\n";
        if (recv(fd, buf, sizeof(buf), 0) <= 0) {
            break;
        }
        apr_atomic_set32(&ss->busy, 1);
        usleep(100000);
        if (send(fd, reply, strlen(reply), 0) < 0) {
            break;
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    (void)t;
    return NULL;   /* not apr_thread_exit(): see worker() */
}

typedef struct {
    dash_redis_t *c;
    apr_status_t rv;
    long n;
} purger_t;

static void *APR_THREAD_FUNC purger(apr_thread_t *t, void *data)
{
    purger_t *pu = data;
    apr_pool_t *p;
    const char *err;

    apr_pool_create(&p, NULL);
    pu->rv = dash_cache_purge(pu->c, p, "u", NULL, &pu->n, &err);
    apr_pool_destroy(p);
    (void)t;
    return NULL;   /* not apr_thread_exit(): see worker() */
}

static void test_live_pool_saturated(void **state)
{
    apr_pool_t *p = *state;
    apr_pool_t *cp, *tp;
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    slow_server_t ss;
    purger_t pu;
    apr_thread_t *st, *pt;
    apr_status_t trv, prv;
    dash_redis_t *c;
    const char *err;
    apr_time_t t0;
    int i;

    ss.lfd = socket(AF_INET, SOCK_STREAM, 0);
    apr_atomic_set32(&ss.busy, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(ss.lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ss.lfd, 4), 0);
    assert_int_equal(getsockname(ss.lfd, (struct sockaddr *)&a, &len), 0);

    /* The cache on its own pool, destroyed before the fake server is
     * joined: that closes the connection the server waits on. The threads
     * get a pool that outlives both. */
    apr_pool_create(&cp, p);
    apr_pool_create(&tp, NULL);
    c = cache_for(cp, apr_psprintf(p, "redis://127.0.0.1:%d",
                                   ntohs(a.sin_port)), 1);

    pu.c = c;
    pu.rv = -1;
    pu.n = -1;
    assert_int_equal(apr_thread_create(&st, NULL, slow_server, &ss, tp),
                     APR_SUCCESS);
    assert_int_equal(apr_thread_create(&pt, NULL, purger, &pu, tp),
                     APR_SUCCESS);
    /* The ping starts once the purge is known to hold the connection (its
     * first SCAN reached the server), however slow the machine: a fixed
     * sleep would let a late purger find the ping holding it instead. */
    for (i = 0; i < 10000 && !apr_atomic_read32(&ss.busy); i++) {
        apr_sleep(apr_time_from_msec(1));
    }
    assert_true(apr_atomic_read32(&ss.busy));

    t0 = apr_time_now();
    err = NULL;
    prv = dash_redis_ping(c, p, &err);
    t0 = since(t0);

    apr_thread_join(&trv, pt);
    apr_pool_destroy(cp);
    apr_thread_join(&trv, st);
    apr_pool_destroy(tp);
    close(ss.lfd);

    assert_int_equal(prv, APR_TIMEUP);
    assert_int_equal(pu.rv, APR_SUCCESS);
    assert_int_equal(pu.n, 0);
    assert_non_null(err);
    assert_non_null(strstr(err, "no free Redis connection"));
    assert_true(t0 >= TIMEOUT - apr_time_from_msec(20));
    /* Before the purge lets go (7 more replies, 700 ms). */
    assert_true(t0 < unit_time_bound(200, 300, 650));
}

/* ---- live: any command, scripts ------------------------------------------ */

static void test_live_command(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, unix_url(p, &srv_main, ""), 2);
    const char *incr[] = { "INCRBY", "n\0x", "5" };
    const apr_size_t lens[] = { 6, 3, 1 };
    const char *bad[] = { "INCR", "s" };
    dash_redis_reply_t *r = NULL;
    const char *err = NULL;

    flushall();
    assert_int_equal(dash_redis_command(c, p, 3, incr, lens, &r, &err),
                     APR_SUCCESS);
    assert_int_equal(r->type, DASH_REDIS_INTEGER);
    assert_int_equal(r->integer, 5);
    assert_int_equal(dash_redis_command(c, p, 3, incr, lens, &r, &err),
                     APR_SUCCESS);
    assert_int_equal(r->integer, 10);
    /* The key is the three bytes given, NUL included. */
    assert_int_equal(raw_int(&srv_main, "EXISTS %b", "n\0x", (size_t)3), 1);
    assert_int_equal(raw_int(&srv_main, "EXISTS %s", "n"), 0);

    put(c, p, "s");
    assert_int_equal(dash_redis_command(c, p, 2, bad, NULL, &r, &err),
                     APR_EGENERAL);
    assert_null(r);
    assert_non_null(strstr(err, "INCR: "));
    assert_int_equal(dash_redis_command(c, p, 0, bad, NULL, &r, &err),
                     APR_EINVAL);
}

/* INFO stats total_net_output_bytes: what the server has sent so far. */
static long long net_output(apr_pool_t *p)
{
    redisContext *ctx = raw_connect(&srv_main);
    redisReply *r = redisCommand(ctx, "INFO stats");
    const char *at;
    long long v;

    assert_non_null(r);
    at = strstr(r->str, "total_net_output_bytes:");
    assert_non_null(at);
    v = apr_atoi64(at + strlen("total_net_output_bytes:"));
    freeReplyObject(r);
    redisFree(ctx);
    (void)p;
    return v;
}

/* Capped reads: at most max bytes come back, a longer value or a
 * key of another type is told apart from a Redis failure, and neither of
 * those counts as a Redis error. */
static void test_live_get_capped(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, unix_url(p, &srv_main, ""), 2);
    void *mem = apr_pcalloc(p, dash_metrics_size() + 8);
    dash_metrics_t *m = dash_metrics_init((void *)(((apr_uintptr_t)mem + 7) & ~(apr_uintptr_t)7));
    char *big = apr_palloc(p, 500001), *val = NULL;
    apr_size_t len = 99;
    long long out0;
    const char *err = NULL;

    dash_redis_set_metrics(c, m);
    flushall();
    memset(big, 'x', 50000);
    big[50000] = '\0';
    assert_int_equal(dash_redis_set(c, p, "k", big, 50000, 60, &err), APR_SUCCESS);
    assert_int_equal(dash_redis_get_capped(c, p, "k", 50000, &val, &len, &err), APR_SUCCESS);
    assert_int_equal(len, 50000);
    assert_int_equal(strlen(val), 50000);
    out0 = net_output(p);
    assert_int_equal(dash_redis_get_capped(c, p, "k", 49999, &val, &len, &err), APR_ENOSPC);
    assert_null(val);
    assert_int_equal(len, 0);
    assert_null(err);
    /* The value did not leave Redis: its length did (and the first
     * INFO's own answer, a few kB). */
    assert_true(net_output(p) - out0 < 10000);
    /* A Redis that lost its scripts (SCRIPT FLUSH, a restart). */
    assert_int_equal(raw_int(&srv_main, "SCRIPT FLUSH"), 0);
    assert_int_equal(dash_redis_get_capped(c, p, "k", 50000, &val, &len, &err), APR_SUCCESS);
    assert_int_equal(len, 50000);
    assert_int_equal(dash_redis_get_capped(c, p, "k", 0, &val, &len, &err), APR_SUCCESS);
    assert_int_equal(len, 50000);
    assert_int_equal(dash_redis_get_capped(c, p, "none", 10, &val, &len, &err), APR_NOTFOUND);
    assert_int_equal(raw_int(&srv_main, "RPUSH %s a b", "list"), 2);
    assert_int_equal(dash_redis_get_capped(c, p, "list", 10, &val, &len, &err), APR_EINVAL);
    assert_null(err);
    assert_int_equal(raw_int(&srv_main, "HSET %s f v", "hash"), 1);
    assert_int_equal(dash_redis_get_capped(c, p, "hash", 10, &val, &len, &err), APR_EINVAL);
    assert_non_null(strstr(dash_metrics_text(m, "t", p, NULL),
                           "mod_dashboard_redis_errors_total 0\n"));
    /* SET replaces a key of any type: what repairs it. */
    assert_int_equal(dash_redis_set(c, p, "list", "{}", 2, 60, &err), APR_SUCCESS);
    assert_int_equal(dash_redis_get_capped(c, p, "list", 10, &val, &len, &err), APR_SUCCESS);
    assert_string_equal(val, "{}");
}

static void test_live_script(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_t *c = cache_for(p, tcp_url(p, &srv_main, ""), 2);
    dash_redis_script_t s;
    const char *load[] = { "SCRIPT", "LOAD", NULL };
    const char *exists[] = { "SCRIPT", "EXISTS", NULL };
    const char *ka[] = { "k1", "a1", "a2" };
    dash_redis_reply_t *r = NULL;
    const char *err = NULL;
    int round;

    dash_redis_script_init(&s, "return {KEYS[1], ARGV[2], #ARGV}");
    exists[2] = s.sha1;
    flushall();
    assert_int_equal(raw_int(&srv_main, "SCRIPT FLUSH"), 0);
    /* First unknown to Redis (NOSCRIPT, then EVAL), then known (EVALSHA),
     * then flushed again. */
    for (round = 0; round < 3; round++) {
        if (round == 2) {
            assert_int_equal(raw_int(&srv_main, "SCRIPT FLUSH"), 0);
        }
        r = NULL;
        assert_int_equal(dash_redis_script_run(c, p, &s, 1, 2, ka, NULL, &r,
                                               &err), APR_SUCCESS);
        assert_int_equal(r->type, DASH_REDIS_ARRAY);
        assert_int_equal(r->nelem, 3);
        assert_string_equal(r->elem[0].str, "k1");
        assert_string_equal(r->elem[1].str, "a2");
        assert_int_equal(r->elem[2].integer, 2);
        assert_int_equal(dash_redis_command(c, p, 3, exists, NULL, &r, &err),
                         APR_SUCCESS);
        assert_int_equal(r->elem[0].integer, 1);
    }
    /* Our SHA-1 is the one Redis computes. */
    load[2] = s.body;
    assert_int_equal(dash_redis_command(c, p, 3, load, NULL, &r, &err),
                     APR_SUCCESS);
    assert_string_equal(r->str, s.sha1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test_setup_teardown(test_glob_escape, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_create_rejects, unit_pool_setup, unit_pool_teardown),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test_setup_teardown(test_live_set_get_tcp, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_set_get_unix, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_reuse, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_command, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_script, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_get_capped, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_threads, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_password, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_select, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_stop_restart, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_timeout, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_pool_saturated, unit_pool_setup, unit_pool_teardown),
    };
    int failed;

    if (live_main_setup(argc, argv) != 0) {
        return 1;
    }
    failed = cmocka_run_group_tests_name("redis", unit, NULL, NULL);
    failed += cmocka_run_group_tests_name("redis live", live, live_setup,
                                          live_teardown);
    apr_terminate();
    return failed;
}
