/*
 * mod_dashboard: a YouTube channel analytics dashboard as JSON (docs/).
 *
 * This file is the module record, the hooks and the handler dispatch.
 * The directives are in mod_dashboard_config.c, the database plumbing in
 * mod_dashboard_db.c, one handler per endpoint in mod_dashboard_<endpoint>.c,
 * and the work itself in the core under src/ (docs/architecture.md).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "ap_expr.h"

#include <jansson.h>

#include "mod_dashboard_private.h"
#include "mod_dashboard_child.h"
#include "mod_dashboard_config.h"
#include "mod_dashboard_db.h"
#include "mod_dashboard_handlers.h"
#include "mod_dashboard_metrics.h"
#include "mod_dashboard_page.h"
#include "mod_dashboard_request.h"
#include "dash_http.h"
#include "dash_json.h"
#include "dash_redis.h"

static int dashboard_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                  apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    (void)ptemp;
    return dashboard_db_check(s) == APR_SUCCESS ? OK
                                                : HTTP_INTERNAL_SERVER_ERROR;
}

/*
 * Runs once every vhost is merged, and before mod_dbd's post_config, so
 * that libpq's connection deadline is in the environment before mod_dbd
 * does anything with a connection.
 */
static int dashboard_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s)
{
    apr_status_t rv;

    (void)plog;
    dashboard_config_resolve(s);
    dashboard_db_bound_connect(ptemp, s);
    if (dashboard_metrics_post_config(pconf, s) != OK) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    rv = dash_http_global_init(pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     DASHLOGNO(0002) "libcurl initialisation failed");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* jansson seeds its hash function lazily; do it before threads exist. */
    json_object_seed(0);
    /* httpd reads the configuration twice at start-up; say it once. */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                     DASHLOGNO(0001) "mod_dashboard/" DASHBOARD_VERSION
                     " (hiredis %s, jansson %s, libcurl %s) configured",
                     dash_redis_version(), dash_json_version(),
                     dash_http_version());
    }
    return OK;
}

static void dashboard_child_init(apr_pool_t *pchild, server_rec *s)
{
    dashboard_child_setup(pchild, s);
    dashboard_db_child_init(pchild, s);
}

/* The handlers of docs/api.md and the methods each serves. */
typedef struct {
    const char *name;
    int (*handle)(request_rec *r);
    apr_int64_t methods;
    const char *allow;
    dash_metrics_endpoint_e counted_as;      /* docs/metrics.md */
} endpoint_t;

static const endpoint_t endpoints[] = {
    { "dashboard-accounts", dashboard_handle_accounts,
      AP_METHOD_BIT << M_GET, "GET, HEAD", DASH_METRICS_ACCOUNTS },
    { "dashboard-stats", dashboard_handle_stats,
      AP_METHOD_BIT << M_GET, "GET, HEAD", DASH_METRICS_STATS },
    { "dashboard-cache", dashboard_handle_cache,
      AP_METHOD_BIT << M_DELETE, "DELETE", DASH_METRICS_CACHE },
    { NULL, NULL, 0, NULL, DASH_METRICS_ENDPOINTS }
};

static const endpoint_t *endpoint_named(const char *name)
{
    const endpoint_t *e;

    for (e = endpoints; name && e->name; e++) {
        if (!strcmp(name, e->name)) {
            return e;
        }
    }
    return NULL;
}

/*
 * Counts an endpoint's answer (docs/metrics.md): the status it answered
 * with, and for stats the time it took.
 */
static int dashboard_counted(request_rec *r, const endpoint_t *e,
                             apr_time_t start, int rc)
{
    dash_metrics_t *m = dashboard_srv_cfg(r->server)->metrics;

    dash_metrics_request(m, e->counted_as, rc == OK ? r->status : rc);
    if (e->counted_as == DASH_METRICS_STATS) {
        dash_metrics_observe(m, DASH_HIST_STATS, apr_time_now() - start);
    }
    return rc;
}

static int dashboard_handler(request_rec *r)
{
    const endpoint_t *e = endpoint_named(r->handler);
    apr_time_t start = apr_time_now();

    if (!e) {
        /* Not one of the API's: no user, no JSON gate, not counted. */
        return r->handler && !strcmp(r->handler, "dashboard-metrics")
               ? dashboard_handle_metrics(r) : DECLINED;
    }
    if (!dashboard_request_gate(r, e->methods, e->allow)) {
        return dashboard_counted(r, e, start, OK);
    }
    return dashboard_counted(r, e, start, e->handle(r));
}

/*
 * httpd's core answers TRACE itself (ap_send_http_trace, a map_to_storage
 * hook) before any handler runs, echoing the request, Authorization
 * included. On our Locations, the metrics' included, TRACE gets the JSON
 * 405 of every other method (docs/api.md#errors, docs/metrics.md). The
 * handler is not known yet at this stage: it is what the <Location>
 * sections say.
 */
static int dashboard_trace(request_rec *r)
{
    const core_dir_config *d;
    const endpoint_t *e = NULL;
    const char *err = NULL, *name = NULL;

    if (r->method_number != M_TRACE) {
        return DECLINED;
    }
    if (ap_location_walk(r) == OK && ap_if_walk(r) == OK) {
        d = ap_get_core_module_config(r->per_dir_config);
        if (d->expr_handler) {
            name = ap_expr_str_exec(r, d->expr_handler, &err);
            e = endpoint_named(name);
        }
    }
    if (e) {
        r->handler = e->name;
        dashboard_request_gate(r, e->methods, e->allow);
        return DONE;
    }
    if (name && !strcmp(name, "dashboard-metrics")) {
        r->handler = "dashboard-metrics";
        dashboard_handle_metrics(r);
        return DONE;
    }
    /* The page's Location (DashboardPage On): its files answer GET and
     * HEAD only, and it sits behind the site's login, whose Authorization
     * httpd's TRACE would echo. */
    if (dashboard_page_marked(r)) {
        r->allowed |= AP_METHOD_BIT << M_GET;
        dashboard_page_api_headers(r);
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        dashboard_reply_error(r, DASH_ERR_METHOD_NOT_ALLOWED);
        return DONE;
    }
    /* Not ours: the next hooks see the request as they expect it. */
    r->per_dir_config = r->server->lookup_defaults;
    return DECLINED;
}

static void dashboard_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = { "mod_dbd.c", NULL };

    ap_hook_check_config(dashboard_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(dashboard_post_config, NULL, before_dbd,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(dashboard_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(dashboard_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* Before http_core's ap_send_http_trace. */
    ap_hook_map_to_storage(dashboard_trace, NULL, NULL, APR_HOOK_FIRST);
    dashboard_metrics_register_hooks(p);
    dashboard_page_register_hooks(p);
}

AP_DECLARE_MODULE(dashboard) = {
    STANDARD20_MODULE_STUFF,
    dashboard_create_dir_cfg,
    dashboard_merge_dir_cfg,
    dashboard_create_srv_cfg,
    dashboard_merge_srv_cfg,
    dashboard_cmds,
    dashboard_register_hooks
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    , AP_MODULE_FLAG_NONE
#endif
};
