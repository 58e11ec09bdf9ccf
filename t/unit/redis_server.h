/*
 * Real redis-server processes for the Redis unit tests (test_redis.c,
 * test_cache.c), started on loopback and on unix sockets in a temporary
 * directory, and the helpers the tests share.
 */
#ifndef DASH_REDIS_SERVER_H
#define DASH_REDIS_SERVER_H

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
#include "dash_redis.h"
#include "unit.h"

#define TIMEOUT apr_time_from_msec(200)



typedef struct {
    const char *name;
    pid_t pid;
    int port;
    char sock[512];
    const char *password;      /* --requirepass, or NULL */
} server_t;

static char tmpdir[256];
static server_t srv_main = { "main", 0, 0, "", NULL };
static server_t srv_auth __attribute__((unused)) = { "auth", 0, 0, "", "p@ss:w/rd" };
static server_t srv_restart __attribute__((unused)) = { "restart", 0, 0, "", NULL };

/* Every server running, so that a test that fails half-way (or crashes)
 * does not leave one behind: see kill_all(). */
#define MAX_SERVERS 8
static server_t *running[MAX_SERVERS];

static inline const char *redis_server_bin(void)
{
    const char *b = getenv("REDIS_SERVER");
    return b && *b ? b : "redis-server";
}

/* Whether the server answers PING (an error reply such as NOAUTH counts:
 * it is up). */
static inline int server_answers(const server_t *s)
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
static inline int server_start(server_t *s)
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
        print_error("redis_server: too many servers\n");
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
            print_error("redis_server: %s exited at start-up (%s). The live "
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
    print_error("redis_server: %s did not answer on %s within 10 s\n",
                redis_server_bin(), s->sock);
    return -1;
}

static inline void server_stop(server_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static inline void remove_tmpdir(void)
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
static inline void kill_all(void)
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

static inline void on_fatal_signal(int sig)
{
    kill_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

static inline int live_setup(void **state)
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

static inline int live_teardown(void **state)
{
    (void)state;
    kill_all();
    return 0;
}

/* A connection of our own to s (AUTH done), outside the code under test. */
static inline redisContext *raw_connect(const server_t *s)
{
    struct timeval tv = { 2, 0 };
    redisContext *ctx = redisConnectUnixWithTimeout(s->sock, tv);
    redisReply *r;

    assert_non_null(ctx);
    assert_int_equal(ctx->err, 0);
    if (s->password) {
        r = redisCommand(ctx, "AUTH %s", s->password);
        assert_non_null(r);
        freeReplyObject(r);
    }
    return ctx;
}

/* A raw hiredis command on the main server, for set-up and checks that
 * must not go through the code under test. */
static inline long long raw_int(const server_t *s, const char *fmt, ...)
{
    redisContext *ctx = raw_connect(s);
    redisReply *r;
    long long v = -1;
    va_list ap;

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

/* INFO stats total_connections_received: every connection the server
 * accepted, this query's own included. */
static inline long long connections_received(const server_t *s)
{
    redisContext *ctx = raw_connect(s);
    redisReply *r;
    const char *f;
    long long v = -1;

    r = redisCommand(ctx, "INFO stats");
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    f = strstr(r->str, "total_connections_received:");
    assert_non_null(f);
    v = atoll(f + strlen("total_connections_received:"));
    freeReplyObject(r);
    redisFree(ctx);
    return v;
}

static inline void flushall(void)
{
    assert_int_equal(raw_int(&srv_main, "FLUSHALL"), 0);
}

static inline dash_redis_t *cache_for(apr_pool_t *p, const char *url, int max)
{
    dash_redis_url_t u;
    dash_redis_t *c = NULL;
    const char *msg = dash_redis_url_parse(&u, p, url);

    if (msg) {
        fail_msg("%s: %s", url, msg);
    }
    assert_int_equal(dash_redis_create(&c, p, &u, TIMEOUT, max), APR_SUCCESS);
    assert_non_null(c);
    return c;
}

static inline const char *tcp_url(apr_pool_t *p, const server_t *s, const char *tail)
{
    return apr_psprintf(p, "redis://127.0.0.1:%d%s", s->port, tail);
}

static inline const char *unix_url(apr_pool_t *p, const server_t *s, const char *q)
{
    return apr_pstrcat(p, "unix:", s->sock, q, NULL);
}

static inline void put(dash_redis_t *c, apr_pool_t *p, const char *key)
{
    const char *err = "unset";

    assert_int_equal(dash_redis_set(c, p, key, "{}", 2, 600, &err),
                     APR_SUCCESS);
    assert_null(err);
}

static inline int exists(const char *key)
{
    return (int)raw_int(&srv_main, "EXISTS %s", key);
}

static inline long purge(dash_redis_t *c, apr_pool_t *p, const char *user,
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

/* The start of a live test's main(): signals, the optional test filter
 * (argv[1], e.g. "test_live_pass*"), APR. */
static inline int live_main_setup(int argc, char **argv)
{
    /* httpd ignores SIGPIPE too; without that, writing to a Redis that has
     * just died would kill the process instead of failing the command. */
    signal(SIGPIPE, SIG_IGN);
    /* cmocka turns a crash into a failed test; these catch what it does not
     * (an abort outside a test, ^C) so no redis-server is left behind. */
    atexit(kill_all);
    signal(SIGINT, on_fatal_signal);
    signal(SIGTERM, on_fatal_signal);
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return apr_initialize() == APR_SUCCESS ? 0 : 1;
}

#endif
