/*
 * The DashboardRedis URL (docs/configuration.md#dashboardredis).
 */
#ifndef DASH_REDIS_URL_H
#define DASH_REDIS_URL_H

#include <apr_pools.h>

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

#endif
