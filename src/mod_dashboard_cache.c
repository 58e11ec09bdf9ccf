/*
 * DELETE /dashboard/cache (docs/api.md#cache-purge): the caller's cached
 * stats, or anyone's where DashboardCacheAdmin is On.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "mod_dashboard_config.h"
#include "mod_dashboard_handlers.h"
#include "mod_dashboard_request.h"
#include "dash_cache.h"
#include "dash_json.h"
#include "dash_text.h"

APLOG_USE_MODULE(dashboard);


static int cache_admin(request_rec *r)
{
    const dashboard_dir_cfg_t *d = dashboard_dir_cfg(r);

    return d && d->cache_admin == 1;
}

int dashboard_handle_cache(request_rec *r)
{
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(r->server);
    apr_table_t *params;
    const char *mode, *target, *err = NULL;
    dash_mode_e one;
    int all;
    long deleted = 0;
    apr_status_t rv;
    json_t *doc;
    char *body;
    apr_size_t len;

    if (!(params = dashboard_request_params(r))) {
        return OK;
    }
    mode = apr_table_get(params, "mode");
    if (!mode) {
        mode = "all";
    }
    if (dash_cache_purge_mode(mode, &all, &one) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      DASHLOGNO(0601) "cache purge with a bad mode");
        return dashboard_reply_error(r, DASH_ERR_INVALID_PARAMETER);
    }
    if (!dashboard_request_id_param(r, params, "user_uuid", &target)) {
        return OK;
    }
    if (!cache_admin(r)) {
        /* docs/differences.md: the original let anyone flush every user's
         * cache. */
        if (target && strcmp(target, r->user)) {
            /* Info, not warn: the request is the user's to repeat, and
             * the log is not theirs to fill. */
            ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                          DASHLOGNO(0602) "user %s may not purge another user's "
                          "cache here (DashboardCacheAdmin Off)", r->user);
            return dashboard_reply_error(r, DASH_ERR_FORBIDDEN);
        }
        target = r->user;
    }
    if (!cfg->redis) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      DASHLOGNO(0603) "cache purge but no Redis is configured");
        return dashboard_reply_error(r, DASH_ERR_CACHE_UNAVAILABLE);
    }
    /* A name that is not UTF-8 has no entries: none is ever written for
     * it (its stats are YOUTUBE_NOT_CONNECTED). */
    rv = target && !dash_text_utf8(target) ? APR_SUCCESS
         : dash_cache_purge(cfg->redis, r->pool, target, mode, &deleted, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                      DASHLOGNO(0604) "cache purge failed on %s: %s",
                      cfg->redis_display, err ? err : "?");
        return dashboard_reply_error(r, DASH_ERR_CACHE_UNAVAILABLE);
    }
    doc = dash_json_pool(r->pool, json_pack("{s:I, s:s}",
        "deletedCount", (json_int_t)deleted,
        "message", apr_psprintf(r->pool, "Deleted %ld cached dashboard "
                                "entr%s (mode %s, %s).", deleted,
                                deleted == 1 ? "y" : "ies", mode,
                                target ? "one user" : "all users")));
    body = doc ? dash_json_dump(r->pool, doc, &len) : NULL;
    if (!body) {
        return dashboard_reply_error(r, DASH_ERR_INTERNAL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  DASHLOGNO(0605) "cache purge by=%s user=%s mode=%s deleted=%ld",
                  r->user, target ? target : "*", mode, deleted);
    return dashboard_reply_json(r, body, len, NULL);
}
