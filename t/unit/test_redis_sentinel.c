/*
 * Redis behind sentinels (docs/operations.md#redis-through-sentinel): the
 * reading of a sentinel's and a node's replies, and live, with real
 * redis-server data nodes and a fake sentinel whose answers each test
 * chooses: discovery, the ROLE check, a second sentinel when the first is
 * down, garbage and silence from a sentinel, a demoted master (READONLY),
 * a killed one, the sentinels' own AUTH, and one discovery at a time.
 */
#include "redis_server.h"
#include "sentinel_stub.h"

#include <pthread.h>

#include "dash_redis_sentinel.h"

static server_t srv_b = { "b", 0, 0, "", NULL };

/* Generous: the machine running the tests may be loaded. */
#define SLACK apr_time_from_msec(1500)

static apr_interval_time_t since(apr_time_t t0)
{
    return apr_time_now() - t0;
}

/* ------------------------------------------------------------------ */
/* Replies, no server                                                  */
/* ------------------------------------------------------------------ */

/* The reply hiredis reads from these bytes (NULL when they are no
 * complete reply); free with freeReplyObject. */
static redisReply *reply_of(const char *bytes)
{
    redisReader *rd = redisReaderCreate();
    void *r = NULL;

    assert_non_null(rd);
    assert_int_equal(redisReaderFeed(rd, bytes, strlen(bytes)), REDIS_OK);
    if (redisReaderGetReply(rd, &r) != REDIS_OK) {
        r = NULL;
    }
    redisReaderFree(rd);
    return r;
}

static void test_parse_addr(void **state)
{
    static const char *const bad[] = {
        "-IDONTKNOW I don't know\r\n", "+OK\r\n", ":6379\r\n",
        "*0\r\n", "*1\r\n$9\r\n127.0.0.1\r\n",
        "*3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\n2\r\n",
        "*2\r\n:1\r\n:2\r\n", "*2\r\n$-1\r\n$-1\r\n",
        "*2\r\n$0\r\n\r\n$4\r\n6379\r\n",
        "*2\r\n$3\r\na b\r\n$4\r\n6379\r\n",
        "*2\r\n$3\r\na\nb\r\n$4\r\n6379\r\n",
        "*2\r\n$3\r\na\0b\r\n$4\r\n6379\r\n",
        "*2\r\n$1\r\nh\r\n$1\r\n0\r\n", "*2\r\n$1\r\nh\r\n$5\r\n65536\r\n",
        "*2\r\n$1\r\nh\r\n$6\r\n006379\r\n", "*2\r\n$1\r\nh\r\n$2\r\n-1\r\n",
        "*2\r\n$1\r\nh\r\n$0\r\n\r\n", "*2\r\n$1\r\nh\r\n$3\r\n1x2\r\n",
        "*2\r\n*1\r\n$1\r\nh\r\n$4\r\n6379\r\n",
    };
    dash_redis_sentinel_addr_t a;
    const char *why;
    redisReply *r;
    char longhost[400];
    size_t i;

    (void)state;
    r = reply_of("*2\r\n$9\r\n127.0.0.1\r\n$5\r\n26401\r\n");
    assert_int_equal(dash_redis_sentinel_parse_addr(r, &a, &why),
                     APR_SUCCESS);
    assert_string_equal(a.host, "127.0.0.1");
    assert_int_equal(a.port, 26401);
    freeReplyObject(r);
    r = reply_of("*2\r\n$7\r\nfe80::1\r\n$4\r\n6379\r\n");
    assert_int_equal(dash_redis_sentinel_parse_addr(r, &a, &why),
                     APR_SUCCESS);
    assert_string_equal(a.host, "fe80::1");
    freeReplyObject(r);

    r = reply_of("*-1\r\n");
    assert_int_equal(dash_redis_sentinel_parse_addr(r, &a, &why),
                     APR_NOTFOUND);
    freeReplyObject(r);
    assert_int_equal(dash_redis_sentinel_parse_addr(NULL, &a, &why),
                     APR_EGENERAL);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        r = reply_of(bad[i]);
        if (!r) {
            continue;
        }
        if (dash_redis_sentinel_parse_addr(r, &a, &why) != APR_EGENERAL) {
            fail_msg("accepted reply %zu", i);
        }
        assert_non_null(why);
        assert_int_equal(a.host[0], '\0');
        freeReplyObject(r);
    }

    /* A host longer than any real one is refused, not cut. */
    memset(longhost, 'h', sizeof(longhost));
    snprintf(longhost, sizeof(longhost), "*2\r\n$300\r\n%0300d\r\n"
             "$4\r\n6379\r\n", 0);
    r = reply_of(longhost);
    assert_non_null(r);
    assert_int_equal(dash_redis_sentinel_parse_addr(r, &a, &why),
                     APR_EGENERAL);
    freeReplyObject(r);
}

static void test_parse_role(void **state)
{
    static const char *const bad[] = {
        "*3\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n",
        "*1\r\n$8\r\nsentinel\r\n", "*0\r\n", "+master\r\n",
        "$6\r\nmaster\r\n", "*1\r\n:1\r\n", "*1\r\n$7\r\nmasterx\r\n",
        "*1\r\n$-1\r\n", "-ERR\r\n",
    };
    const char *why;
    redisReply *r;
    size_t i;

    (void)state;
    r = reply_of("*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n");
    assert_int_equal(dash_redis_sentinel_parse_role(r, &why), APR_SUCCESS);
    freeReplyObject(r);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        r = reply_of(bad[i]);
        assert_non_null(r);
        if (dash_redis_sentinel_parse_role(r, &why) != APR_EGENERAL) {
            fail_msg("accepted ROLE reply %zu", i);
        }
        assert_non_null(why);
        freeReplyObject(r);
    }
    r = reply_of(bad[0]);
    dash_redis_sentinel_parse_role(r, &why);
    assert_non_null(strstr(why, "replica"));
    freeReplyObject(r);
}

static void test_is_lost(void **state)
{
    (void)state;
    assert_true(dash_redis_sentinel_is_lost(
        "READONLY You can't write against a read only replica.", 54));
    assert_true(dash_redis_sentinel_is_lost("MASTERDOWN Link with MASTER "
                                            "is down", 35));
    assert_true(dash_redis_sentinel_is_lost("LOADING Redis is loading", 24));
    assert_true(dash_redis_sentinel_is_lost("LOADING", 7));
    assert_false(dash_redis_sentinel_is_lost("READONLYX", 9));
    assert_false(dash_redis_sentinel_is_lost("ERR unknown", 11));
    assert_false(dash_redis_sentinel_is_lost("NOSCRIPT", 8));
    assert_false(dash_redis_sentinel_is_lost("READ", 4));
    assert_false(dash_redis_sentinel_is_lost(NULL, 0));
}

/* ------------------------------------------------------------------ */
/* Live                                                                */
/* ------------------------------------------------------------------ */

static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static int ev_found, ev_lost;
static int ev_port;            /* the last master found */

static void on_event(void *baton, int found, const char *host, int port,
                     const char *why)
{
    (void)baton;
    (void)host;
    (void)why;
    pthread_mutex_lock(&ev_mu);
    if (found) {
        ev_found++;
        ev_port = port;
    }
    else {
        ev_lost++;
    }
    pthread_mutex_unlock(&ev_mu);
}

static void ev_reset(void)
{
    pthread_mutex_lock(&ev_mu);
    ev_found = ev_lost = ev_port = 0;
    pthread_mutex_unlock(&ev_mu);
}

/* A pool behind the sentinels on these ports (0: one where nothing
 * listens). */
static dash_redis_t *pool_for(apr_pool_t *p, apr_interval_time_t timeout,
                              const char *spass, int max, int n, ...)
{
    const char *url = "redis-sentinel://";
    dash_redis_url_t u;
    dash_redis_t *c = NULL;
    const char *msg;
    va_list ap;
    int i;

    va_start(ap, n);
    for (i = 0; i < n; i++) {
        int port = va_arg(ap, int);
        url = apr_psprintf(p, "%s%s127.0.0.1:%d", url, i ? "," : "",
                           port ? port : unit_free_port());
    }
    va_end(ap);
    url = apr_pstrcat(p, url, "/mymaster", NULL);
    msg = dash_redis_url_parse(&u, p, url);
    if (msg) {
        fail_msg("%s: %s", url, msg);
    }
    if (spass) {
        u.sentinel_username = "watcher";
        u.sentinel_password = spass;
    }
    assert_int_equal(dash_redis_create(&c, p, &u, timeout, max), APR_SUCCESS);
    dash_redis_set_events(c, on_event, NULL);
    ev_reset();
    return c;
}

static void test_live_discover(void **state)
{
    apr_pool_t *p = *state;
    sstub_t st;
    dash_redis_t *c;
    const char *err = NULL;
    char *v;
    int i;

    assert_int_equal(sstub_start(&st), 0);
    sstub_answer(&st, "127.0.0.1", srv_main.port);
    c = pool_for(p, TIMEOUT, NULL, 4, 1, st.port);
    flushall();
    put(c, p, "sentinel:k");
    for (i = 0; i < 5; i++) {
        assert_int_equal(dash_redis_get(c, p, "sentinel:k", &v, NULL, &err),
                         APR_SUCCESS);
        assert_string_equal(v, "{}");
    }
    assert_int_equal(exists("sentinel:k"), 1);
    /* The master is remembered: one question for six operations. */
    assert_int_equal(sstub_asked(&st), 1);
    assert_int_equal(ev_found, 1);
    assert_int_equal(ev_port, srv_main.port);
    assert_int_equal(ev_lost, 0);
    sstub_stop(&st);
}

/* The first sentinel is down (nothing listens): the second answers. */
static void test_live_second_sentinel(void **state)
{
    apr_pool_t *p = *state;
    sstub_t st;
    dash_redis_t *c;

    assert_int_equal(sstub_start(&st), 0);
    sstub_answer(&st, "127.0.0.1", srv_main.port);
    c = pool_for(p, TIMEOUT, NULL, 2, 2, 0, st.port);
    put(c, p, "sentinel:second");
    assert_int_equal(sstub_asked(&st), 1);
    sstub_stop(&st);
}

/* Whatever a sentinel answers, an operation fails with a message within
 * the timeout, and a sentinel that answers properly again is used. */
static void test_live_garbage(void **state)
{
    static const struct {
        const char *bytes;
        size_t len;
    } answers[] = {
#define A(s) { s, sizeof(s) - 1 }
        A("-IDONTKNOW I don't know about this master\r\n"),
        A("*-1\r\n"), A("$-1\r\n"), A("+OK\r\n"), A(":26379\r\n"),
        A("*2\r\n$9\r\n127.0.0.1\r\n$5\r\n99999\r\n"),
        A("*2\r\n$9\r\n127.0.0.1\r\n$1\r\n1\r\n"),
        A("*2\r\n:1\r\n:2\r\n"), A("*5\r\n"), A("*2\r\n$9\r\n127.0"),
        A("hello there\r\n"), A("$999999999\r\nabc"),
        A("*999999\r\n:1\r\n"), A("*2\r\n$3\r\n\x01\x02\x03\r\n$2\r\n80\r\n"),
        A("\0\0\0\0\r\n"), A("*2\r\n*2\r\n*2\r\n*2\r\n:1\r\n"),
#undef A
    };
    apr_pool_t *p = *state;
    sstub_t st;
    dash_redis_t *c;
    const char *err;
    char *v;
    size_t i;
    apr_time_t t0;
    apr_status_t rv;

    assert_int_equal(sstub_start(&st), 0);
    for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        c = pool_for(p, TIMEOUT, NULL, 2, 1, st.port);
        sstub_answer_raw(&st, answers[i].bytes, answers[i].len);
        err = NULL;
        t0 = apr_time_now();
        rv = dash_redis_get(c, p, "k", &v, NULL, &err);
        if (rv == APR_SUCCESS || rv == APR_NOTFOUND) {
            fail_msg("answer %zu: the operation succeeded", i);
        }
        assert_non_null(err);
        if (since(t0) > TIMEOUT + SLACK) {
            fail_msg("answer %zu: %" APR_TIME_T_FMT " ms", i,
                     apr_time_as_msec(since(t0)));
        }
        assert_int_equal(ev_found, 0);
    }
    /* The same pool recovers once the sentinel makes sense. */
    sstub_answer(&st, "127.0.0.1", srv_main.port);
    err = NULL;
    rv = dash_redis_get(c, p, "k", &v, NULL, &err);
    if (rv != APR_NOTFOUND) {
        fail_msg("after the garbage: %d %s", rv, err ? err : "");
    }
    assert_int_equal(ev_found, 1);
    sstub_stop(&st);
}

/* A sentinel that accepts and never answers costs one timeout. */
static void test_live_silent_sentinel(void **state)
{
    apr_pool_t *p = *state;
    sstub_t st;
    dash_redis_t *c;
    const char *err = NULL;
    char *v;
    apr_time_t t0;

    assert_int_equal(sstub_start(&st), 0);
    sstub_answer_raw(&st, "", 0);
    c = pool_for(p, TIMEOUT, NULL, 2, 1, st.port);
    t0 = apr_time_now();
    assert_int_equal(dash_redis_get(c, p, "k", &v, NULL, &err), APR_EGENERAL);
    assert_true(since(t0) >= TIMEOUT - apr_time_from_msec(20));
    assert_true(since(t0) < TIMEOUT + SLACK);
    assert_non_null(strstr(err, "sentinel 127.0.0.1:"));
    sstub_stop(&st);
}

/* A sentinel's answer is believed only when ROLE says master. */
static void test_live_role_check(void **state)
{
    apr_pool_t *p = *state;
    sstub_t s1, s2;
    dash_redis_t *c;
    const char *err = NULL;
    char *v;

    assert_int_equal(server_start(&srv_b), 0);
    raw_int(&srv_b, "REPLICAOF 127.0.0.1 %d", srv_main.port);
    assert_int_equal(sstub_start(&s1), 0);
    assert_int_equal(sstub_start(&s2), 0);
    sstub_answer(&s1, "127.0.0.1", srv_b.port);
    sstub_answer(&s2, "127.0.0.1", srv_main.port);

    c = pool_for(p, TIMEOUT, NULL, 2, 1, s1.port);
    assert_int_equal(dash_redis_get(c, p, "k", &v, NULL, &err), APR_EGENERAL);
    assert_non_null(strstr(err, "replica"));

    /* The replica named by the first, the master by the second. */
    c = pool_for(p, TIMEOUT, NULL, 2, 2, s1.port, s2.port);
    flushall();
    put(c, p, "sentinel:role");
    assert_int_equal(exists("sentinel:role"), 1);
    assert_int_equal(ev_port, srv_main.port);
    sstub_stop(&s1);
    sstub_stop(&s2);
    server_stop(&srv_b);
}

/*
 * A failover as the pool sees it: its master is demoted (REPLICAOF) and
 * the sentinel names the new one. The next write, refused with READONLY
 * on the pooled connection, goes to the new master without the caller
 * seeing an error.
 */
static void test_live_readonly_failover(void **state)
{
    apr_pool_t *p = *state;
    sstub_t st;
    dash_redis_t *c;
    const char *err = NULL;
    redisContext *ctx;
    redisReply *r;

    assert_int_equal(server_start(&srv_b), 0);
    assert_int_equal(sstub_start(&st), 0);
    sstub_answer(&st, "127.0.0.1", srv_main.port);
    c = pool_for(p, TIMEOUT, NULL, 1, 1, st.port);
    flushall();
    put(c, p, "sentinel:before");

    raw_int(&srv_main, "REPLICAOF 127.0.0.1 %d", srv_b.port);
    sstub_answer(&st, "127.0.0.1", srv_b.port);
    assert_int_equal(dash_redis_set(c, p, "sentinel:after", "x", 1, 60, &err),
                     APR_SUCCESS);
    assert_null(err);
    assert_int_equal(ev_lost, 1);
    assert_int_equal(ev_found, 2);
    assert_int_equal(ev_port, srv_b.port);
    assert_int_equal(sstub_asked(&st), 2);
    ctx = raw_connect(&srv_b);
    r = redisCommand(ctx, "EXISTS sentinel:after");
    assert_non_null(r);
    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    redisFree(ctx);

    raw_int(&srv_main, "REPLICAOF NO ONE");
    sstub_stop(&st);
    server_stop(&srv_b);
}

/* The master dies: operations fail (no hang) until the sentinel names
 * another, then work again on the same pool. */
static void test_live_master_killed(void **state)
{
    apr_pool_t *p = *state;
    sstub_t st;
    dash_redis_t *c;
    const char *err = NULL;
    char *v;
    apr_time_t t0;

    assert_int_equal(server_start(&srv_b), 0);
    assert_int_equal(sstub_start(&st), 0);
    sstub_answer(&st, "127.0.0.1", srv_b.port);
    c = pool_for(p, TIMEOUT, NULL, 2, 1, st.port);
    put(c, p, "sentinel:b");
    kill(srv_b.pid, SIGKILL);
    waitpid(srv_b.pid, NULL, 0);
    srv_b.pid = 0;

    t0 = apr_time_now();
    assert_int_not_equal(dash_redis_get(c, p, "sentinel:b", &v, NULL, &err),
                         APR_SUCCESS);
    assert_true(since(t0) < 2 * TIMEOUT + SLACK);
    assert_int_equal(ev_lost, 1);
    /* Still named by the sentinel: refused again, no hang. */
    assert_int_not_equal(dash_redis_get(c, p, "sentinel:b", &v, NULL, &err),
                         APR_SUCCESS);

    flushall();
    sstub_answer(&st, "127.0.0.1", srv_main.port);
    assert_int_equal(dash_redis_get(c, p, "sentinel:b", &v, NULL, &err),
                     APR_NOTFOUND);
    put(c, p, "sentinel:b");
    assert_int_equal(exists("sentinel:b"), 1);
    assert_int_equal(ev_port, srv_main.port);
    sstub_stop(&st);
}

/* The sentinels' own credentials (DashboardRedisSentinelAuth). */
static void test_live_sentinel_auth(void **state)
{
    apr_pool_t *p = *state;
    sstub_t st;
    dash_redis_t *c;

    assert_int_equal(sstub_start(&st), 0);
    sstub_answer(&st, "127.0.0.1", srv_main.port);
    c = pool_for(p, TIMEOUT, "s3ntinel pw", 1, 1, st.port);
    put(c, p, "sentinel:auth");
    pthread_mutex_lock(&st.mu);
    assert_string_equal(st.auth, "watcher s3ntinel pw");
    pthread_mutex_unlock(&st.mu);
    sstub_stop(&st);
}

typedef struct {
    dash_redis_t *c;
    apr_status_t rv;
    const char *err;
    char errbuf[256];
} getter_t;

static void *getter(void *arg)
{
    getter_t *g = arg;
    apr_pool_t *p;
    char *v;

    apr_pool_create(&p, NULL);
    g->rv = dash_redis_get(g->c, p, "sentinel:none", &v, NULL, &g->err);
    if (g->err) {
        snprintf(g->errbuf, sizeof(g->errbuf), "%s", g->err);
    }
    apr_pool_destroy(p);
    return NULL;
}

/* Sixteen threads on a pool that knows no master: the sentinel is asked
 * once, the others wait for its answer instead of asking too. */
static void test_live_one_discovery(void **state)
{
    apr_pool_t *p = *state;
    enum { N = 16 };
    pthread_t t[N];
    getter_t g[N];
    sstub_t st;
    dash_redis_t *c;
    int i;

    assert_int_equal(sstub_start(&st), 0);
    sstub_answer(&st, "127.0.0.1", srv_main.port);
    sstub_delay(&st, 300);
    /* A long timeout: the waiters must outlast the slow sentinel even on
     * a loaded machine. */
    c = pool_for(p, apr_time_from_sec(5), NULL, N, 1, st.port);
    memset(g, 0, sizeof(g));
    for (i = 0; i < N; i++) {
        g[i].c = c;
        assert_int_equal(pthread_create(&t[i], NULL, getter, &g[i]), 0);
    }
    for (i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
    }
    for (i = 0; i < N; i++) {
        if (g[i].rv != APR_NOTFOUND) {
            fail_msg("thread %d: %d %s", i, g[i].rv, g[i].errbuf);
        }
    }
    assert_int_equal(sstub_asked(&st), 1);
    assert_int_equal(ev_found, 1);
    sstub_stop(&st);
}

typedef struct {
    dash_redis_t *c;
    apr_status_t rv;
} blocker_t;

/* BLPOP with a 0.3 s timeout: holds a connection that long, so that
 * threads side by side take every slot of the pool. */
static void *blocker(void *arg)
{
    blocker_t *b = arg;
    const char *argv[] = { "BLPOP", "sentinel:q", "0.3" };
    apr_pool_t *p;

    apr_pool_create(&p, NULL);
    b->rv = dash_redis_command(b->c, p, 3, argv, NULL, NULL, NULL);
    apr_pool_destroy(p);
    return NULL;
}

static void block_all(dash_redis_t *c, int n)
{
    pthread_t t[16];
    blocker_t b[16];
    int i;

    for (i = 0; i < n; i++) {
        b[i].c = c;
        assert_int_equal(pthread_create(&t[i], NULL, blocker, &b[i]), 0);
    }
    for (i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(b[i].rv, APR_SUCCESS);
    }
}

/* How many BLPOPs this server ran since the last CONFIG RESETSTAT. */
static long long blpops(const server_t *srv)
{
    redisContext *ctx = raw_connect(srv);
    redisReply *r = redisCommand(ctx, "INFO commandstats");
    const char *f;
    long long n = 0;

    assert_non_null(r);
    f = strstr(r->str, "cmdstat_blpop:calls=");
    if (f) {
        n = atoll(f + strlen("cmdstat_blpop:calls="));
    }
    freeReplyObject(r);
    redisFree(ctx);
    return n;
}

/*
 * Once the pool gives up a master, none of its idle connections to it is
 * used again, even where the old master still takes commands (a sentinel
 * that moved on while the old master lives: a partition).
 */
static void test_live_no_old_connections(void **state)
{
    apr_pool_t *p = *state;
    enum { N = 6 };
    const char *echo[] = { "ECHO", "sentinel-victim" };
    sstub_t st;
    dash_redis_t *c;
    redisContext *ctx;
    redisReply *r;
    const char *line;
    long long victim = -1;
    char *v;

    assert_int_equal(server_start(&srv_b), 0);
    assert_int_equal(sstub_start(&st), 0);
    sstub_answer(&st, "127.0.0.1", srv_main.port);
    c = pool_for(p, apr_time_from_sec(5), NULL, N, 1, st.port);
    block_all(c, N);            /* N connections to the first master */
    assert_int_equal(blpops(&srv_main), N);

    /* The connection used last is the one the next operation takes:
     * mark it, and kill it on the server. */
    assert_int_equal(dash_redis_command(c, p, 2, echo, NULL, NULL, NULL),
                     APR_SUCCESS);
    ctx = raw_connect(&srv_main);
    r = redisCommand(ctx, "CLIENT LIST TYPE normal");
    assert_non_null(r);
    for (line = r->str; line && *line; ) {
        const char *nl = strchr(line, '\n');
        const char *cmd = strstr(line, "cmd=echo");
        if (cmd && (!nl || cmd < nl)) {
            victim = atoll(line + 3);
        }
        line = nl ? nl + 1 : NULL;
    }
    freeReplyObject(r);
    redisFree(ctx);
    assert_true(victim > 0);
    raw_int(&srv_main, "CLIENT KILL ID %lld", victim);
    raw_int(&srv_main, "CONFIG RESETSTAT");
    sstub_answer(&st, "127.0.0.1", srv_b.port);

    assert_int_equal(dash_redis_get(c, p, "k", &v, NULL, NULL),
                     APR_NOTFOUND);
    assert_int_equal(ev_lost, 1);
    assert_int_equal(ev_port, srv_b.port);
    /* Every slot busy at once: the idle connections to the old master
     * would be taken too, were they still pooled. */
    block_all(c, N);
    assert_int_equal(blpops(&srv_main), 0);
    assert_int_equal(blpops(&srv_b), N);
    sstub_stop(&st);
    server_stop(&srv_b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_parse_addr),
        cmocka_unit_test(test_parse_role),
        cmocka_unit_test(test_is_lost),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test_setup_teardown(test_live_discover, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_second_sentinel, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_garbage, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_silent_sentinel, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_role_check, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_readonly_failover, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_master_killed, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_sentinel_auth, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_one_discovery, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_no_old_connections, unit_pool_setup, unit_pool_teardown),
    };
    int failed;

    if (live_main_setup(argc, argv) != 0) {
        return 1;
    }
    failed = cmocka_run_group_tests_name("redis sentinel", unit, NULL, NULL);
    failed += cmocka_run_group_tests_name("redis sentinel live", live,
                                          live_setup, live_teardown);
    apr_terminate();
    return failed;
}
