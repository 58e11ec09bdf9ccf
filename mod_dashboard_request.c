/*
 * Request plumbing shared by the three handlers: the method gate, the
 * SPEC §7 error body, JSON replies with their headers, parameters, and the
 * mod_dbd connection lease.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "apr_md5.h"

#include "mod_dashboard.h"
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

int dash_reply_error(request_rec *r, dash_err_e err)
{
    json_t *o = dash_json_pool(r->pool, json_pack("{s:s, s:s}",
                               "code", dash_err_code(err),
                               "message", dash_err_message(err)));
    apr_size_t len = 0;
    char *body = o ? dash_json_dump(r->pool, o, &len) : NULL;

    r->status = dash_err_status(err);
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-store");
    if (!body) {
        /* Out of memory in jansson: still a valid §7 body. */
        body = apr_psprintf(r->pool, "{\"code\":\"%s\",\"message\":\"%s\"}",
                            dash_err_code(err), dash_err_code(err));
        len = strlen(body);
    }
    write_body(r, body, len);
    return OK;
}

int dash_request_gate(request_rec *r, apr_int64_t methods, const char *allow)
{
    r->allowed |= methods;
    if (!((AP_METHOD_BIT << r->method_number) & methods)) {
        apr_table_setn(r->headers_out, "Allow", allow);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "dashboard: method %s not allowed", r->method);
        dash_reply_error(r, DASH_ERR_METHOD_NOT_ALLOWED);
        return 0;
    }
    if (!r->user || !*r->user) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "dashboard: %s reached without an authenticated user "
                      "(is authentication configured for this Location?)",
                      r->handler);
        dash_reply_error(r, DASH_ERR_UNAUTHENTICATED);
        return 0;
    }
    return 1;
}

/* Strong validator of the exact bytes: "<md5 hex>". */
static const char *body_etag(apr_pool_t *p, const char *body, apr_size_t len)
{
    unsigned char digest[APR_MD5_DIGESTSIZE];
    char hex[2 * APR_MD5_DIGESTSIZE + 1];
    int i;

    apr_md5(digest, body, len);
    for (i = 0; i < APR_MD5_DIGESTSIZE; i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    }
    return apr_pstrcat(p, "\"", hex, "\"", NULL);
}

/* If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/"x"
 * matches "x". */
static int etag_matches(request_rec *r, const char *etag)
{
    const char *inm = apr_table_get(r->headers_in, "If-None-Match");
    char *list, *tok, *state;

    if (!inm) {
        return 0;
    }
    list = apr_pstrdup(r->pool, inm);
    for (tok = apr_strtok(list, ",", &state); tok;
         tok = apr_strtok(NULL, ",", &state)) {
        while (apr_isspace(*tok)) {
            tok++;
        }
        if (*tok == '*') {
            return 1;
        }
        if (!strncmp(tok, "W/", 2)) {
            tok += 2;
        }
        if (!strncmp(tok, etag, strlen(etag))) {
            const char *rest = tok + strlen(etag);

            while (apr_isspace(*rest)) {
                rest++;
            }
            if (!*rest) {
                return 1;
            }
        }
    }
    return 0;
}

int dash_reply_json(request_rec *r, const char *body, apr_size_t len,
                    int etag)
{
    r->status = HTTP_OK;
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-store");
    if (etag) {
        const char *tag = body_etag(r->pool, body, len);

        apr_table_setn(r->headers_out, "ETag", tag);
        if (etag_matches(r, tag)) {
            r->status = HTTP_NOT_MODIFIED;
            return OK;
        }
    }
    write_body(r, body, len);
    return OK;
}

apr_table_t *dash_request_params(request_rec *r)
{
    apr_table_t *params;
    const char *err = NULL;

    if (dash_params_parse(&params, r->pool, r->args, &err) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "dashboard: rejected query string: %s", err);
        dash_reply_error(r, DASH_ERR_INVALID_PARAMETER);
        return NULL;
    }
    return params;
}

int dash_request_id_param(request_rec *r, apr_table_t *params,
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
                      "dashboard: rejected parameter %s: %s", name, why);
        dash_reply_error(r, DASH_ERR_INVALID_PARAMETER);
        return 0;
    }
    *value = v;
    return 1;
}

/* ---- mod_dbd ------------------------------------------------------------ */

/*
 * Up to three tries: after a database restart every pooled connection
 * fails its next query once (libpq only notices then), and mod_dbd resets
 * a broken connection the next time it is handed out. A database that
 * cannot be reached at all gets two connection attempts, not three, so a
 * request does not wait for connect_timeout three times.
 */
#define DB_TRIES 3
#define DB_OPEN_TRIES 2

apr_status_t dash_db_run(request_rec *r, dash_db_fn fn, void *ctx)
{
    apr_status_t rv = APR_EGENERAL;
    const char *err = "no connection (is the database up and DBDriver/DBDParams set?)";
    int i, open_failures = 0;

    for (i = 0; i < DB_TRIES && open_failures < DB_OPEN_TRIES; i++) {
        ap_dbd_t *rec = dash_dbd_open_fn(r->pool, r->server);
        dash_db_t db;

        if (!rec) {
            open_failures++;
            rv = APR_EGENERAL;
            continue;
        }
        db.driver = rec->driver;
        db.handle = rec->handle;
        db.prepared = rec->prepared;
        rv = fn(ctx, r->pool, &db, &err);
        if (rv != APR_SUCCESS && rv != APR_NOTFOUND
            && dash_store_prepare(r->pool, &db, &err) == APR_SUCCESS) {
            /* The statements were gone: a connection libpq re-established
             * after a database restart. */
            rv = fn(ctx, r->pool, &db, &err);
        }
        /* Given back at once: no connection is held across Google calls. */
        dash_dbd_close_fn(r->server, rec);
        if (rv == APR_SUCCESS || rv == APR_NOTFOUND) {
            return rv;
        }
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                      "dashboard: database try %d failed: %s", i + 1, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                  "dashboard: database unavailable: %s", err);
    return rv;
}
