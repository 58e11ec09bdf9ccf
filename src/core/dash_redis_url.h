/*
 * The DashboardRedis URL (docs/configuration.md#dashboardredis).
 */
#ifndef DASH_REDIS_URL_H
#define DASH_REDIS_URL_H

#include <apr_pools.h>

/* Most sentinels one redis-sentinel:// URL may name. */
#define DASH_REDIS_URL_MAX_SENTINELS 16

/* Default port of a sentinel (redis-sentinel's own default). */
#define DASH_REDIS_URL_SENTINEL_PORT 26379

typedef struct {
    const char *host;
    int port;
} dash_redis_url_node_t;

typedef struct {
    const char *host;          /* TCP host, or NULL (unix socket, Sentinel) */
    int port;                  /* default 6379 */
    const char *path;          /* unix socket path, or NULL */
    const char *username;      /* ACL user (redis://user:pass@...), or NULL */
    const char *password;      /* NULL = no AUTH */
    int db;                    /* SELECT db when > 0 */
    /* redis-sentinel://: the master's name and the sentinels to ask for
     * its address; NULL and 0 otherwise. username and password are then
     * the data nodes' (master and replicas). */
    const char *master;
    int nsentinels;
    const dash_redis_url_node_t *sentinels;
    /* DashboardRedisSentinelAuth: the sentinels' own credentials; NULL =
     * no AUTH to the sentinels. */
    const char *sentinel_username;
    const char *sentinel_password;
} dash_redis_url_t;

/*
 * Parses "redis://[[user]:password@]host[:port][/db]",
 * "unix:/path/to/sock[?db=N]" or
 * "redis-sentinel://[[user]:password@]host1[:port1][,host2[:port2]...]/MASTER[/db]"
 * (sentinel port 26379 by default). Returns NULL on success, else a
 * message saying what is wrong (from p), without the password.
 */
const char *dash_redis_url_parse(dash_redis_url_t *u, apr_pool_t *p,
                                 const char *url);

/* The URL for logs: the password replaced by "***" (the sentinels'
 * credentials are never part of it). */
const char *dash_redis_url_redacted(apr_pool_t *p, const dash_redis_url_t *u);

#endif
