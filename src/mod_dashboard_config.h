/*
 * The directives (docs/configuration.md#directives): the per-server and
 * per-directory records, their merge and defaults, and the per-child Redis
 * pools built from them.
 */
#ifndef MOD_DASHBOARD_CONFIG_H
#define MOD_DASHBOARD_CONFIG_H

#include "mod_dashboard_private.h"
#include "apr_thread_mutex.h"

#include "dash_budget.h"
#include "dash_google.h"
#include "dash_http.h"
#include "dash_memo.h"
#include "dash_metrics.h"
#include "dash_redis.h"
#include "dash_tz.h"

/* Per server (vhost). -1 / NULL = not set here; dashboard_config_resolve
 * applies the defaults once every vhost is merged. */
typedef struct {
    int redis_set;                 /* DashboardRedis given (Off included) */
    dash_redis_url_t *redis_url;   /* NULL = Off */
    const char *redis_display;     /* the URL with the password redacted */
    const char *sentinel_user;     /* DashboardRedisSentinelAuth, or NULL */
    const char *sentinel_password; /* NULL: the sentinels take no AUTH */
    long redis_timeout_ms;
    long cache_ttl;
    const char *analytics_url;
    const char *token_url;
    const char *client_id;
    const char *client_secret;
    long upstream_timeout_ms;
    long max_videos;
    long stale_ttl;
    long lock_wait_ms;
    int metrics_on;                /* DashboardMetrics; -1 unset */

    /* The server's counters (docs/metrics.md): the shared block when
     * metrics_on, set in post_config before the children are forked;
     * NULL counts nothing. */
    dash_metrics_t *metrics;
    const char *upstream_ca;       /* DashboardUpstreamCA, absolute; NULL = system */
    long db_timeout_ms;
    long max_upstream;             /* resolved in dashboard_child_setup */
    long fetch_limit;              /* DashboardUserFetchLimit N; 0 = unlimited */
    long fetch_window;             /* ... and its SECONDS */
    /* DashboardReportTimeZone: read at configuration time, then only read
     * (dash_tz.h says why not TZ); NULL = the server's local zone. */
    int report_tz_set;
    dash_tz_t *report_tz;
    long max_value_size;           /* DashboardMaxValueSize, bytes */

    /* Per child process, set in dashboard_child_setup; shared by the
     * vhosts that use the same Redis. NULL when caching is off. */
    dash_redis_t *redis;
    /* Per child, shared by every vhost: validated hits by their bytes, and
     * the warm connections to Google. */
    dash_memo_t *memo;
    dash_http_agents_t *http;
    /* Per child, shared by the vhosts with the same window: the fetch
     * budget's counts while Redis is off or failing. NULL when the limit
     * is 0 or the table could not be made. */
    dash_budget_t *budget;
} dashboard_srv_cfg_t;

/* Per directory (Location). */
typedef struct {
    int cache_admin;               /* -1 unset */
    int page;                      /* DashboardPage; -1 unset */
} dashboard_dir_cfg_t;

extern const command_rec dashboard_cmds[];

void *dashboard_create_srv_cfg(apr_pool_t *p, server_rec *s);
void *dashboard_merge_srv_cfg(apr_pool_t *p, void *basev, void *addv);
void *dashboard_create_dir_cfg(apr_pool_t *p, char *dir);
void *dashboard_merge_dir_cfg(apr_pool_t *p, void *basev, void *addv);

dashboard_srv_cfg_t *dashboard_srv_cfg(const server_rec *s);
const dashboard_dir_cfg_t *dashboard_dir_cfg(const request_rec *r);

/* Applies the defaults to every server's record (post_config), so an
 * unset value can still be told from one set to the default until then. */
void dashboard_config_resolve(server_rec *s);

/* How long an idle connection to Google is reused (docs/behaviour.md#analytics-calls). */
#define DASHBOARD_UPSTREAM_MAX_AGE 60

/* The memo of cache hits each child keeps (docs/behaviour.md#cache). */
#define DASHBOARD_MEMO_BYTES ((apr_size_t)4 * 1024 * 1024)


/* The Google settings of a server. */
void dashboard_google_settings(dash_google_cfg_t *g,
                               const dashboard_srv_cfg_t *cfg);

#endif
