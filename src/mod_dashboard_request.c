/*
 * Request plumbing shared by the three handlers: the method gate, the
 * error body of docs/api.md#errors, JSON replies with their headers
 * (docs/api.md#headers), query parameters.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_strings.h"

#include "mod_dashboard_page.h"
#include "mod_dashboard_request.h"
#include "dash_json.h"
#include "dash_params.h"

APLOG_USE_MODULE(dashboard);

#define JSON_TYPE "application/json; charset=utf-8"

static void write_body(request_rec *r, const char *body, apr_size_t len)
{
    ap_set_content_type(r, JSON_TYPE);
    ap_set_content_length(r, len);
    /* HEAD is answered like GET, headers and Content-Length included. */
    if (!r->header_only && len > 0) {
        ap_rwrite(body, (int)len, r);
    }
}

int dashboard_reply_error(request_rec *r, dash_err_e err)
{
    json_t *o = dash_json_pool(r->pool, json_pack("{s:s, s:s}",
                               "code", dash_err_code(err),
                               "message", dash_err_message(err)));
    apr_size_t len = 0;
    char *body = o ? dash_json_dump(r->pool, o, &len) : NULL;

    r->status = dash_err_status(err);
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-store");
    if (!body) {
        /* Out of memory in jansson: still a valid error body. */
        body = (char *)dash_err_body(r->pool, err);
        len = strlen(body);
    }
    write_body(r, body, len);
    return OK;
}

int dashboard_request_gate(request_rec *r, apr_int64_t methods,
                           const char *allow)
{
    r->allowed |= methods;
    dashboard_page_api_headers(r);
    /* The answers are small JSON documents, each only meaningful whole:
     * a Range (or the old Request-Range) is ignored, so httpd's byterange
     * filter never turns one into a 206 (docs/api.md#headers). */
    apr_table_unset(r->headers_in, "Range");
    apr_table_unset(r->headers_in, "Request-Range");
    if (!((AP_METHOD_BIT << r->method_number) & methods)) {
        apr_table_setn(r->headers_out, "Allow", allow);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      DASHLOGNO(0301) "method %s not allowed", r->method);
        dashboard_reply_error(r, DASH_ERR_METHOD_NOT_ALLOWED);
        return 0;
    }
    if (!r->user || !*r->user) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      DASHLOGNO(0302) "%s reached without an authenticated user "
                      "(is authentication configured for this Location?)",
                      r->handler);
        dashboard_reply_error(r, DASH_ERR_UNAUTHENTICATED);
        return 0;
    }
    return 1;
}

/*
 * docs/api.md#conditional-get: If-None-Match is httpd's to judge
 * (ap_meets_conditions: weak comparison, lists, "*"). Only that header
 * decides: without it, If-Modified-Since would compare against a
 * modification time these answers do not have, and a failed If-Match
 * still gets the representation rather than a 412, which is not one of
 * the statuses of docs/api.md#errors.
 */
static int not_modified(request_rec *r)
{
    return apr_table_get(r->headers_in, "If-None-Match") != NULL
           && ap_meets_conditions(r) == HTTP_NOT_MODIFIED;
}

int dashboard_reply_unchanged(request_rec *r, const char *etag)
{
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-store");
    apr_table_setn(r->headers_out, "ETag", etag);
    if (not_modified(r)) {
        r->status = HTTP_NOT_MODIFIED;
        return 1;
    }
    return 0;
}

int dashboard_reply_json(request_rec *r, const char *body, apr_size_t len,
                         const char *etag)
{
    r->status = HTTP_OK;
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-store");
    if (etag && dashboard_reply_unchanged(r, etag)) {
        return OK;
    }
    write_body(r, body, len);
    return OK;
}

apr_table_t *dashboard_request_params(request_rec *r)
{
    apr_table_t *params;
    const char *err = NULL;

    if (dash_params_parse(&params, r->pool, r->args, &err) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      DASHLOGNO(0303) "rejected query string: %s", err);
        dashboard_reply_error(r, DASH_ERR_INVALID_PARAMETER);
        return NULL;
    }
    return params;
}

int dashboard_request_id_param(request_rec *r, apr_table_t *params,
                               const char *name, const char **value)
{
    const char *v = apr_table_get(params, name);
    const char *why;

    *value = NULL;
    if (!v) {
        return 1;
    }
    why = dash_params_check_id(v);
    if (why) {
        /* The value itself is not logged: it may be anything. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      DASHLOGNO(0304) "rejected parameter %s: %s", name, why);
        dashboard_reply_error(r, DASH_ERR_INVALID_PARAMETER);
        return 0;
    }
    *value = v;
    return 1;
}
