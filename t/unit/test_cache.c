/*
 * SPEC §2 DashboardRedis, §5.4, §6: the URL parser, key helpers, and the
 * connection pool against real redis-server processes this test starts
 * itself (on loopback and unix sockets in a temporary directory).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>

#include <hiredis/hiredis.h>

#include "dash_cache.h"
#include "unit.h"

#define TIMEOUT apr_time_from_msec(200)

/* ---- URL parsing ---------------------------------------------------------- */

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

static void test_glob_escape(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(dash_glob_escape(p, ""), "");
    assert_string_equal(dash_glob_escape(p, "abc-123"), "abc-123");
    assert_string_equal(dash_glob_escape(p, "*"), "\\*");
    assert_string_equal(dash_glob_escape(p, "a?b"), "a\\?b");
    assert_string_equal(dash_glob_escape(p, "a[b]"), "a\\[b\\]");
    assert_string_equal(dash_glob_escape(p, "a\\b"), "a\\\\b");
    assert_string_equal(dash_glob_escape(p, "*?[]\\"), "\\*\\?\\[\\]\\\\");
    assert_string_equal(dash_glob_escape(p, "x:^-!"), "x:^-!");
}

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

static void test_create_rejects(void **state)
{
    apr_pool_t *p = *state;
    dash_redis_url_t u;
    dash_cache_t *c = (dash_cache_t *)1;

    assert_null(dash_redis_url_parse(&u, p, "redis://127.0.0.1"));
    assert_int_equal(dash_cache_create(&c, p, &u, 0, 4), APR_EINVAL);
    assert_null(c);
    assert_int_equal(dash_cache_create(&c, p, &u, TIMEOUT, 0), APR_EINVAL);
    assert_int_equal(dash_cache_create(&c, p, NULL, TIMEOUT, 4), APR_EINVAL);
    memset(&u, 0, sizeof(u));
    assert_int_equal(dash_cache_create(&c, p, &u, TIMEOUT, 4), APR_EINVAL);
}

/* ---- redis-server processes ------------------------------------------------ */

typedef struct {
    const char *name;
    pid_t pid;
    int port;
    char sock[512];
    const char *password;      /* --requirepass, or NULL */
} server_t;

static char tmpdir[256];
static server_t srv_main = { "main", 0, 0, "", NULL };
static server_t srv_auth = { "auth", 0, 0, "", "p@ss:w/rd" };
static server_t srv_restart = { "restart", 0, 0, "", NULL };

/* Every server running, so that a test that fails half-way (or crashes)
 * does not leave one behind: see kill_all(). */
#define MAX_SERVERS 8
static server_t *running[MAX_SERVERS];

static const char *redis_server_bin(void)
{
    const char *b = getenv("REDIS_SERVER");
    return b && *b ? b : "redis-server";
}

/* Whether the server answers PING (an error reply such as NOAUTH counts:
 * it is up). */
static int server_answers(const server_t *s)
{
    struct timeval tv = { 0, 200000 };
    redisContext *ctx = redisConnectUnixWithTimeout(s->sock, tv);
    redisReply *r;
    int up = 0;

    if (ctx && !ctx->err) {
        r = redisCommand(ctx, "PING");
        up = r != NULL;
        if (r) {
            freeReplyObject(r);
        }
    }
    if (ctx) {
        redisFree(ctx);
    }
    return up;
}

/* Starts (or restarts, on the same port and socket) a redis-server and
 * waits until it answers. */
static int server_start(server_t *s)
{
    char port[16], dir[300], log[600];
    const char *argv[24];
    int n = 0, i;

    if (!s->port) {
        s->port = unit_free_port();
        snprintf(s->sock, sizeof(s->sock), "%s/%s.sock", tmpdir, s->name);
    }
    snprintf(port, sizeof(port), "%d", s->port);
    snprintf(dir, sizeof(dir), "%s", tmpdir);
    snprintf(log, sizeof(log), "%s/%s.log", tmpdir, s->name);
    argv[n++] = redis_server_bin();
    argv[n++] = "--port";          argv[n++] = port;
    argv[n++] = "--bind";          argv[n++] = "127.0.0.1";
    argv[n++] = "--unixsocket";    argv[n++] = s->sock;
    argv[n++] = "--save";          argv[n++] = "";
    argv[n++] = "--appendonly";    argv[n++] = "no";
    argv[n++] = "--daemonize";     argv[n++] = "no";
    argv[n++] = "--dir";           argv[n++] = dir;
    argv[n++] = "--logfile";       argv[n++] = log;
    if (s->password) {
        argv[n++] = "--requirepass";
        argv[n++] = s->password;
    }
    argv[n] = NULL;

    for (i = 0; i < MAX_SERVERS && running[i] && running[i] != s; i++) {
    }
    if (i == MAX_SERVERS) {
        print_error("test_cache: too many servers\n");
        return -1;
    }
    running[i] = s;
    s->pid = fork();
    if (s->pid < 0) {
        print_error("fork: %s\n", strerror(errno));
        return -1;
    }
    if (s->pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        /* All three: a server outliving a crashed test must not hold the
         * caller's pipe open. */
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    for (i = 0; i < 200; i++) {          /* up to 10 s */
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = 0;
            print_error("test_cache: %s exited at start-up (%s). The live "
                        "tests need redis-server 6 or later on PATH (or "
                        "REDIS_SERVER=/path): apt-get install redis-server "
                        "(make test installs it).\n", redis_server_bin(),
                        WIFEXITED(st) && WEXITSTATUS(st) == 127
                        ? "not found" : "see its log");
            return -1;
        }
        if (server_answers(s)) {
            return 0;
        }
        usleep(50000);
    }
    print_error("test_cache: %s did not answer on %s within 10 s\n",
                redis_server_bin(), s->sock);
    return -1;
}

static void server_stop(server_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static void remove_tmpdir(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;

    if (!tmpdir[0] || !d) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        char path[600];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    rmdir(tmpdir);
    tmpdir[0] = '\0';
}

/* Stops every server and removes the directory: at teardown, at exit
 * (a failed group setup skips the teardown) and on SIGINT/SIGTERM. */
static void kill_all(void)
{
    int i;

    for (i = 0; i < MAX_SERVERS; i++) {
        if (running[i]) {
            server_stop(running[i]);
            running[i] = NULL;
        }
    }
    remove_tmpdir();
}

static void on_fatal_signal(int sig)
{
    kill_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static int live_setup(void **state)
{
    const char *base = getenv("TMPDIR");

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "%s/dash-cache-XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        print_error("mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    return server_start(&srv_main);
}

static int live_teardown(void **state)
{
    (void)state;
    kill_all();
    return 0;
}

/* A raw hiredis command on the main server, for set-up and checks that
 * must not go through the code under test. */
static long long raw_int(const server_t *s, const char *fmt, ...)
{
    struct timeval tv = { 2, 0 };
    redisContext *ctx = redisConnectUnixWithTimeout(s->sock, tv);
    redisReply *r;
    long long v = -1;
    va_list ap;

    assert_non_null(ctx);
    assert_int_equal(ctx->err, 0);
    if (s->password) {
        r = redisCommand(ctx, "AUTH %s", s->password);
        assert_non_null(r);
        freeReplyObject(r);
    }
    va_start(ap, fmt);
    r = redisvCommand(ctx, fmt, ap);
    va_end(ap);
    assert_non_null(r);
    if (r->type == REDIS_REPLY_INTEGER) {
        v = r->integer;
    }
    else if (r->type == REDIS_REPLY_STATUS) {
        v = 0;
    }
    freeReplyObject(r);
    redisFree(ctx);
    return v;
}

static void flushall(void)
{
    assert_int_equal(raw_int(&srv_main, "FLUSHALL"), 0);
}

static dash_cache_t *cache_for(apr_pool_t *p, const char *url, int max)
{
    dash_redis_url_t u;
    dash_cache_t *c = NULL;
    const char *msg = dash_redis_url_parse(&u, p, url);

    if (msg) {
        fail_msg("%s: %s", url, msg);
    }
    assert_int_equal(dash_cache_create(&c, p, &u, TIMEOUT, max), APR_SUCCESS);
    assert_non_null(c);
    return c;
}

static const char *tcp_url(apr_pool_t *p, const server_t *s, const char *tail)
{
    return apr_psprintf(p, "redis://127.0.0.1:%d%s", s->port, tail);
}

static const char *unix_url(apr_pool_t *p, const server_t *s, const char *q)
{
    return apr_pstrcat(p, "unix:", s->sock, q, NULL);
}

static void put(dash_cache_t *c, apr_pool_t *p, const char *key)
{
    const char *err = "unset";

    assert_int_equal(dash_cache_set(c, p, key, "{}", 2, 600, &err),
                     APR_SUCCESS);
    assert_null(err);
}

static int exists(const char *key)
{
    return (int)raw_int(&srv_main, "EXISTS %s", key);
}

static long purge(dash_cache_t *c, apr_pool_t *p, const char *user,
                  const char *mode)
{
    long n = -1;
    const char *err = "unset";
    apr_status_t rv = dash_cache_purge(c, p, user, mode, &n, &err);

    if (rv != APR_SUCCESS) {
        fail_msg("purge(%s, %s): %s", user ? user : "NULL",
                 mode ? mode : "NULL", err ? err : "(no message)");
    }
    assert_null(err);
    return n;
}

/* ---- live: GET / SET / PING ------------------------------------------------ */

static void check_set_get(apr_pool_t *p, dash_cache_t *c)
{
    static const char val[] = "{\"response\":{}}\0binary\xff";
    char *got = NULL;
    apr_size_t len = 0;
    const char *err = "unset";
    long long ttl;

    assert_int_equal(dash_cache_ping(c, p, &err), APR_SUCCESS);
    assert_null(err);

    assert_int_equal(dash_cache_set(c, p, "dashboard:u:ch:day", val,
                                    sizeof(val) - 1, 120, &err), APR_SUCCESS);
    assert_null(err);
    assert_int_equal(dash_cache_get(c, p, "dashboard:u:ch:day", &got, &len,
                                    &err), APR_SUCCESS);
    assert_null(err);
    assert_int_equal(len, sizeof(val) - 1);
    assert_memory_equal(got, val, len);
    assert_int_equal(got[len], '\0');
    ttl = raw_int(&srv_main, "TTL %s", "dashboard:u:ch:day");
    assert_true(ttl > 100 && ttl <= 120);

    err = "unset";
    got = (char *)"unset";
    assert_int_equal(dash_cache_get(c, p, "dashboard:u:ch:month", &got, &len,
                                    &err), APR_NOTFOUND);
    assert_null(got);
    assert_null(err);

    /* A key made of glob and protocol characters is just bytes. */
    assert_int_equal(dash_cache_set(c, p, "dashboard:*:a\r\n[b]:day", "x", 1,
                                    60, &err), APR_SUCCESS);
    assert_int_equal(dash_cache_get(c, p, "dashboard:*:a\r\n[b]:day", &got,
                                    NULL, &err), APR_SUCCESS);
    assert_string_equal(got, "x");

    assert_int_equal(dash_cache_set(c, p, "k", "x", 1, 0, &err), APR_EINVAL);
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

/* Many calls through a small pool: connections are reused, not piled up. */
static void test_live_reuse(void **state)
{
    apr_pool_t *p = *state;
    dash_cache_t *c = cache_for(p, unix_url(p, &srv_main, ""), 2);
    int i;

    flushall();
    for (i = 0; i < 200; i++) {
        apr_pool_t *rp;
        const char *err;
        char *v;

        apr_pool_create(&rp, p);
        put(c, rp, "dashboard:u:c:day");
        assert_int_equal(dash_cache_get(c, rp, "dashboard:u:c:day", &v, NULL,
                                        &err), APR_SUCCESS);
        apr_pool_destroy(rp);
    }
}

/* ---- live: purge ------------------------------------------------------------- */

static void test_live_purge_star_user(void **state)
{
    apr_pool_t *p = *state;
    dash_cache_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);

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
    dash_cache_t *c = cache_for(p, tcp_url(p, &srv_main, ""), 4);

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
    dash_cache_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);

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
    dash_cache_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);
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

/* Lock keys (§12), odd modes, empty channels and foreign keys survive. */
static void test_live_purge_leaves_other_keys(void **state)
{
    apr_pool_t *p = *state;
    dash_cache_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);
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
    dash_cache_t *c = cache_for(p, unix_url(p, &srv_main, ""), 4);
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
typedef struct {
    dash_cache_t *c;
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

        if (dash_cache_set(w->c, p, key, val, strlen(val), 60, &err)
            != APR_SUCCESS
            || dash_cache_get(w->c, p, key, &got, NULL, &err) != APR_SUCCESS
            || strcmp(got, val) != 0) {
            w->failures++;
        }
        apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static void test_live_threads(void **state)
{
    apr_pool_t *p = *state;
    apr_pool_t *tp;
    dash_redis_url_t u;
    dash_cache_t *c;
    worker_t w[8];
    apr_thread_t *t[8];
    apr_status_t trv;
    long n;
    int i;

    flushall();
    assert_null(dash_redis_url_parse(&u, p, unix_url(p, &srv_main, "")));
    /* A long acquire timeout: eight threads queue for three connections,
     * slowly under valgrind. */
    assert_int_equal(dash_cache_create(&c, p, &u, apr_time_from_sec(5), 3),
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
    dash_cache_t *c;

    assert_int_equal(server_start(s), 0);

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        c = cache_for(p, apr_psprintf(p, good[i], s->port), 2);
        err = "unset";
        assert_int_equal(dash_cache_ping(c, p, &err), APR_SUCCESS);
        assert_null(err);
        put(c, p, "dashboard:u:c:day");
        assert_int_equal(dash_cache_get(c, p, "dashboard:u:c:day", &v, NULL,
                                        &err), APR_SUCCESS);
    }

    /* A wrong password: an error naming AUTH, never the password. */
    c = cache_for(p, apr_psprintf(p, "redis://:Wr0ngPassw0rd@127.0.0.1:%d",
                                  s->port), 2);
    err = NULL;
    assert_int_equal(dash_cache_get(c, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_EACCES);
    assert_non_null(err);
    assert_non_null(strstr(err, "AUTH"));
    assert_null(strstr(err, "Wr0ngPassw0rd"));
    assert_int_equal(dash_cache_ping(c, p, &err), APR_EACCES);

    c = cache_for(p, apr_psprintf(p, "redis://bob:Wr0ngPassw0rd@127.0.0.1:%d",
                                  s->port), 2);
    assert_int_equal(dash_cache_ping(c, p, &err), APR_EACCES);
    assert_null(strstr(err, "Wr0ngPassw0rd"));

    /* No password at all: the command is refused, the connection stays. */
    c = cache_for(p, tcp_url(p, s, ""), 1);
    err = NULL;
    assert_int_equal(dash_cache_get(c, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_EACCES);
    assert_non_null(strstr(err, "NOAUTH"));
    assert_int_equal(dash_cache_set(c, p, "k", "v", 1, 10, &err), APR_EACCES);

    /* A password for a server that has none. */
    c = cache_for(p, apr_psprintf(p, "redis://:Wr0ngPassw0rd@127.0.0.1:%d",
                                  srv_main.port), 1);
    err = NULL;
    assert_int_not_equal(dash_cache_ping(c, p, &err), APR_SUCCESS);
    assert_non_null(err);
    assert_null(strstr(err, "Wr0ngPassw0rd"));

    server_stop(s);
}

static void test_live_select(void **state)
{
    apr_pool_t *p = *state;
    dash_cache_t *d0 = cache_for(p, tcp_url(p, &srv_main, "/0"), 2);
    dash_cache_t *d2 = cache_for(p, tcp_url(p, &srv_main, "/2"), 2);
    dash_cache_t *d3 = cache_for(p, unix_url(p, &srv_main, "?db=3"), 2);
    dash_cache_t *bad = cache_for(p, tcp_url(p, &srv_main, "/999"), 2);
    const char *err;
    char *v;
    long n;

    flushall();
    put(d2, p, "dashboard:u:c:day");
    assert_int_equal(dash_cache_get(d0, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_NOTFOUND);
    assert_int_equal(dash_cache_get(d3, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_NOTFOUND);
    assert_int_equal(dash_cache_get(d2, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_SUCCESS);

    put(d3, p, "dashboard:u:c:month");
    assert_int_equal(purge(d0, p, "u", NULL), 0);
    assert_int_equal(purge(d2, p, "u", NULL), 1);
    assert_int_equal(dash_cache_get(d3, p, "dashboard:u:c:month", &v, NULL,
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

static void check_down(apr_pool_t *p, dash_cache_t *c)
{
    const char *err;
    char *v;
    long n;
    apr_time_t t0 = apr_time_now();

    err = NULL;
    assert_int_not_equal(dash_cache_get(c, p, "dashboard:u:c:day", &v, NULL,
                                        &err), APR_SUCCESS);
    assert_non_null(err);
    err = NULL;
    assert_int_not_equal(dash_cache_set(c, p, "dashboard:u:c:day", "x", 1,
                                        10, &err), APR_SUCCESS);
    assert_non_null(err);
    err = NULL;
    assert_int_not_equal(dash_cache_ping(c, p, &err), APR_SUCCESS);
    assert_non_null(strstr(err, "connect"));
    err = NULL;
    assert_int_not_equal(dash_cache_purge(c, p, NULL, NULL, &n, &err),
                         APR_SUCCESS);
    assert_non_null(err);
    /* A refused connect is immediate: four calls well within one timeout
     * (generous for valgrind). */
    assert_true(since(t0) < TIMEOUT + apr_time_from_msec(300));
}

static void test_live_stop_restart(void **state)
{
    apr_pool_t *p = *state;
    server_t *s = &srv_restart;
    dash_cache_t *tc, *uc;
    const char *err;
    char *v;

    assert_int_equal(server_start(s), 0);
    /* One connection each, so the next call surely reuses it. */
    tc = cache_for(p, tcp_url(p, s, ""), 1);
    uc = cache_for(p, unix_url(p, s, ""), 1);
    assert_int_equal(dash_cache_ping(tc, p, &err), APR_SUCCESS);
    assert_int_equal(dash_cache_ping(uc, p, &err), APR_SUCCESS);

    /* Down: the pooled connection is dead and a new one is refused. */
    server_stop(s);
    check_down(p, tc);
    check_down(p, uc);

    /* Back: the pool reconnects. */
    assert_int_equal(server_start(s), 0);
    err = "unset";
    assert_int_equal(dash_cache_ping(tc, p, &err), APR_SUCCESS);
    assert_null(err);
    assert_int_equal(dash_cache_ping(uc, p, &err), APR_SUCCESS);

    /* Restarted while the connection sat idle: replaced transparently, the
     * caller sees no error. */
    server_stop(s);
    assert_int_equal(server_start(s), 0);
    err = "unset";
    assert_int_equal(dash_cache_get(tc, p, "dashboard:u:c:day", &v, NULL,
                                    &err), APR_NOTFOUND);
    assert_null(err);
    assert_int_equal(dash_cache_set(uc, p, "dashboard:u:c:day", "x", 1, 10,
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
    dash_cache_t *c;
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
    assert_int_equal(dash_cache_get(c, p, "k", &v, NULL, &err), APR_TIMEUP);
    assert_string_equal(err, "GET: timeout");
    assert_true(since(t0) >= TIMEOUT - apr_time_from_msec(20));
    assert_true(since(t0) < TIMEOUT + apr_time_from_msec(500));

    t0 = apr_time_now();
    assert_int_equal(dash_cache_purge(c, p, "u", NULL, &n, &err), APR_TIMEUP);
    assert_string_equal(err, "SCAN: timeout");
    assert_true(since(t0) < TIMEOUT + apr_time_from_msec(500));

    close(fd);
}

/*
 * Pool saturation: a fake server answers each SCAN after 150 ms with a
 * cursor that is not 0 yet, so one purge holds the only connection for
 * about 750 ms while each of its commands stays within the timeout. A
 * second caller must give up after the acquire timeout, not wait.
 */
typedef struct {
    int lfd;
} slow_server_t;

static void *APR_THREAD_FUNC slow_server(apr_thread_t *t, void *data)
{
    slow_server_t *ss = data;
    int fd = accept(ss->lfd, NULL, NULL);
    char buf[4096];
    int i;

    for (i = 0; fd >= 0; i++) {
        const char *reply = i < 4 ? "*2\r\n$1\r\n7\r\n*0\r\n"
                                  : "*2\r\n$1\r\n0\r\n*0\r\n";
        if (recv(fd, buf, sizeof(buf), 0) <= 0) {
            break;
        }
        usleep(150000);
        if (send(fd, reply, strlen(reply), 0) < 0) {
            break;
        }
    }
    if (fd >= 0) {
        close(fd);
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

typedef struct {
    dash_cache_t *c;
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
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
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
    dash_cache_t *c;
    const char *err;
    apr_time_t t0;

    ss.lfd = socket(AF_INET, SOCK_STREAM, 0);
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
    usleep(100000);

    t0 = apr_time_now();
    err = NULL;
    prv = dash_cache_ping(c, p, &err);
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
    assert_true(t0 < TIMEOUT + apr_time_from_msec(300));
}

/* ---- main ------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test_setup_teardown(test_url_good, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_bad, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_long_unix_path, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_messages_hide_password, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_url_redacted, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_glob_escape, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_cache_key, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_create_rejects, unit_pool_setup, unit_pool_teardown),
    };
    const struct CMUnitTest live[] = {
        cmocka_unit_test_setup_teardown(test_live_set_get_tcp, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_set_get_unix, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_reuse, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_star_user, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_glob_users, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_colon_user, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_modes, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_leaves_other_keys, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_purge_many, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_threads, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_password, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_select, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_stop_restart, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_timeout, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_live_pool_saturated, unit_pool_setup, unit_pool_teardown),
    };
    int failed;

    /* httpd ignores SIGPIPE too; without that, writing to a Redis that has
     * just died would kill the process instead of failing the command. */
    signal(SIGPIPE, SIG_IGN);
    /* cmocka turns a crash into a failed test; these catch what it does not
     * (an abort outside a test, ^C) so no redis-server is left behind. */
    atexit(kill_all);
    signal(SIGINT, on_fatal_signal);
    signal(SIGTERM, on_fatal_signal);
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);   /* e.g. "test_live_pass*" */
    }
    if (apr_initialize() != APR_SUCCESS) {
        return 1;
    }
    failed = cmocka_run_group_tests_name("cache", unit, NULL, NULL);
    failed += cmocka_run_group_tests_name("cache live", live, live_setup,
                                          live_teardown);
    apr_terminate();
    return failed;
}
