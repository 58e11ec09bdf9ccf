/*
 * GET /dashboard/accounts (docs/api.md#accounts): the caller's connected
 * channels.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_strings.h"

#include "mod_dashboard_config.h"
#include "mod_dashboard_db.h"
#include "mod_dashboard_handlers.h"
#include "mod_dashboard_request.h"
#include "dash_etag.h"
#include "dash_json.h"
#include "dash_text.h"

APLOG_USE_MODULE(dashboard);

typedef struct {
    const char *user;
    apr_array_header_t *accounts;
} dashboard_accounts_job_t;

static apr_status_t accounts_query(void *ctx, apr_pool_t *p, dash_db_t *db,
                                   const char **perr)
{
    dashboard_accounts_job_t *job = ctx;

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

int dashboard_handle_accounts(request_rec *r)
{
    dashboard_accounts_job_t job;
    json_t *doc;
    char *body;
    apr_size_t len;

    job.user = r->user;
    job.accounts = NULL;
    if (!dash_text_utf8(job.user)) {
        /* No row can belong to it (the tables are UTF-8): nothing to ask. */
        job.accounts = apr_array_make(r->pool, 1, sizeof(dash_account_t));
    }
    else if (dashboard_db_run(r, accounts_query, &job) != APR_SUCCESS) {
        dash_metrics_db_error(dashboard_srv_cfg(r->server)->metrics);
        return dashboard_reply_error(r, DASH_ERR_DATABASE_UNAVAILABLE);
    }
    doc = accounts_json(r->pool, job.accounts);
    body = doc ? dash_json_dump(r->pool, doc, &len) : NULL;
    if (!body) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      DASHLOGNO(0401) "accounts of user %s are not valid UTF-8",
                      r->user);
        return dashboard_reply_error(r, DASH_ERR_INTERNAL);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  DASHLOGNO(0402) "accounts user=%s count=%d", r->user,
                  job.accounts->nelts);
    /* Made from the database at each request, so hashed at each one. */
    return dashboard_reply_json(r, body, len,
                                dash_etag_body(r->pool, body, len));
}
