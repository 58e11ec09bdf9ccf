/*
 * The Google side: the four YouTube Analytics reports.query calls of
 * docs/behaviour.md#analytics-calls and the OAuth token refresh of docs/behaviour.md#tokens.
 */
#ifndef DASH_GOOGLE_H
#define DASH_GOOGLE_H

#include "dash_dates.h"
#include "dash_metrics.h"
#include "dash_err.h"
#include "dash_http.h"
#include "dash_report.h"
#include "dash_table.h"



typedef struct {
    const char *analytics_url;     /* DashboardAnalyticsURL */
    const char *token_url;         /* DashboardTokenURL */
    const char *client_id;         /* DashboardOAuthClient, may be NULL */
    const char *client_secret;
    apr_interval_time_t timeout;   /* DashboardUpstreamTimeout */
    dash_metrics_t *metrics;       /* where each call is counted, or NULL */
    const char *ca_file;           /* DashboardUpstreamCA, NULL = system */
    dash_http_agents_t *agents;    /* warm connections, NULL = none */
} dash_google_cfg_t;

/*
 * The GET URL of one of the four calls: analytics_url plus the query of
 * docs/behaviour.md#analytics-calls (ids=channel==MINE, startDate,
 * endDate, metrics, dimensions, sort, maxResults,
 * filters=video==ID1,ID2,... with video_ids newest first), every value
 * percent-encoded.
 */
const char *dash_google_report_url(apr_pool_t *p, const char *analytics_url,
                                   dash_query_e q, const dash_windows_t *w,
                                   const char *const *video_ids, int nvideos);

typedef struct {
    dash_table_t *tables[DASH_NQ];
    apr_interval_time_t elapsed;   /* wall time of the whole fan-out */
} dash_reports_t;

/*
 * Issues the four calls in parallel with the access token. DASH_OK fills
 * out. Otherwise, for the whole batch: any 401 -> DASH_ERR_TOKEN_EXPIRED;
 * else any timeout -> DASH_ERR_API_TIMEOUT; else any other failure
 * (non-2xx, body that is not a resultTable) -> DASH_ERR_API_ERROR; else
 * Google failing in a way that passes (5xx, 429, quota or rate-limit 403,
 * connection refused or dropped) -> DASH_ERR_API_UNAVAILABLE. *perr then
 * names the call and the reason (status, Google's error reason) for the
 * log, never the token.
 */
dash_err_e dash_google_reports(dash_reports_t *out, apr_pool_t *p,
                               const dash_google_cfg_t *g, const char *token,
                               const dash_windows_t *w,
                               const char *const *video_ids, int nvideos,
                               const char **perr);

typedef struct {
    const char *access_token;
    long expires_in;               /* seconds */
    const char *refresh_token;     /* NULL when the answer had none */
} dash_token_t;

/*
 * POSTs grant_type=refresh_token to token_url. DASH_OK fills out.
 * An answer {"error": "invalid_grant"} -> DASH_ERR_TOKEN_EXPIRED; a timeout
 * -> DASH_ERR_API_TIMEOUT; a 5xx, a 429 or no connection ->
 * DASH_ERR_API_UNAVAILABLE; anything else (invalid_client, no
 * access_token, bad JSON, no client configured) -> DASH_ERR_API_ERROR.
 * *perr never contains a token or the client secret.
 */
dash_err_e dash_google_refresh(dash_token_t *out, apr_pool_t *p,
                               const dash_google_cfg_t *g,
                               const char *refresh_token, const char **perr);

/*
 * What the token endpoint's answer in req (rv, status, body) comes to, as
 * dash_google_refresh decides it once the call has run: DASH_OK with out
 * filled only for a 2xx whose tokens could go into a header and a row as
 * they are, with expires_in of at most a day (docs/behaviour.md#tokens).
 * Apart so the decision can be fuzzed without a network (make fuzz).
 */
dash_err_e dash_google_token_answer(dash_token_t *out, apr_pool_t *p,
                                    const dash_http_req_t *req,
                                    const char **perr);

#endif
