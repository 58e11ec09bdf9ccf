/*
 * What each child process sets up for every server once the configuration
 * is read (the other half of src/mod_dashboard_config.c, whose records it
 * fills in and whose log-tag block it shares): the memo of cache hits, the
 * warm connections to Google, the per-child fetch budget, the share of
 * workers that may wait on Google, and the Redis pools, one per distinct
 * Redis setting.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_mpm.h"
#include "apr_strings.h"

#include "mod_dashboard_child.h"
#include "mod_dashboard_config.h"

/* The child's fetch budget table for sp: shared with an earlier vhost of
 * the same window, so that a user's count is one per child, whichever
 * vhost the requests reach. */
static void budget_child_init(apr_pool_t *pchild, server_rec *s,
                              server_rec *sp, dashboard_srv_cfg_t *cfg)
{
    server_rec *prev;
    apr_status_t rv;

    cfg->budget = NULL;
    if (cfg->fetch_limit == 0) {
        return;
    }
    for (prev = s; prev != sp; prev = prev->next) {
        dashboard_srv_cfg_t *other = dashboard_srv_cfg(prev);

        if (other->budget && other->fetch_window == cfg->fetch_window) {
            cfg->budget = other->budget;
            return;
        }
    }
    rv = dash_budget_create(&cfg->budget, pchild, cfg->fetch_window);
    if (rv != APR_SUCCESS) {
        cfg->budget = NULL;
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, sp, DASHLOGNO(0150)
                     "cannot set up the fetch budget's counts for when Redis "
                     "is off or down; without Redis, users are not limited");
    }
}

typedef struct {
    server_rec *s;
    const char *display;       /* the DashboardRedis URL, redacted */
} redis_event_t;

/* What the pool of a redis-sentinel:// DashboardRedis found or gave up:
 * once per change and child, so a failover is a few lines per child. */
static void redis_event(void *baton, int found, const char *host, int port,
                        const char *why)
{
    const redis_event_t *ev = baton;

    if (found) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, ev->s, DASHLOGNO(0140)
                     "Redis master for %s is %s:%d (from the sentinels)",
                     ev->display, host, port);
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, ev->s, DASHLOGNO(0141)
                     "Redis master %s:%d for %s given up (%s); the next "
                     "request asks the sentinels again",
                     host, port, ev->display, why);
    }
}

/*
 * One Redis connection pool per child and per distinct Redis, on a
 * sub-pool of the child pool; vhosts that inherit the same DashboardRedis
 * share it, unless one counts its failures (DashboardMetrics) and the
 * other does not. The DashboardMaxUpstream default needs the child's
 * threads.
 */
void dashboard_child_setup(apr_pool_t *pchild, server_rec *s)
{
    server_rec *sp, *prev;
    dash_memo_t *memo = NULL;
    dash_http_agents_t *http = NULL;
    apr_pool_t *mpool, *hpool;
    apr_status_t rv;
    int threads = 1;

    if (ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS
        || threads < 1) {
        threads = 1;
    }
    rv = apr_pool_create(&mpool, pchild);
    if (rv == APR_SUCCESS) {
        apr_pool_tag(mpool, "dashboard_memo");
        rv = dash_memo_create(&memo, mpool, DASHBOARD_MEMO_BYTES);
    }
    if (rv != APR_SUCCESS) {
        memo = NULL;
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, DASHLOGNO(0102)
                     "cannot set up the memo of cache hits; every hit is "
                     "parsed and validated");
    }
    rv = apr_pool_create(&hpool, pchild);
    if (rv == APR_SUCCESS) {
        apr_pool_tag(hpool, "dashboard_http");
        rv = dash_http_agents_create(&http, hpool, DASHBOARD_UPSTREAM_MAX_AGE);
    }
    if (rv != APR_SUCCESS) {
        http = NULL;
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, DASHLOGNO(0103)
                     "cannot keep connections to Google warm; each request "
                     "opens its own");
    }
    for (sp = s; sp; sp = sp->next) {
        dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(sp);
        apr_pool_t *pool;

        /* httpd gives a virtual host without directives of this module
         * the main server's record itself: set up once, not again (which
         * would drop the pool the hosts before it took). */
        for (prev = s; prev != sp && dashboard_srv_cfg(prev) != cfg;
             prev = prev->next) {
        }
        if (prev != sp) {
            continue;
        }
        cfg->memo = memo;
        cfg->http = http;
        budget_child_init(pchild, s, sp, cfg);
        /* Half the workers: the other half keeps serving the site while
         * Google is slow (docs/behaviour.md#protecting-the-host-site). */
        if (cfg->max_upstream < 1) {
            cfg->max_upstream = threads / 2 > 0 ? threads / 2 : 1;
        }
        cfg->redis = NULL;
        if (!cfg->redis_url) {
            continue;
        }
        for (prev = s; prev != sp; prev = prev->next) {
            dashboard_srv_cfg_t *other = dashboard_srv_cfg(prev);

            if (other->redis_url == cfg->redis_url
                && other->redis_timeout_ms == cfg->redis_timeout_ms
                && other->sentinel_password == cfg->sentinel_password
                && other->sentinel_user == cfg->sentinel_user
                && other->metrics == cfg->metrics) {
                cfg->redis = other->redis;
                break;
            }
        }
        if (cfg->redis) {
            continue;
        }
        rv = apr_pool_create(&pool, pchild);
        if (rv == APR_SUCCESS) {
            dash_redis_url_t u = *cfg->redis_url;

            apr_pool_tag(pool, "dashboard_redis");
            u.sentinel_username = cfg->sentinel_user;
            u.sentinel_password = cfg->sentinel_password;
            rv = dash_redis_create(&cfg->redis, pool, &u,
                                   apr_time_from_msec(cfg->redis_timeout_ms),
                                   threads);
        }
        if (rv == APR_SUCCESS) {
            dash_redis_set_metrics(cfg->redis, cfg->metrics);
            if (cfg->redis_url->master) {
                redis_event_t *ev = apr_palloc(pool, sizeof(*ev));

                ev->s = sp;
                ev->display = cfg->redis_display;
                dash_redis_set_events(cfg->redis, redis_event, ev);
            }
        }
        if (rv != APR_SUCCESS) {
            cfg->redis = NULL;
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, sp,
                         DASHLOGNO(0101) "cannot set up the Redis pool for %s; "
                         "serving without cache", cfg->redis_display);
        }
    }
}
