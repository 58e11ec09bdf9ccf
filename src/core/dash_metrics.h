/*
 * The counters of docs/metrics.md: a fixed layout over one
 * block of memory that every child process of a server maps (the glue
 * puts it in anonymous shared memory before the children are forked).
 *
 * Updates are single apr_atomic_* operations, so the request path takes
 * no lock and threads and processes may count at once. Every update
 * function accepts m == NULL and then does nothing: that is
 * "DashboardMetrics Off", and the call sites need no test of their own.
 */
#ifndef DASH_METRICS_H
#define DASH_METRICS_H

#include <apr_errno.h>
#include <apr_pools.h>
#include <apr_time.h>

typedef struct dash_metrics_t dash_metrics_t;

/* The handlers counted by mod_dashboard_requests_total{endpoint}. */
typedef enum {
    DASH_METRICS_ACCOUNTS = 0,
    DASH_METRICS_STATS,
    DASH_METRICS_CACHE,
    DASH_METRICS_ENDPOINTS
} dash_metrics_endpoint_e;

/* How a successful stats answer was served: X-Dashboard-Cache. */
typedef enum {
    DASH_SERVED_HIT = 0,
    DASH_SERVED_MISS,
    DASH_SERVED_BYPASS,
    DASH_SERVED_STALE,
    DASH_SERVED_N
} dash_metrics_served_e;

/*
 * How one upstream call (an Analytics report, a token refresh) ended.
 * NONE is "no call was made" (nothing counted), so a zeroed record means
 * exactly that.
 */
typedef enum {
    DASH_OUTCOME_NONE = 0,
    DASH_OUTCOME_OK,
    DASH_OUTCOME_TIMEOUT,
    DASH_OUTCOME_HTTP_4XX,
    DASH_OUTCOME_HTTP_5XX,
    DASH_OUTCOME_QUOTA,
    DASH_OUTCOME_RATE_LIMITED,
    DASH_OUTCOME_PARSE,
    DASH_OUTCOME_CONNECT,
    DASH_OUTCOME_N
} dash_metrics_outcome_e;

/* How a single-flight wait for another request's fill ended
 * (docs/behaviour.md#stale-answers-and-single-flight). */
typedef enum {
    DASH_METRICS_WAIT_FILLED = 0,  /* the value appeared: answered as a hit */
    DASH_METRICS_WAIT_TAKEN,       /* the holder left without a value: fetched itself */
    DASH_METRICS_WAIT_TIMEOUT,     /* DashboardLockWait ran out: fetched itself */
    DASH_METRICS_WAIT_ERROR,       /* Redis failed while waiting: fetched itself */
    DASH_METRICS_WAIT_N
} dash_metrics_wait_e;

/* What a miss refused by the user's fetch budget answered
 * (docs/behaviour.md#fetch-budget). */
typedef enum {
    DASH_METRICS_BUDGET_STALE = 0, /* the expired value, as stale */
    DASH_METRICS_BUDGET_429,       /* 429 RATE_LIMITED */
    DASH_METRICS_BUDGET_N
} dash_metrics_budget_e;

typedef enum {
    DASH_HIST_STATS = 0,       /* the stats handler, first to last byte */
    DASH_HIST_UPSTREAM,        /* one HTTP call to Google */
    DASH_HIST_N
} dash_metrics_hist_e;

/* Bytes the block needs. */
apr_size_t dash_metrics_size(void);

/* Lays the block out over mem (dash_metrics_size() bytes, 8-byte
 * aligned), every counter at zero. */
dash_metrics_t *dash_metrics_init(void *mem);

/* A handler's answer; statuses outside the fixed set count as "other". */
void dash_metrics_request(dash_metrics_t *m, dash_metrics_endpoint_e ep,
                          int status);
/* A successful stats answer, by its X-Dashboard-Cache value ("hit",
 * "miss", "bypass", "stale"); any other value is not counted. */
void dash_metrics_served(dash_metrics_t *m, const char *how);
/* DASH_OUTCOME_NONE is not counted. */
void dash_metrics_report(dash_metrics_t *m, dash_metrics_outcome_e outcome);
void dash_metrics_refresh(dash_metrics_t *m, dash_metrics_outcome_e outcome);
void dash_metrics_wait(dash_metrics_t *m, dash_metrics_wait_e how);
void dash_metrics_budget_refused(dash_metrics_t *m,
                                 dash_metrics_budget_e answer);
void dash_metrics_redis_error(dash_metrics_t *m);
void dash_metrics_db_error(dash_metrics_t *m);
/* A request starts / stops waiting on Google (a gauge). */
void dash_metrics_upstream_enter(dash_metrics_t *m);
void dash_metrics_upstream_leave(dash_metrics_t *m);
/* One observation; a negative duration (the clock stepped) counts as 0. */
void dash_metrics_observe(dash_metrics_t *m, dash_metrics_hist_e h,
                          apr_interval_time_t d);

/*
 * The outcome of one call, from what came back: rv as dash_http_req_t's
 * (APR_SUCCESS when an answer with `status` arrived, APR_TIMEUP, APR_ENOSPC
 * for a body over its cap, anything else for no answer), Google's short
 * error reason or NULL, and whether a 2xx body could be read. Quota and
 * rate limits are told apart by Google's reason (a 403 carries either),
 * and a 429 is a rate limit unless its reason says quota.
 */
dash_metrics_outcome_e dash_metrics_outcome_of(apr_status_t rv, int status,
                               const char *reason, int readable);

/*
 * Reading the figures: each family (its name, type, help) and then its
 * samples (full sample name, labels without braces or "", value). The
 * Prometheus text and mod_status's page are two visitors of the same
 * walk, so the two always show the same lines. m == NULL walks
 * build_info alone.
 */
typedef struct {
    const char *name;
    const char *type;          /* "counter", "gauge", "histogram" */
    const char *help;
} dash_metrics_family_t;

typedef struct {
    void (*family)(void *ctx, const dash_metrics_family_t *f);
    void (*sample)(void *ctx, const char *name, const char *labels,
                   const char *value);
} dash_metrics_visitor_t;

void dash_metrics_visit(const dash_metrics_t *m, const char *version,
                        apr_pool_t *p, const dash_metrics_visitor_t *v,
                        void *ctx);

/* The Prometheus text exposition format 0.0.4, allocated from p. */
char *dash_metrics_text(const dash_metrics_t *m, const char *version,
                        apr_pool_t *p, apr_size_t *len);

#endif
