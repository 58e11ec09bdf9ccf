/*
 * The counters of docs/metrics.md (see dash_metrics.h).
 *
 * Every counter is 64 bits wide and changed only by apr_atomic_*64, which
 * APR 1.7 builds from the compiler's atomic builtins (one lock-prefixed
 * instruction on x86-64): they work on memory shared between processes,
 * where a mutex of APR's own would not. 64 bits also keep a histogram's
 * sum in microseconds from wrapping (32 bits would after 71 minutes).
 *
 * A histogram keeps one count per bucket, not cumulative counts, and no
 * count of its own: the reader adds them up, so +Inf always equals
 * _count even while requests are counting, as Prometheus requires.
 */
#include <string.h>

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "dash_metrics.h"

/* The statuses the three handlers answer (docs/api.md#errors, and 304 of
 * docs/api.md#conditional-get). */
static const int statuses[] = {
    200, 304, 400, 401, 403, 404, 405, 429, 500, 502, 503, 504
};
#define NSTATUS (int)(sizeof(statuses) / sizeof(statuses[0]))

static const char *const endpoint_names[DASH_METRICS_ENDPOINTS] = {
    "accounts", "stats", "cache"
};
static const char *const served_names[DASH_SERVED_N] = {
    "hit", "miss", "bypass", "stale"
};
static const char *const outcome_names[DASH_OUTCOME_N] = {
    "none", "ok", "timeout", "http_4xx", "http_5xx", "quota",
    "rate_limited", "parse", "connect"
};
static const char *const wait_names[DASH_METRICS_WAIT_N] = {
    "filled", "taken", "timeout", "error"
};
static const char *const budget_names[DASH_METRICS_BUDGET_N] = {
    "stale", "rate_limited"
};

/* Upper bounds, in microseconds and as the `le` label. From a Redis hit
 * (milliseconds) to DashboardUpstreamTimeout's default (10 s) and past. */
typedef struct {
    apr_interval_time_t us;
    const char *le;
} bucket_t;

static const bucket_t buckets[] = {
    { 5000, "0.005" }, { 10000, "0.01" }, { 25000, "0.025" },
    { 50000, "0.05" }, { 100000, "0.1" }, { 250000, "0.25" },
    { 500000, "0.5" }, { 1000000, "1" }, { 2500000, "2.5" },
    { 5000000, "5" }, { 10000000, "10" }, { 30000000, "30" }
};
#define NBUCKET (int)(sizeof(buckets) / sizeof(buckets[0]))

typedef struct {
    volatile apr_uint64_t in[NBUCKET + 1];   /* the last one is +Inf only */
    volatile apr_uint64_t sum_us;
} hist_t;

struct dash_metrics_t {
    volatile apr_uint64_t requests[DASH_METRICS_ENDPOINTS][NSTATUS + 1];
    volatile apr_uint64_t served[DASH_SERVED_N];
    volatile apr_uint64_t reports[DASH_OUTCOME_N];
    volatile apr_uint64_t refreshes[DASH_OUTCOME_N];
    volatile apr_uint64_t waits[DASH_METRICS_WAIT_N];
    volatile apr_uint64_t budget[DASH_METRICS_BUDGET_N];
    volatile apr_uint64_t redis_errors;
    volatile apr_uint64_t db_errors;
    volatile apr_uint64_t upstream_in_flight;
    hist_t hist[DASH_HIST_N];
};

apr_size_t dash_metrics_size(void)
{
    return sizeof(dash_metrics_t);
}

dash_metrics_t *dash_metrics_init(void *mem)
{
    memset(mem, 0, sizeof(dash_metrics_t));
    return mem;
}

void dash_metrics_request(dash_metrics_t *m, dash_metrics_endpoint_e ep,
                          int status)
{
    int i;

    if (!m || (unsigned)ep >= DASH_METRICS_ENDPOINTS) {
        return;
    }
    for (i = 0; i < NSTATUS && statuses[i] != status; i++) {
    }
    apr_atomic_inc64(&m->requests[ep][i]);
}

void dash_metrics_served(dash_metrics_t *m, const char *how)
{
    int i;

    if (!m || !how) {
        return;
    }
    for (i = 0; i < DASH_SERVED_N; i++) {
        if (!strcmp(served_names[i], how)) {
            apr_atomic_inc64(&m->served[i]);
            return;
        }
    }
}

static void count_outcome(volatile apr_uint64_t *row,
                          dash_metrics_outcome_e outcome)
{
    if (outcome != DASH_OUTCOME_NONE && (unsigned)outcome < DASH_OUTCOME_N) {
        apr_atomic_inc64(&row[outcome]);
    }
}

void dash_metrics_report(dash_metrics_t *m, dash_metrics_outcome_e outcome)
{
    if (m) {
        count_outcome(m->reports, outcome);
    }
}

void dash_metrics_refresh(dash_metrics_t *m, dash_metrics_outcome_e outcome)
{
    if (m) {
        count_outcome(m->refreshes, outcome);
    }
}

void dash_metrics_wait(dash_metrics_t *m, dash_metrics_wait_e how)
{
    if (m && (unsigned)how < DASH_METRICS_WAIT_N) {
        apr_atomic_inc64(&m->waits[how]);
    }
}

void dash_metrics_budget_refused(dash_metrics_t *m,
                                 dash_metrics_budget_e answer)
{
    if (m && (unsigned)answer < DASH_METRICS_BUDGET_N) {
        apr_atomic_inc64(&m->budget[answer]);
    }
}

void dash_metrics_redis_error(dash_metrics_t *m)
{
    if (m) {
        apr_atomic_inc64(&m->redis_errors);
    }
}

void dash_metrics_db_error(dash_metrics_t *m)
{
    if (m) {
        apr_atomic_inc64(&m->db_errors);
    }
}

void dash_metrics_upstream_enter(dash_metrics_t *m)
{
    if (m) {
        apr_atomic_inc64(&m->upstream_in_flight);
    }
}

void dash_metrics_upstream_leave(dash_metrics_t *m)
{
    if (m) {
        apr_atomic_dec64(&m->upstream_in_flight);
    }
}

void dash_metrics_observe(dash_metrics_t *m, dash_metrics_hist_e h,
                          apr_interval_time_t d)
{
    hist_t *hist;
    int i;

    if (!m || (unsigned)h >= DASH_HIST_N) {
        return;
    }
    if (d < 0) {
        d = 0;
    }
    hist = &m->hist[h];
    for (i = 0; i < NBUCKET && d > buckets[i].us; i++) {
    }
    apr_atomic_inc64(&hist->in[i]);
    apr_atomic_add64(&hist->sum_us, (apr_uint64_t)d);
}

/* Google's reasons for a spent quota (the Data API's and the older
 * global ones) and for a rate limit; OAuth has no quota reason. */
static const char *const quota_reasons[] = {
    "quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg", NULL
};
static const char *const rate_reasons[] = {
    "rateLimitExceeded", "userRateLimitExceeded", NULL
};

static int listed(const char *const *list, const char *s)
{
    for (; s && *list; list++) {
        if (!strcmp(*list, s)) {
            return 1;
        }
    }
    return 0;
}

dash_metrics_outcome_e dash_metrics_outcome_of(apr_status_t rv, int status,
                               const char *reason, int readable)
{
    if (rv == APR_TIMEUP) {
        return DASH_OUTCOME_TIMEOUT;
    }
    if (rv == APR_ENOSPC) {
        return DASH_OUTCOME_PARSE;
    }
    if (rv != APR_SUCCESS) {
        return DASH_OUTCOME_CONNECT;
    }
    if (status >= 200 && status <= 299) {
        return readable ? DASH_OUTCOME_OK : DASH_OUTCOME_PARSE;
    }
    if (listed(quota_reasons, reason)) {
        return DASH_OUTCOME_QUOTA;
    }
    if (status == 429 || listed(rate_reasons, reason)) {
        return DASH_OUTCOME_RATE_LIMITED;
    }
    /* 1xx and 3xx are not followed: they count with the 4xx. */
    return status >= 500 ? DASH_OUTCOME_HTTP_5XX : DASH_OUTCOME_HTTP_4XX;
}

/* ---- reading ----------------------------------------------------------- */

/* apr_atomic_read64 takes a non-const pointer; reading never writes. */
static apr_uint64_t get(const volatile apr_uint64_t *c)
{
    return apr_atomic_read64((volatile apr_uint64_t *)c);
}

typedef struct {
    const dash_metrics_visitor_t *v;
    void *ctx;
    apr_pool_t *p;
} walk_t;

static void family(walk_t *w, const char *name, const char *type,
                   const char *help)
{
    dash_metrics_family_t f;

    f.name = name;
    f.type = type;
    f.help = help;
    w->v->family(w->ctx, &f);
}

static void sample(walk_t *w, const char *name, const char *labels,
                   apr_uint64_t value)
{
    w->v->sample(w->ctx, name, labels,
                 apr_psprintf(w->p, "%" APR_UINT64_T_FMT, value));
}

/* One counter family with one label over an array of counters. */
static void labelled(walk_t *w, const char *name, const char *help,
                     const char *label, const char *const *values,
                     const volatile apr_uint64_t *counts, int first, int n)
{
    int i;

    family(w, name, "counter", help);
    for (i = first; i < n; i++) {
        sample(w, name, apr_psprintf(w->p, "%s=\"%s\"", label, values[i]),
               get(&counts[i]));
    }
}

static void histogram(walk_t *w, const char *name, const char *help,
                      const hist_t *h)
{
    const char *bucket = apr_pstrcat(w->p, name, "_bucket", NULL);
    apr_uint64_t total = 0;
    apr_uint64_t sum_us;
    int i;

    family(w, name, "histogram", help);
    for (i = 0; i <= NBUCKET; i++) {
        total += get(&h->in[i]);
        sample(w, bucket, apr_psprintf(w->p, "le=\"%s\"",
               i < NBUCKET ? buckets[i].le : "+Inf"), total);
    }
    sum_us = get(&h->sum_us);
    w->v->sample(w->ctx, apr_pstrcat(w->p, name, "_sum", NULL), "",
                 apr_psprintf(w->p, "%" APR_UINT64_T_FMT ".%06" APR_UINT64_T_FMT,
                              sum_us / 1000000, sum_us % 1000000));
    sample(w, apr_pstrcat(w->p, name, "_count", NULL), "", total);
}

/* A label value in the exposition format: \, " and newline escaped. */
static const char *label_value(apr_pool_t *p, const char *s)
{
    apr_size_t n = strlen(s), i, o = 0;
    char *out = apr_palloc(p, 2 * n + 1);

    for (i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '"') {
            out[o++] = '\\';
            out[o++] = s[i];
        }
        else if (s[i] == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        }
        else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

void dash_metrics_visit(const dash_metrics_t *m, const char *version,
                        apr_pool_t *p, const dash_metrics_visitor_t *v,
                        void *ctx)
{
    walk_t w;
    int e, s;

    w.v = v;
    w.ctx = ctx;
    w.p = p;
    family(&w, "mod_dashboard_build_info", "gauge",
           "The module's version; always 1.");
    w.v->sample(ctx, "mod_dashboard_build_info",
                apr_psprintf(p, "version=\"%s\"",
                             label_value(p, version ? version : "")), "1");
    if (!m) {
        return;
    }

    family(&w, "mod_dashboard_requests_total", "counter",
           "Requests answered by the dashboard handlers, by endpoint and "
           "HTTP status.");
    for (e = 0; e < DASH_METRICS_ENDPOINTS; e++) {
        for (s = 0; s <= NSTATUS; s++) {
            sample(&w, "mod_dashboard_requests_total",
                   s < NSTATUS
                   ? apr_psprintf(p, "endpoint=\"%s\",status=\"%d\"",
                                  endpoint_names[e], statuses[s])
                   : apr_psprintf(p, "endpoint=\"%s\",status=\"other\"",
                                  endpoint_names[e]),
                   get(&m->requests[e][s]));
        }
    }
    labelled(&w, "mod_dashboard_stats_cache_total",
             "Successful stats answers by how they were served "
             "(X-Dashboard-Cache).",
             "outcome", served_names, m->served, 0, DASH_SERVED_N);
    labelled(&w, "mod_dashboard_google_reports_total",
             "YouTube Analytics reports.query calls by outcome; each is "
             "quota spent.",
             "outcome", outcome_names, m->reports, DASH_OUTCOME_OK,
             DASH_OUTCOME_N);
    labelled(&w, "mod_dashboard_google_token_refreshes_total",
             "OAuth token refresh calls by outcome.",
             "outcome", outcome_names, m->refreshes, DASH_OUTCOME_OK,
             DASH_OUTCOME_N);
    labelled(&w, "mod_dashboard_singleflight_waits_total",
             "Waits for another request's fill of the same cache key, by how "
             "they ended.",
             "outcome", wait_names, m->waits, 0, DASH_METRICS_WAIT_N);
    labelled(&w, "mod_dashboard_fetch_budget_refusals_total",
             "Stats misses refused a Google fetch because the user's fetch "
             "budget was spent, by what they answered instead.",
             "answer", budget_names, m->budget, 0, DASH_METRICS_BUDGET_N);
    family(&w, "mod_dashboard_redis_errors_total", "counter",
           "Redis operations that failed (the request went on uncached).");
    sample(&w, "mod_dashboard_redis_errors_total", "", get(&m->redis_errors));
    family(&w, "mod_dashboard_database_errors_total", "counter",
           "Database work that failed after its retries (answered "
           "DATABASE_UNAVAILABLE).");
    sample(&w, "mod_dashboard_database_errors_total", "", get(&m->db_errors));
    family(&w, "mod_dashboard_upstream_in_flight", "gauge",
           "Requests waiting on Google right now.");
    sample(&w, "mod_dashboard_upstream_in_flight", "",
           get(&m->upstream_in_flight));
    histogram(&w, "mod_dashboard_stats_duration_seconds",
              "Time the stats handler took to answer, any status.",
              &m->hist[DASH_HIST_STATS]);
    histogram(&w, "mod_dashboard_upstream_duration_seconds",
              "Time of one HTTP call to Google (a report or a token "
              "refresh), any outcome.",
              &m->hist[DASH_HIST_UPSTREAM]);
}

/* ---- the Prometheus text format ---------------------------------------- */

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *parts;
} text_t;

static void text_family(void *ctx, const dash_metrics_family_t *f)
{
    text_t *t = ctx;

    APR_ARRAY_PUSH(t->parts, const char *) =
        apr_psprintf(t->p, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help,
                     f->name, f->type);
}

static void text_sample(void *ctx, const char *name, const char *labels,
                        const char *value)
{
    text_t *t = ctx;

    APR_ARRAY_PUSH(t->parts, const char *) =
        *labels ? apr_pstrcat(t->p, name, "{", labels, "} ", value, "\n", NULL)
                : apr_pstrcat(t->p, name, " ", value, "\n", NULL);
}

char *dash_metrics_text(const dash_metrics_t *m, const char *version,
                        apr_pool_t *p, apr_size_t *len)
{
    static const dash_metrics_visitor_t visitor = { text_family, text_sample };
    text_t t;
    char *out;

    t.p = p;
    t.parts = apr_array_make(p, 128, sizeof(const char *));
    dash_metrics_visit(m, version, p, &visitor, &t);
    out = apr_array_pstrcat(p, t.parts, '\0');
    if (len) {
        *len = strlen(out);
    }
    return out;
}
