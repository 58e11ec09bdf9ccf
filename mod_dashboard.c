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
#include "http_log.h"
#include "http_protocol.h"

#include <jansson.h>

#include "mod_dashboard.h"
#include "mod_dashboard_config.h"
#include "mod_dashboard_db.h"
#include "mod_dashboard_handlers.h"
#include "dash_http.h"

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
 * Runs before mod_dbd's post_config (which groups the servers' statement
 * lists), once every vhost is merged, so each server gets the statements.
 */
static int dashboard_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s)
{
    apr_status_t rv;

    (void)plog;
    (void)ptemp;
    dashboard_config_resolve(s);
    dashboard_db_register(s);
    rv = dash_http_global_init(pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s,
                     "mod_dashboard: libcurl initialisation failed");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    /* jansson seeds its hash function lazily; do it before threads exist. */
    json_object_seed(0);
    return OK;
}

static void dashboard_child_init(apr_pool_t *pchild, server_rec *s)
{
    dashboard_config_child_init(pchild, s);
}

static int dashboard_handler(request_rec *r)
{
    if (!r->handler) {
        return DECLINED;
    }
    if (!strcmp(r->handler, "dashboard-accounts")) {
        return dashboard_handle_accounts(r);
    }
    if (!strcmp(r->handler, "dashboard-stats")) {
        return dashboard_handle_stats(r);
    }
    if (!strcmp(r->handler, "dashboard-cache")) {
        return dashboard_handle_cache(r);
    }
    return DECLINED;
}

static void dashboard_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = { "mod_dbd.c", NULL };

    (void)p;
    ap_hook_check_config(dashboard_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(dashboard_post_config, NULL, before_dbd,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(dashboard_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(dashboard_handler, NULL, NULL, APR_HOOK_MIDDLE);
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
