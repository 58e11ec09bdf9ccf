/*
 * Redis through hiredis: the URL of DashboardRedis, the key layout of
 * SPEC §5.4, and a per-child pool of connections reused across requests.
 * Redis failing is never a request failure: callers treat any error as
 * "no cache" and carry on.
 */
#ifndef DASH_CACHE_H
#define DASH_CACHE_H

#include "dash.h"

typedef struct {
    const char *host;          /* TCP host, or NULL for a unix socket */
    int port;                  /* default 6379 */
    const char *path;          /* unix socket path, or NULL */
    const char *username;      /* ACL user (redis://user:pass@...), or NULL */
    const char *password;      /* NULL = no AUTH */
    int db;                    /* SELECT db when > 0 */
} dash_redis_url_t;

/*
 * Parses "redis://[[user]:password@]host[:port][/db]" or
 * "unix:/path/to/sock[?db=N]". Returns NULL on success, else a message
 * saying what is wrong (from p), without the password.
 */
const char *dash_redis_url_parse(dash_redis_url_t *u, apr_pool_t *p,
                                 const char *url);

/* The URL for logs: the password replaced by "***". */
const char *dash_redis_url_redacted(apr_pool_t *p, const dash_redis_url_t *u);

/* Escapes the Redis glob characters * ? [ ] \ with a backslash. */
const char *dash_glob_escape(apr_pool_t *p, const char *s);

/* dashboard:{user}:{channel}:{mode} */
const char *dash_cache_key(apr_pool_t *p, const char *user,
                           const char *channel, dash_mode_e mode);

typedef struct dash_cache_t dash_cache_t;

/*
 * A pool of at most max_conns connections for one Redis, living in pool
 * (a sub-pool of the child pool). Connections are made lazily, with
 * timeout on connect and on every command, AUTH and SELECT as the URL says,
 * and dropped after any error. Safe to share between threads.
 */
apr_status_t dash_cache_create(dash_cache_t **pc, apr_pool_t *pool,
                               const dash_redis_url_t *u,
                               apr_interval_time_t timeout, int max_conns);

/* GET: APR_SUCCESS with *val (NUL-terminated, from p), APR_NOTFOUND on a
 * miss, another status with *perr when Redis failed. */
apr_status_t dash_cache_get(dash_cache_t *c, apr_pool_t *p, const char *key,
                            char **val, apr_size_t *len, const char **perr);

/* SET key val EX ttl_sec. */
apr_status_t dash_cache_set(dash_cache_t *c, apr_pool_t *p, const char *key,
                            const char *val, apr_size_t len, long ttl_sec,
                            const char **perr);

/* PING: whether Redis answers now. */
apr_status_t dash_cache_ping(dash_cache_t *c, apr_pool_t *p, const char **perr);

/*
 * Deletes dashboard:{user}:{channel}:{mode} keys with SCAN (never KEYS).
 * user NULL = every user; mode NULL = both modes. The user is matched
 * literally (glob characters escaped). *deleted = keys actually removed.
 */
apr_status_t dash_cache_purge(dash_cache_t *c, apr_pool_t *p,
                              const char *user, const char *mode,
                              long *deleted, const char **perr);

#endif
