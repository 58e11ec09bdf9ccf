/*
 * Redis transport: a per-child pool of hiredis connections for one Redis,
 * and the commands the module needs. Nothing here knows what the keys
 * mean (dash_cache.c does). Redis failing is never a request failure:
 * callers treat any error as "no cache" and carry on.
 */
#ifndef DASH_REDIS_H
#define DASH_REDIS_H

#include <apr_errno.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "dash_metrics.h"
#include "dash_redis_url.h"

typedef struct dash_redis_t dash_redis_t;

/*
 * A pool of at most max_conns connections for one Redis, living in pool
 * (a sub-pool of the child pool). Connections are made lazily, with
 * timeout on connect and on every command, AUTH and SELECT as the URL says,
 * and dropped after any error. Safe to share between threads. Behind
 * sentinels (redis-sentinel://) the pool finds the master itself, checks
 * its ROLE, and finds it again after a failed connection or a READONLY,
 * MASTERDOWN or LOADING reply; while no master is known, operations fail
 * as with Redis down.
 */
apr_status_t dash_redis_create(dash_redis_t **pr, apr_pool_t *pool,
                               const dash_redis_url_t *u,
                               apr_interval_time_t timeout, int max_conns);

/* Counts every operation that fails from now on (docs/metrics.md);
 * NULL, the default, counts nothing. */
void dash_redis_set_metrics(dash_redis_t *r, dash_metrics_t *m);

/*
 * Behind sentinels (redis-sentinel://): told when the pool finds a master
 * (found = 1) or gives one up (found = 0, why says what failed), once per
 * change, on the thread of the request that saw it. host is the address
 * the sentinels gave.
 */
typedef void (*dash_redis_event_fn)(void *baton, int found, const char *host,
                                    int port, const char *why);

void dash_redis_set_events(dash_redis_t *r, dash_redis_event_fn fn,
                           void *baton);

/* GET: APR_SUCCESS with *val (NUL-terminated, from p), APR_NOTFOUND on a
 * miss, another status with *perr when Redis failed. */
apr_status_t dash_redis_get(dash_redis_t *r, apr_pool_t *p, const char *key,
                            char **val, apr_size_t *len, const char **perr);

/*
 * A value of at most max bytes: one script checks STRLEN and answers the
 * value only when it is short enough, so a longer one never leaves Redis.
 * APR_SUCCESS with *val
 * (NUL-terminated, from p) and *len; APR_NOTFOUND when the key is missing
 * or empty; APR_ENOSPC when the value is longer than max (nothing of it
 * returned); APR_EINVAL when the key is not a string (WRONGTYPE); another
 * status with *perr when Redis failed. Only that last one counts as a
 * Redis error. max 0: the whole value, with the same outcomes otherwise.
 */
apr_status_t dash_redis_get_capped(dash_redis_t *r, apr_pool_t *p,
                                   const char *key, apr_size_t max,
                                   char **val, apr_size_t *len,
                                   const char **perr);

/* SET key val EX ttl_sec (ttl_sec > 0). */
apr_status_t dash_redis_set(dash_redis_t *r, apr_pool_t *p, const char *key,
                            const char *val, apr_size_t len, long ttl_sec,
                            const char **perr);

/* PING: whether Redis answers now. */
apr_status_t dash_redis_ping(dash_redis_t *r, apr_pool_t *p, const char **perr);

/* A reply, deep-copied into the caller's pool. */
typedef enum {
    DASH_REDIS_NIL = 0,
    DASH_REDIS_INTEGER,
    DASH_REDIS_STRING,
    DASH_REDIS_STATUS,
    DASH_REDIS_ARRAY
} dash_redis_type_e;

typedef struct dash_redis_reply_t dash_redis_reply_t;
struct dash_redis_reply_t {
    dash_redis_type_e type;
    long long integer;             /* INTEGER */
    const char *str;               /* STRING, STATUS: NUL-terminated */
    apr_size_t len;
    apr_size_t nelem;              /* ARRAY */
    dash_redis_reply_t *elem;
};

/*
 * Any command, every argument binary (argvlen NULL: NUL-terminated
 * strings). An error reply is a failure (APR_EACCES for NOAUTH, WRONGPASS,
 * NOPERM; APR_EGENERAL otherwise) with its text in *perr.
 */
apr_status_t dash_redis_command(dash_redis_t *r, apr_pool_t *p, int argc,
                                const char *const *argv,
                                const apr_size_t *argvlen,
                                dash_redis_reply_t **reply, const char **perr);

/* A Lua script and its SHA-1, computed once (dash_redis_script_init). */
typedef struct {
    const char *body;
    char sha1[41];
} dash_redis_script_t;

void dash_redis_script_init(dash_redis_script_t *s, const char *body);

/*
 * EVALSHA with nkeys keys then nargs arguments (keys_args, lens NULL for
 * NUL-terminated strings); on NOSCRIPT (a new or restarted Redis) the same
 * connection sends EVAL with the body once.
 */
apr_status_t dash_redis_script_run(dash_redis_t *r, apr_pool_t *p,
                                   const dash_redis_script_t *s, int nkeys,
                                   int nargs, const char *const *keys_args,
                                   const apr_size_t *lens,
                                   dash_redis_reply_t **reply,
                                   const char **perr);

/* Whether a key SCAN returned is one to delete. */
typedef int (*dash_redis_match_fn)(void *baton, const char *key,
                                   apr_size_t len);

/*
 * SCAN MATCH pattern (never KEYS) and DEL of every key match accepts.
 * *deleted = keys actually removed, also when it fails half-way.
 */
apr_status_t dash_redis_scan_delete(dash_redis_t *r, apr_pool_t *p,
                                    const char *pattern,
                                    dash_redis_match_fn match, void *baton,
                                    long *deleted, const char **perr);

/* Escapes the glob characters * ? [ ] \ of a MATCH pattern. */
const char *dash_redis_glob_escape(apr_pool_t *p, const char *s);

/* The hiredis built against, e.g. "0.14.1" (hiredis has no run-time
 * version call). */
const char *dash_redis_version(void);

#endif
