/*
 * What every handler does with its request: the method gate, the error
 * body of docs/api.md#errors, JSON replies with their headers
 * (docs/api.md#headers, docs/api.md#conditional-get), query parameters.
 */
#ifndef MOD_DASHBOARD_REQUEST_H
#define MOD_DASHBOARD_REQUEST_H

#include "mod_dashboard_private.h"

#include "dash_err.h"

/*
 * The start of every handler: sets r->allowed; answers 405
 * METHOD_NOT_ALLOWED with an Allow header for a method not in methods
 * (before looking at the user, as a router would), then 401
 * UNAUTHENTICATED when no r->user is set. Returns 1 when the request may
 * go on, 0 when it was answered.
 */
int dashboard_request_gate(request_rec *r, apr_int64_t methods,
                           const char *allow);

/* Answers the JSON error for err and returns OK (the status is in
 * r->status). Logging is the caller's job. */
int dashboard_reply_error(request_rec *r, dash_err_e err);

/*
 * Answers 200 with a JSON body, Cache-Control: private, no-store, and,
 * unless etag is NULL, that ETag (dash_etag.h: a strong validator of the
 * body; 304 without a body when If-None-Match carries it).
 */
int dashboard_reply_json(request_rec *r, const char *body, apr_size_t len,
                         const char *etag);

/*
 * For a caller that knows its body's ETag before it makes the body: sets
 * Cache-Control and the ETag, and returns 1 when If-None-Match carries
 * it (the answer is then 304 without a body: the body need not be made),
 * else 0.
 */
int dashboard_reply_unchanged(request_rec *r, const char *etag);

/* Parses r->args; on a malformed query answers 400 and returns NULL. */
apr_table_t *dashboard_request_params(request_rec *r);

/* The named parameter validated as an identifier: *value NULL when
 * absent. Returns 0 (after answering 400) when it is invalid. */
int dashboard_request_id_param(request_rec *r, apr_table_t *params,
                               const char *name, const char **value);

#endif
