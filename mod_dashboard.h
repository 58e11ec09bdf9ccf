/*
 * mod_dashboard glue: what the httpd-facing files share. The core in src/
 * never sees this header or request_rec.
 */
#ifndef MOD_DASHBOARD_H
#define MOD_DASHBOARD_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_dbd.h"
#include "mod_dbd.h"

#include "dash.h"
#include "dash_cache.h"
#include "dash_google.h"
#include "dash_store.h"

extern module AP_MODULE_DECLARE_DATA dashboard_module;

#define DASH_DEFAULT_REDIS_TIMEOUT_MS    200
#define DASH_DEFAULT_CACHE_TTL           43200
#define DASH_DEFAULT_ANALYTICS_URL \
    "https://youtubeanalytics.googleapis.com/v2/reports"
#define DASH_DEFAULT_TOKEN_URL           "https://oauth2.googleapis.com/token"
#define DASH_DEFAULT_UPSTREAM_TIMEOUT_MS 10000
#define DASH_DEFAULT_MAX_VIDEOS          30
#define DASH_DEFAULT_STALE_TTL           604800

/* Per server (vhost). -1 / NULL = not set here; see dash_config_resolve. */
typedef struct {
    int redis_set;                 /* DashboardRedis given (Off included) */
    dash_redis_url_t *redis;       /* NULL = Off */
    const char *redis_display;     /* the URL with the password redacted */
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

    /* Per child process, set in child_init; shared by the vhosts that use
     * the same Redis. NULL when caching is off. */
    dash_cache_t *cache;
} dash_srv_cfg_t;

/* Per directory (Location). */
typedef struct {
    int cache_admin;               /* -1 unset */
} dash_dir_cfg_t;

dash_srv_cfg_t *dash_srv_cfg(const server_rec *s);

/* The Google settings of the request's server. */
void dash_google_settings(dash_google_cfg_t *g, const dash_srv_cfg_t *cfg);

/* ---- mod_dashboard_request.c: replies shared by the handlers ---------- */

/*
 * The start of every handler: sets r->allowed; answers 405
 * METHOD_NOT_ALLOWED with an Allow header for a method not in methods
 * (before looking at the user, as a router would), then 401
 * UNAUTHENTICATED when no r->user is set. Returns 1 when the request may
 * go on, 0 when it was answered.
 */
int dash_request_gate(request_rec *r, apr_int64_t methods, const char *allow);

/* Answers the §7 JSON error for err and returns OK (the status is in
 * r->status). Logging is the caller's job. */
int dash_reply_error(request_rec *r, dash_err_e err);

/*
 * Answers 200 with a JSON body, Cache-Control: private, no-store, and,
 * when etag is set, a strong ETag of the body (304 without a body when
 * If-None-Match carries it).
 */
int dash_reply_json(request_rec *r, const char *body, apr_size_t len,
                    int etag);

/* Parses r->args; on a malformed query answers 400 and returns NULL. */
apr_table_t *dash_request_params(request_rec *r);

/* The named parameter validated as an identifier (§7): *value NULL when
 * absent. Returns 0 (after answering 400) when it is invalid. */
int dash_request_id_param(request_rec *r, apr_table_t *params,
                          const char *name, const char **value);

/*
 * Runs fn on a pooled mod_dbd connection (ap_dbd_open), gives the
 * connection back right after, and retries on a fresh one when the
 * database failed. APR_NOTFOUND from fn is passed through untried.
 * Another error has been logged once: answer DATABASE_UNAVAILABLE.
 */
typedef apr_status_t (*dash_db_fn)(void *ctx, apr_pool_t *p, dash_db_t *db,
                                   const char **perr);
apr_status_t dash_db_run(request_rec *r, dash_db_fn fn, void *ctx);

/* mod_dbd's functions, found in check_config. */
extern ap_dbd_t *(*dash_dbd_open_fn)(apr_pool_t *, server_rec *);
extern void (*dash_dbd_close_fn)(server_rec *, ap_dbd_t *);

/* ---- handlers ---------------------------------------------------------- */
int dash_handle_accounts(request_rec *r);
int dash_handle_stats(request_rec *r);
int dash_handle_cache(request_rec *r);

#endif
