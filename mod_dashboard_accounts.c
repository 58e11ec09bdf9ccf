/*
 * GET /dashboard/accounts (SPEC §4) and DELETE /dashboard/cache (§6).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "mod_dashboard.h"
#include "dash_json.h"

APLOG_USE_MODULE(dashboard);

typedef struct {
    const char *user;
    apr_array_header_t *accounts;
} accounts_job_t;

static apr_status_t accounts_query(void *ctx, apr_pool_t *p, dash_db_t *db,
                                   const char **perr)
{
    accounts_job_t *job = ctx;

    return dash_store_accounts(&job->accounts, p, db, job->user, perr);
}

static json_t *nullable(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *accounts_json(apr_pool_t *p, const apr_array_header_t *list)
{
    json_t *arr = dash_json_pool(p, json_array());
    int i;

    if (!arr) {
        return NULL;
    }
    for (i = 0; i < list->nelts; i++) {
        const dash_account_t *a = &APR_ARRAY_IDX(list, i, dash_account_t);
        json_t *o = json_pack("{s:I, s:s, s:o, s:s, s:o, s:o, s:b}",
                              "id", (json_int_t)apr_atoi64(a->id),
                              "platform", a->platform,
                              "platformUsername", nullable(a->username),
                              "platformUserId", a->platform_user_id,
                              "channelTitle", nullable(a->channel_title),
                              "connectedAt", nullable(a->connected_at),
                              "isActive", a->is_active);

        /* json_pack fails on text that is not UTF-8: a broken row must
         * not turn into a broken document. */
        if (!o || json_array_append_new(arr, o) != 0) {
            return NULL;
        }
    }
    return dash_json_pool(p, json_pack("{s:O}", "accounts", arr));
}

int dash_handle_accounts(request_rec *r)
{
    accounts_job_t job;
    json_t *doc;
    char *body;
    apr_size_t len;

    if (!dash_request_gate(r, AP_METHOD_BIT << M_GET, "GET, HEAD")) {
        return OK;
    }
    job.user = r->user;
    job.accounts = NULL;
    if (dash_db_run(r, accounts_query, &job) != APR_SUCCESS) {
        return dash_reply_error(r, DASH_ERR_DATABASE_UNAVAILABLE);
    }
    doc = accounts_json(r->pool, job.accounts);
    body = doc ? dash_json_dump(r->pool, doc, &len) : NULL;
    if (!body) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "dashboard: accounts of user %s are not valid UTF-8",
                      r->user);
        return dash_reply_error(r, DASH_ERR_INTERNAL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "dashboard: accounts user=%s count=%d", r->user,
                  job.accounts->nelts);
    return dash_reply_json(r, body, len, 1);
}

/* ---- DELETE /dashboard/cache ------------------------------------------- */

static int cache_admin(request_rec *r)
{
    const dash_dir_cfg_t *d = ap_get_module_config(r->per_dir_config,
                                                   &dashboard_module);
    return d && d->cache_admin == 1;
}

int dash_handle_cache(request_rec *r)
{
    dash_srv_cfg_t *cfg = dash_srv_cfg(r->server);
    apr_table_t *params;
    const char *mode, *target, *err = NULL;
    long deleted = 0;
    apr_status_t rv;
    json_t *doc;
    char *body;
    apr_size_t len;

    if (!dash_request_gate(r, AP_METHOD_BIT << M_DELETE, "DELETE")) {
        return OK;
    }
    if (!(params = dash_request_params(r))) {
        return OK;
    }
    mode = apr_table_get(params, "mode");
    if (!mode) {
        mode = "all";
    }
    if (strcmp(mode, "day") && strcmp(mode, "month") && strcmp(mode, "all")) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "dashboard: cache purge with a bad mode");
        return dash_reply_error(r, DASH_ERR_INVALID_PARAMETER);
    }
    if (!dash_request_id_param(r, params, "user_uuid", &target)) {
        return OK;
    }
    if (!cache_admin(r)) {
        /* SPEC §11: the seed let anyone flush every user's cache. */
        if (target && strcmp(target, r->user)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "dashboard: user %s may not purge another user's "
                          "cache here (DashboardCacheAdmin Off)", r->user);
            return dash_reply_error(r, DASH_ERR_FORBIDDEN);
        }
        target = r->user;
    }
    if (!cfg->cache) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "dashboard: cache purge but no Redis is configured");
        return dash_reply_error(r, DASH_ERR_CACHE_UNAVAILABLE);
    }
    rv = dash_cache_purge(cfg->cache, r->pool, target,
                          strcmp(mode, "all") ? mode : NULL, &deleted, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                      "dashboard: cache purge failed on %s: %s",
                      cfg->redis_display, err ? err : "?");
        return dash_reply_error(r, DASH_ERR_CACHE_UNAVAILABLE);
    }
    doc = dash_json_pool(r->pool, json_pack("{s:I, s:s}",
        "deletedCount", (json_int_t)deleted,
        "message", apr_psprintf(r->pool, "Deleted %ld cached dashboard "
                                "entr%s (mode %s, %s).", deleted,
                                deleted == 1 ? "y" : "ies", mode,
                                target ? "one user" : "all users")));
    body = doc ? dash_json_dump(r->pool, doc, &len) : NULL;
    if (!body) {
        return dash_reply_error(r, DASH_ERR_INTERNAL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "dashboard: cache purge by=%s user=%s mode=%s deleted=%ld",
                  r->user, target ? target : "*", mode, deleted);
    return dash_reply_json(r, body, len, 0);
}
