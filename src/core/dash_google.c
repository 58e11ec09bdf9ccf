/*
 * The Google side (see dash_google.h): the four YouTube Analytics
 * reports.query URLs of docs/behaviour.md#analytics-calls, their parallel fan-out, and the OAuth
 * refresh of docs/behaviour.md#tokens.
 *
 * Messages put in *perr are meant for the log. They name the call and the
 * reason (HTTP status, Google's short error reason, curl's text) and are
 * built only from values that cannot hold a secret: never the access or
 * refresh token, never the client secret, never a response body.
 */
#include <math.h>
#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <jansson.h>

#include "dash_google.h"
#include "dash_http.h"
#include "dash_json.h"
#include "dash_text.h"
#include "dash_table.h"

/* Token answers are a few hundred bytes; anything near this is not one. */
#define DASH_TOKEN_MAX_BODY ((apr_size_t)64 * 1024)
/* The largest answer is the month mode's series: about 760 days of seven
 * cells, under 90 kB as Google pretty-prints it even for a channel with a
 * million minutes a day. A body far larger is not one, and reading it
 * (jansson takes about a second per 4 MB of small rows) would hold the
 * request past its deadline. */
#define DASH_REPORT_MAX_BODY ((apr_size_t)512 * 1024)
/* Google's tokens are up to 2048 bytes; twice that is not one. */
#define DASH_TOKEN_MAX 4096
/* Seconds; Google's access tokens live 3599. */
#define DASH_TOKEN_MAX_LIFETIME 86400.0
/* Longest upstream text copied into a log message: a reason code, and a
 * resultTable parse error (which may quote the body). */
#define DASH_REASON_MAX 64
#define DASH_DETAIL_MAX 200

/* Which date of dash_windows_t a call uses. */
typedef enum {
    W_START, W_KPI_END, W_PREV_START
} dash_wdate_e;

typedef struct {
    const char *name;
    dash_wdate_e from, to;
    const char *dimensions;    /* NULL: none */
    const char *metrics;
    const char *sort;          /* NULL: none */
    const char *max_results;   /* NULL: none */
} dash_call_t;

/* Summable metrics only: averageViewDuration is derived from the sums
 * (dash_stats.c), since an average of daily averages is not one. */
#define SERIES_METRICS "views,estimatedMinutesWatched,subscribersGained," \
                       "likes,comments,shares"

/* docs/behaviour.md#analytics-calls, indexed by dash_query_e. */
static const dash_call_t calls[DASH_NQ] = {
    /* Both KPI windows and both charts, in either mode, are sums of the
     * days from prev_start through kpi_end. */
    { "series",         W_PREV_START, W_KPI_END, "day", SERIES_METRICS, "day", NULL },
    /* Google rejects dimensions=video without a sort and a maxResults. */
    { "top_videos",     W_START,      W_KPI_END,      "video", "views,likes,comments",
      "-views", "10" },
    /* viewerPercentage is the only metric the demographics report takes. */
    { "demographics",   W_START,      W_KPI_END,      "ageGroup,gender",
      "viewerPercentage", NULL, NULL },
    { "geography",      W_START,      W_KPI_END,      "country", "views",
      "-views", "5" }
};

static dash_date_t window_date(const dash_windows_t *w, dash_wdate_e which)
{
    switch (which) {
    case W_START:        return w->start;
    case W_KPI_END:      return w->kpi_end;
    case W_PREV_START:   return w->prev_start;
    }
    return w->start;
}

/* Appends "&name=<encoded value>" (without the '&' for the first one). */
static void add_param(apr_array_header_t *parts, apr_pool_t *p,
                      const char *name, const char *value)
{
    APR_ARRAY_PUSH(parts, const char *) =
        apr_pstrcat(p, name, "=", dash_text_pct_encode(p, value), NULL);
}

const char *dash_google_report_url(apr_pool_t *p, const char *analytics_url,
                                   dash_query_e q, const dash_windows_t *w,
                                   const char *const *video_ids, int nvideos)
{
    const dash_call_t *c;
    apr_array_header_t *parts;
    char from[16], to[16];
    const char *sep;
    apr_size_t ulen;

    if ((unsigned)q >= DASH_NQ || analytics_url == NULL || w == NULL) {
        return NULL;
    }
    c = &calls[q];
    parts = apr_array_make(p, 8, sizeof(const char *));

    add_param(parts, p, "ids", "channel==MINE");
    add_param(parts, p, "startDate", dash_dates_fmt(from, window_date(w, c->from)));
    add_param(parts, p, "endDate", dash_dates_fmt(to, window_date(w, c->to)));
    add_param(parts, p, "metrics", c->metrics);
    if (c->dimensions) {
        add_param(parts, p, "dimensions", c->dimensions);
    }
    if (c->sort) {
        add_param(parts, p, "sort", c->sort);
    }
    if (c->max_results) {
        add_param(parts, p, "maxResults", c->max_results);
    }
    /* No filter at all for an empty list: "video==" is a 400 at Google.
     * The caller never gets here without uploads (docs/behaviour.md#no-uploads answers first). */
    if (video_ids && nvideos > 0) {
        apr_array_header_t *ids = apr_array_make(p, nvideos, sizeof(const char *));
        int i;
        for (i = 0; i < nvideos; i++) {
            APR_ARRAY_PUSH(ids, const char *) = video_ids[i] ? video_ids[i] : "";
        }
        add_param(parts, p, "filters",
                  apr_pstrcat(p, "video==", apr_array_pstrcat(p, ids, ','), NULL));
    }

    /* A configured URL may already carry a query (a stand-in's key, say). */
    ulen = strlen(analytics_url);
    if (strchr(analytics_url, '?') == NULL) {
        sep = "?";
    }
    else if (ulen && (analytics_url[ulen - 1] == '?' || analytics_url[ulen - 1] == '&')) {
        sep = "";
    }
    else {
        sep = "&";
    }
    return apr_pstrcat(p, analytics_url, sep, apr_array_pstrcat(p, parts, '&'),
                       NULL);
}

/*
 * Google's short reason in a parsed error answer, or NULL. Two shapes
 * exist: the API one, {"error": {"errors": [{"reason": …}], "status": …}}
 * (older bodies have no "status"), and the OAuth one,
 * {"error": "invalid_grant", "error_description": …}.
 */
static const char *json_reason(apr_pool_t *p, json_t *j)
{
    json_t *err, *errors;
    const char *s;

    if (!json_is_object(j)) {
        return NULL;
    }
    err = json_object_get(j, "error");
    if (json_is_string(err)) {
        return dash_text_log_safe(p, json_string_value(err),
                                  strlen(json_string_value(err)),
                                  DASH_REASON_MAX);
    }
    if (!json_is_object(err)) {
        return NULL;
    }
    errors = json_object_get(err, "errors");
    if (json_is_array(errors) && json_array_size(errors) > 0
        && (s = dash_json_str(json_array_get(errors, 0), "reason")) != NULL && *s) {
        return dash_text_log_safe(p, s, strlen(s), DASH_REASON_MAX);
    }
    if ((s = dash_json_str(err, "status")) != NULL && *s) {
        return dash_text_log_safe(p, s, strlen(s), DASH_REASON_MAX);
    }
    return NULL;
}

/* The body parsed as JSON, or NULL (a 502 page from a proxy, say). */
static json_t *body_json(apr_pool_t *p, const dash_http_req_t *req)
{
    json_t *j = NULL;
    const char *jerr = NULL;

    if (req->body_len == 0
        || dash_json_parse(&j, p, req->body, req->body_len, &jerr) != APR_SUCCESS) {
        return NULL;
    }
    return j;
}

/* "<who>: HTTP <status>[ <reason>]" */
static const char *http_failure(apr_pool_t *p, const char *who,
                                const dash_http_req_t *req, const char *reason)
{
    return apr_psprintf(p, "%s: HTTP %d%s%s", who, req->status,
                        reason ? " " : "", reason ? reason : "");
}

static int is_2xx(int status)
{
    return status >= 200 && status <= 299;
}

/*
 * Counts one finished call (docs/metrics.md): its outcome, and its time in
 * the upstream histogram. readable says whether a 2xx body was what the
 * call wanted; a failed answer is parsed once more here for Google's
 * reason, which tells quota from rate limits.
 */
static void count_call(apr_pool_t *p, const dash_google_cfg_t *g,
                       const dash_http_req_t *req, int refresh, int readable)
{
    const char *reason = NULL;
    dash_metrics_outcome_e outcome;

    if (!g->metrics) {
        return;
    }
    if (req->rv == APR_SUCCESS && !is_2xx(req->status)) {
        reason = json_reason(p, body_json(p, req));
    }
    outcome = dash_metrics_outcome_of(req->rv, req->status, reason, readable);
    if (refresh) {
        dash_metrics_refresh(g->metrics, outcome);
    }
    else {
        dash_metrics_report(g->metrics, outcome);
    }
    dash_metrics_observe(g->metrics, DASH_HIST_UPSTREAM, req->elapsed);
}

/*
 * Google failing in a way that passes: no connection, a 5xx, a spent quota
 * or a rate limit (Google sends those as 403 as well as 429). See
 * docs/behaviour.md#stale-answers-and-single-flight.
 */
static int google_failing(const dash_http_req_t *req, const char *reason)
{
    switch (dash_metrics_outcome_of(req->rv, req->status, reason, 0)) {
    case DASH_OUTCOME_CONNECT:
    case DASH_OUTCOME_HTTP_5XX:
    case DASH_OUTCOME_QUOTA:
    case DASH_OUTCOME_RATE_LIMITED:
        return 1;
    default:
        return 0;
    }
}

/* The failure kinds of the batch, in the priority order of
 * docs/api.md#errors; Google failing passably only when nothing worse
 * happened. */
enum { K_TOKEN = 0, K_TIMEOUT, K_OTHER, K_FAILING, K_N };

dash_err_e dash_google_reports(dash_reports_t *out, apr_pool_t *p,
                               const dash_google_cfg_t *g, const char *token,
                               const dash_windows_t *w,
                               const char *const *video_ids, int nvideos,
                               const char **perr)
{
    static const dash_err_e kind_err[K_N] = {
        DASH_ERR_TOKEN_EXPIRED, DASH_ERR_API_TIMEOUT, DASH_ERR_API_ERROR,
        DASH_ERR_API_UNAVAILABLE
    };
    dash_http_req_t reqs[DASH_NQ];
    const char *first[K_N] = { NULL, NULL, NULL, NULL };
    const char *herr = NULL, *sink, *late = NULL;
    apr_time_t t0;
    apr_status_t rv;
    int q, k, timed_out = 0;

    if (perr == NULL) {
        perr = &sink;
    }
    memset(out, 0, sizeof(*out));
    if (g == NULL || g->analytics_url == NULL || w == NULL) {
        *perr = "analytics: not configured";
        return DASH_ERR_INTERNAL;
    }
    if (token == NULL || !*token) {
        *perr = "analytics: no access token";
        return DASH_ERR_TOKEN_EXPIRED;
    }

    memset(reqs, 0, sizeof(reqs));
    for (q = 0; q < DASH_NQ; q++) {
        reqs[q].url = dash_google_report_url(p, g->analytics_url, (dash_query_e)q,
                                             w, video_ids, nvideos);
        reqs[q].bearer = token;
        reqs[q].max_body = DASH_REPORT_MAX_BODY;
    }

    /* One batch: the four calls share a single deadline (docs/operations.md: a miss
     * costs about one call's latency, not four). */
    t0 = apr_time_now();
    dash_metrics_upstream_enter(g->metrics);
    rv = dash_http_perform_on(g->agents, g->ca_file, p, reqs, DASH_NQ,
                              g->timeout, &herr);
    dash_metrics_upstream_leave(g->metrics);
    out->elapsed = apr_time_now() - t0;
    if (rv != APR_SUCCESS) {
        *perr = apr_pstrcat(p, "analytics: ", herr ? herr : "curl set-up failed",
                            NULL);
        return DASH_ERR_API_ERROR;
    }

    for (q = 0; q < DASH_NQ; q++) {
        timed_out |= reqs[q].rv == APR_TIMEUP;
    }
    for (q = 0; q < DASH_NQ; q++) {
        const dash_http_req_t *r = &reqs[q];
        const char *name = calls[q].name;
        const char *terr = NULL;
        const char *msg;

        if (r->rv == APR_TIMEUP) {
            k = K_TIMEOUT;
            msg = apr_psprintf(p, "%s: timeout (%s)", name, r->error);
        }
        else if (r->rv != APR_SUCCESS) {
            k = google_failing(r, NULL) ? K_FAILING : K_OTHER;
            msg = apr_psprintf(p, "%s: %s", name, r->error);
        }
        else if (r->status == 401) {
            /* Google's answer to an expired or revoked access token. */
            k = K_TOKEN;
            msg = http_failure(p, name, r, json_reason(p, body_json(p, r)));
        }
        else if (!is_2xx(r->status)) {
            const char *reason = json_reason(p, body_json(p, r));

            k = google_failing(r, reason) ? K_FAILING : K_OTHER;
            msg = http_failure(p, name, r, reason);
        }
        else if (!timed_out && apr_time_now() - t0 > g->timeout) {
            /* Reading the answers is part of the call: the deadline holds
             * for it too (docs/behaviour.md#protecting-the-host-site). When
             * a call timed out already, the batch fails anyway and the
             * others are read (they are small) and counted as they came. */
            dash_http_req_t counted = *r;

            counted.rv = APR_TIMEUP;
            count_call(p, g, &counted, 0, 0);
            if (late == NULL) {
                late = apr_psprintf(p, "%s: timeout (answer read past the "
                                    "deadline)", name);
            }
            continue;
        }
        else if (dash_table_read(&out->tables[q], p, r->body, r->body_len,
                                 &terr) != APR_SUCCESS) {
            k = K_OTHER;
            out->tables[q] = NULL;
            msg = apr_psprintf(p, "%s: not a resultTable: %s", name,
                               terr ? dash_text_log_safe(p, terr, strlen(terr), DASH_DETAIL_MAX)
                                    : "unreadable");
        }
        else {
            count_call(p, g, r, 0, 1);
            continue;
        }
        count_call(p, g, r, 0, 0);
        if (first[k] == NULL) {
            first[k] = msg;
        }
    }

    if (first[K_TIMEOUT] == NULL) {
        first[K_TIMEOUT] = late;
    }
    for (k = 0; k < K_N; k++) {
        if (first[k]) {
            /* A failed batch hands out no tables: nothing partial is
             * ever built or cached from it. */
            for (q = 0; q < DASH_NQ; q++) {
                out->tables[q] = NULL;
            }
            *perr = first[k];
            return kind_err[k];
        }
    }
    return DASH_OK;
}

/* Reads a successful token answer into out. */
/*
 * A token as RFC 6750's b64token: letters, digits, -._~+/ and trailing
 * '=', 1 to DASH_TOKEN_MAX bytes. Anything else (a CR LF that would end
 * up in a header, a quote, a space) is not a token Google issues, and
 * must be refused before it is stored.
 */
static int token_ok(const char *t)
{
    apr_size_t i, n = strlen(t);

    if (n == 0 || n > DASH_TOKEN_MAX) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(t[i]) && !strchr("-._~+/", t[i])) {
            break;
        }
    }
    while (i < n && t[i] == '=') {
        i++;
    }
    return i == n && t[0] != '=';
}

/* Reads a successful token answer into out, or refuses it whole. */
static dash_err_e read_token(dash_token_t *out, apr_pool_t *p, json_t *j,
                             int status, const char **perr)
{
    const char *access = dash_json_str(j, "access_token");
    json_t *refresh = json_object_get(j, "refresh_token");
    json_t *exp = json_object_get(j, "expires_in");
    const char *why = NULL;
    double secs = 0;

    if (json_is_number(exp)) {
        secs = json_is_integer(exp) ? (double)json_integer_value(exp)
                                    : json_real_value(exp);
    }
    if (access == NULL) {
        why = "without access_token";
    }
    else if (!token_ok(access)) {
        why = "with an access_token that is not a token";
    }
    else if (refresh != NULL && !json_is_null(refresh)
             && !(json_is_string(refresh)
                  && (!*json_string_value(refresh)
                      || token_ok(json_string_value(refresh))))) {
        why = "with a refresh_token that is not a token";
    }
    else if (!json_is_number(exp)) {
        why = "without a numeric expires_in";
    }
    /* Google says 3599; a day is more than any access token lives. */
    else if (!(secs >= 1) || secs > DASH_TOKEN_MAX_LIFETIME) {
        why = "with expires_in out of range";
    }
    if (why != NULL) {
        *perr = apr_psprintf(p, "token endpoint: HTTP %d answer %s", status,
                             why);
        return DASH_ERR_API_ERROR;
    }
    out->access_token = apr_pstrdup(p, access);
    /* Rounded down: never believe a token lives longer than it does. */
    out->expires_in = (long)floor(secs);
    /* Google usually keeps the refresh token; a new one replaces it. */
    out->refresh_token = json_is_string(refresh) && *json_string_value(refresh)
                         ? apr_pstrdup(p, json_string_value(refresh)) : NULL;
    return DASH_OK;
}

dash_err_e dash_google_token_answer(dash_token_t *out, apr_pool_t *p,
                                    const dash_http_req_t *req,
                                    const char **perr)
{
    const char *reason;
    json_t *j;

    if (req->rv == APR_TIMEUP) {
        *perr = apr_pstrcat(p, "token endpoint: timeout (", req->error, ")", NULL);
        return DASH_ERR_API_TIMEOUT;
    }
    if (req->rv != APR_SUCCESS) {
        *perr = apr_pstrcat(p, "token endpoint: ", req->error, NULL);
        return google_failing(req, NULL) ? DASH_ERR_API_UNAVAILABLE
                                         : DASH_ERR_API_ERROR;
    }

    j = body_json(p, req);
    reason = json_reason(p, j);
    /* Google answers a revoked or expired refresh token with 400
     * invalid_grant: the user must reconnect, so it is a 401 for us. Any
     * other OAuth error (invalid_client: the site's client is wrong) is
     * not the user's fault and stays a 502. */
    if (reason && strcmp(reason, "invalid_grant") == 0) {
        *perr = http_failure(p, "token endpoint", req, reason);
        return DASH_ERR_TOKEN_EXPIRED;
    }
    if (!is_2xx(req->status)) {
        *perr = http_failure(p, "token endpoint", req, reason);
        /* OAuth has no quota reasons: only a 5xx or a 429 passes. */
        return google_failing(req, NULL) ? DASH_ERR_API_UNAVAILABLE
                                         : DASH_ERR_API_ERROR;
    }
    /* jansson's parse error quotes the body, which may hold a token:
     * only say that it did not parse. */
    if (!json_is_object(j)) {
        *perr = apr_psprintf(p, "token endpoint: HTTP %d answer is not a JSON "
                             "object", req->status);
        return DASH_ERR_API_ERROR;
    }
    return read_token(out, p, j, req->status, perr);
}

dash_err_e dash_google_refresh(dash_token_t *out, apr_pool_t *p,
                               const dash_google_cfg_t *g,
                               const char *refresh_token, const char **perr)
{
    dash_http_req_t req;
    const char *herr = NULL, *sink;
    apr_status_t rv;
    dash_err_e e;

    if (perr == NULL) {
        perr = &sink;
    }
    memset(out, 0, sizeof(*out));
    if (g == NULL || g->client_id == NULL || !*g->client_id
        || g->client_secret == NULL || !*g->client_secret) {
        *perr = "token endpoint: DashboardOAuthClient is not set";
        return DASH_ERR_API_ERROR;
    }
    if (g->token_url == NULL || !*g->token_url) {
        *perr = "token endpoint: DashboardTokenURL is not set";
        return DASH_ERR_API_ERROR;
    }
    /* docs/behaviour.md#tokens: without a refresh token the user has to reconnect. */
    if (refresh_token == NULL || !*refresh_token) {
        *perr = "token endpoint: the channel has no refresh token";
        return DASH_ERR_TOKEN_EXPIRED;
    }

    memset(&req, 0, sizeof(req));
    req.url = g->token_url;
    req.max_body = DASH_TOKEN_MAX_BODY;
    req.form = apr_pstrcat(p, "grant_type=refresh_token",
                           "&refresh_token=", dash_text_pct_encode(p, refresh_token),
                           "&client_id=", dash_text_pct_encode(p, g->client_id),
                           "&client_secret=", dash_text_pct_encode(p, g->client_secret),
                           NULL);

    dash_metrics_upstream_enter(g->metrics);
    rv = dash_http_perform_on(g->agents, g->ca_file, p, &req, 1, g->timeout,
                              &herr);
    dash_metrics_upstream_leave(g->metrics);
    if (rv != APR_SUCCESS) {
        *perr = apr_pstrcat(p, "token endpoint: ", herr ? herr : "curl set-up failed",
                            NULL);
        return DASH_ERR_API_ERROR;
    }
    e = dash_google_token_answer(out, p, &req, perr);
    count_call(p, g, &req, 1, e == DASH_OK);
    return e;
}

