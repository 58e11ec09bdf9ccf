/*
 * GET /dashboard/stats (docs/api.md#stats): account choice, upload counts,
 * the Redis cache, token refresh and the four Analytics calls, glued
 * together (docs/behaviour.md).
 */
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>             /* malloc_trim */
#endif

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_allocator.h"
#include "apr_strings.h"

#include "mod_dashboard_config.h"
#include "mod_dashboard_db.h"
#include "mod_dashboard_handlers.h"
#include "mod_dashboard_request.h"
#include "mod_dashboard_upstream.h"
#include "dash_budget.h"
#include "dash_cache.h"
#include "dash_flight.h"
#include "dash_json.h"
#include "dash_stats.h"
#include "dash_text.h"

APLOG_USE_MODULE(dashboard);

typedef struct {
    request_rec *r;
    dashboard_srv_cfg_t *cfg;
    const char *user;
    const char *wanted;            /* platform_user_id parameter, or NULL */
    dash_mode_e mode;
    const char *mode_name;         /* NULL until mode is known to be valid */
    dash_windows_t win;

    dash_err_e choice;             /* the account choice's outcome */
    const dash_account_t *account;
    long current, previous, total; /* docs/behaviour.md#upload-counts */
    apr_array_header_t *videos;    /* dash_video_t, newest first */
    dash_credentials_t cred;

    dash_flight_cfg_t flight_cfg;
    dash_flight_t flight;          /* the cache's side of the request */
    const char *cache_state;       /* hit | miss | bypass | stale */
    apr_interval_time_t upstream;
} dashboard_stats_req_t;

/* docs/behaviour.md#account-choice, over the deduplicated list; the
 * chosen channel's counts come with it. */
static dash_err_e choose_account(dashboard_stats_req_t *st, const apr_array_header_t *list)
{
    const dash_channel_t *c = NULL;
    int i;

    if (list->nelts == 0) {
        return DASH_ERR_NOT_CONNECTED;
    }
    if (st->wanted) {
        for (i = 0; i < list->nelts && !c; i++) {
            const dash_channel_t *a = &APR_ARRAY_IDX(list, i, dash_channel_t);

            if (!strcmp(a->account.platform_user_id, st->wanted)) {
                c = a;
            }
        }
        if (!c) {
            return DASH_ERR_ACCOUNT_NOT_FOUND;
        }
    }
    else if (list->nelts > 1) {
        return DASH_ERR_ACCOUNT_SELECTION_REQUIRED;
    }
    else {
        c = &APR_ARRAY_IDX(list, 0, dash_channel_t);
    }
    st->account = &c->account;
    st->current = c->current;
    st->previous = c->previous;
    st->total = c->total;
    return DASH_OK;
}

/* The choice and the counts: one statement, one round trip. */
static apr_status_t load_channel(void *ctx, apr_pool_t *p, dash_db_t *db,
                                 const char **perr)
{
    dashboard_stats_req_t *st = ctx;
    apr_array_header_t *list;
    apr_status_t rv = dash_store_channels(&list, p, db, st->user, st->wanted,
                                          &st->win, perr);

    if (rv == APR_SUCCESS) {
        st->choice = choose_account(st, list);
    }
    return rv;
}

static apr_status_t load_uploads(void *ctx, apr_pool_t *p, dash_db_t *db,
                                 const char **perr)
{
    dashboard_stats_req_t *st = ctx;
    apr_status_t rv = dash_store_recent(&st->videos, p, db, st->user,
                                        st->account->platform_user_id,
                                        (int)st->cfg->max_videos, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Only a miss reads the tokens: the clock's text is made here, not on
     * every hit. */
    return dash_store_credentials(&st->cred, p, db, st->account->id,
                                  st->user,
                                  dash_dates_local_timestamp(p, apr_time_now()),
                                  perr);
}

typedef struct {
    dashboard_stats_req_t *st;
    const dash_token_t *token;
    const char *expires_at;
} dashboard_save_job_t;

static apr_status_t save_token(void *ctx, apr_pool_t *p, dash_db_t *db,
                               const char **perr)
{
    dashboard_save_job_t *job = ctx;

    return dash_store_save_token(p, db, job->st->account->id,
                                 job->token->access_token, job->expires_at,
                                 job->token->refresh_token, perr);
}

/* Logs the one info line of docs/behaviour.md#logging and answers. */
static int finish(dashboard_stats_req_t *st, int rc)
{
    request_rec *r = st->r;

    /* A lock still held here belongs to a fetch that failed or had
     * nothing to store: let the waiters go now. */
    dash_flight_release(&st->flight, r->pool, NULL);

    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  DASHLOGNO(0501) "stats user=%s channel=%s mode=%s cache=%s "
                  "upstream=%" APR_TIME_T_FMT "ms status=%d",
                  st->user, st->account ? st->account->platform_user_id
                  : (st->wanted ? st->wanted : "-"),
                  st->mode_name ? st->mode_name : "-",
                  st->cache_state ? st->cache_state : "-",
                  apr_time_as_msec(st->upstream), r->status);
    return rc;
}

/* dashboard_db_run, with its failures counted (docs/metrics.md). */
static apr_status_t db_run(dashboard_stats_req_t *st, dashboard_db_fn fn,
                           void *ctx)
{
    apr_status_t rv = dashboard_db_run(st->r, fn, ctx);

    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        dash_metrics_db_error(st->cfg->metrics);
    }
    return rv;
}

static int fail(dashboard_stats_req_t *st, dash_err_e err)
{
    return finish(st, dashboard_reply_error(st->r, err));
}

/* Every answer goes through a template: the counts spliced into the
 * body (docs/behaviour.md#upload-counts). */
static int reply_tpl(dashboard_stats_req_t *st, const dash_stats_tpl_t *tpl)
{
    /* The ETag from the template's digest and the counts
     * (docs/api.md#conditional-get): known before the body, so a 304
     * does not make one. */
    const char *etag = dash_etag_counts(st->r->pool, tpl->digest,
                                        st->current, st->previous);
    apr_size_t len;
    char *body;

    apr_table_setn(st->r->headers_out, "X-Dashboard-Cache", st->cache_state);
    dash_metrics_served(st->cfg->metrics, st->cache_state);
    if (dashboard_reply_unchanged(st->r, etag)) {
        return finish(st, OK);
    }
    body = dash_stats_fill(st->r->pool, tpl, st->current, st->previous, &len);
    return finish(st, dashboard_reply_json(st->r, body, len, etag));
}

static int reply(dashboard_stats_req_t *st, json_t *resp)
{
    dash_stats_tpl_t tpl;

    if (!resp || dash_stats_template(&tpl, st->r->pool, resp) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, st->r,
                      DASHLOGNO(0502) "cannot serialize the stats response");
        return fail(st, DASH_ERR_INTERNAL);
    }
    return reply_tpl(st, &tpl);
}

/* The module's own values are a few kB; one larger than this was written by
 * someone else, and its parse may cost many MB of small objects. */
#define DASHBOARD_LARGE_VALUE (64 * 1024)

/*
 * A large value's parse, in a pool with an allocator of its own that is
 * destroyed with it, and the memory given back to the system right after:
 * otherwise the parse's peak stays in the child's resident size for good
 * (jansson's objects go back to malloc's free lists, not to the system;
 * seen: 75 MB kept by a child after six values of 1 MB,
 * docs/reliability.md). Only the template, a few kB, is made in p.
 */
static int decode_large(apr_pool_t *p, const char *val, apr_size_t len,
                        dash_stats_tpl_t *tpl, apr_int64_t *fetched_at)
{
    apr_allocator_t *alloc;
    apr_pool_t *scratch;
    json_t *resp;
    int ok;

    if (apr_allocator_create(&alloc) != APR_SUCCESS) {
        return 0;
    }
    if (apr_pool_create_ex(&scratch, p, NULL, alloc) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return 0;
    }
    apr_allocator_owner_set(alloc, scratch);
    resp = dash_cache_value_decode(scratch, val, len, fetched_at);
    ok = resp && dash_stats_template(tpl, p, resp) == APR_SUCCESS;
    apr_pool_destroy(scratch);
#ifdef __GLIBC__
    malloc_trim(0);
#endif
    return ok;
}

/*
 * dash_flight's view of a stored value: the template answered from it.
 * Bytes this child has validated (or written) before come straight from
 * the memo; any other bytes are validated in full and remembered.
 */
static int decode_value(void *baton, apr_pool_t *p, const char *val,
                        apr_size_t len, void **value, apr_int64_t *fetched_at)
{
    dashboard_stats_req_t *st = baton;
    dash_stats_tpl_t *tpl = apr_palloc(p, sizeof(*tpl));
    json_t *resp;
    int large = len > DASHBOARD_LARGE_VALUE, ok;

    if (st->cfg->memo && dash_memo_get(st->cfg->memo, p, st->flight_cfg.key,
                                       val, len, tpl, fetched_at)) {
        *value = tpl;
        return 1;
    }
    ok = large ? decode_large(p, val, len, tpl, fetched_at)
       : ((resp = dash_cache_value_decode(p, val, len, fetched_at)) != NULL
          && dash_stats_template(tpl, p, resp) == APR_SUCCESS);
    if (!ok) {
        return 0;
    }
    if (st->cfg->memo) {
        dash_memo_put(st->cfg->memo, st->flight_cfg.key, val, len, tpl,
                      *fetched_at);
    }
    *value = tpl;
    return 1;
}

static void log_bypass(dashboard_stats_req_t *st)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, st->r,
                  DASHLOGNO(0503) "Redis %s unavailable (%s): serving uncached",
                  st->cfg->redis_display, st->flight.err ? st->flight.err : "?");
}

/*
 * docs/behaviour.md#stale-answers-and-single-flight, first half: one GET.
 * A hit, or a fetch still to claim (cache_claim). Redis failing means
 * "bypass", never an error. Returns the template to answer, or NULL.
 */
static const dash_stats_tpl_t *cache_lookup(dashboard_stats_req_t *st,
                                            const char *key)
{
    request_rec *r = st->r;
    dash_flight_cfg_t *fc = &st->flight_cfg;

    if (!st->cfg->redis) {
        st->cache_state = "bypass";
        return NULL;
    }
    fc->redis = st->cfg->redis;
    fc->key = key;
    fc->cache_ttl = st->cfg->cache_ttl;
    fc->stale_ttl = st->cfg->stale_ttl;
    /* The holder's two Google steps, a token refresh then the four calls,
     * one DashboardUpstreamTimeout each; not its token write-back nor its
     * Redis commands, which DashboardLockWait's default adds. */
    fc->lock_ttl = apr_time_from_msec(2 * st->cfg->upstream_timeout_ms);
    fc->lock_wait = apr_time_from_msec(st->cfg->lock_wait_ms);
    fc->max_value = (apr_size_t)st->cfg->max_value_size;
    fc->decode = decode_value;
    fc->baton = st;
    dash_flight_look(&st->flight, r->pool, fc);
    st->cache_state = dash_flight_name(st->flight.what);
    if (st->flight.what == DASH_FLIGHT_BYPASS) {
        log_bypass(st);
    }
    if (st->flight.invalid) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      DASHLOGNO(0504) "ignoring an invalid cached value at "
                      "%s (%s): fetching and overwriting it", key,
                      st->flight.invalid_why ? st->flight.invalid_why : "?");
    }
    return st->flight.what == DASH_FLIGHT_HIT ? st->flight.resp : NULL;
}

/*
 * The second half, once this request's own database work is done, so
 * that none of it happens while holding the key (where each waiter would
 * pay for it in turn): the key's lock, or the expired value while another
 * request refreshes it, or a wait for that request's value. Returns the
 * template to answer, or NULL for a fetch.
 */
static const dash_stats_tpl_t *cache_claim(dashboard_stats_req_t *st)
{
    request_rec *r = st->r;

    if (!st->cfg->redis || st->flight.what != DASH_FLIGHT_FETCH) {
        return NULL;
    }
    dash_flight_claim(&st->flight, r->pool, &st->flight_cfg);
    st->cache_state = dash_flight_name(st->flight.what);
    if (st->flight.what == DASH_FLIGHT_BYPASS) {
        log_bypass(st);
    }
    if (st->flight.waited != DASH_FLIGHT_WAIT_NONE) {
        static const dash_metrics_wait_e counted[] = {
            [DASH_FLIGHT_WAIT_NONE] = DASH_METRICS_WAIT_N,       /* not counted */
            [DASH_FLIGHT_WAIT_FILLED] = DASH_METRICS_WAIT_FILLED,
            [DASH_FLIGHT_WAIT_TAKEN] = DASH_METRICS_WAIT_TAKEN,
            [DASH_FLIGHT_WAIT_TIMEOUT] = DASH_METRICS_WAIT_TIMEOUT,
            [DASH_FLIGHT_WAIT_ERROR] = DASH_METRICS_WAIT_ERROR
        };
        static const char *const said[] = {
            [DASH_FLIGHT_WAIT_NONE] = "-",
            [DASH_FLIGHT_WAIT_FILLED] = "filled",
            [DASH_FLIGHT_WAIT_TAKEN] = "took over",
            [DASH_FLIGHT_WAIT_TIMEOUT] = "gave up",
            [DASH_FLIGHT_WAIT_ERROR] = "Redis failed"
        };

        dash_metrics_wait(st->cfg->metrics, counted[st->flight.waited]);
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      DASHLOGNO(0513) "waited %" APR_TIME_T_FMT " ms for another "
                      "request's fill of %s (%s)",
                      apr_time_as_msec(st->flight.wait_time),
                      st->flight_cfg.key, said[st->flight.waited]);
    }
    return st->flight.what == DASH_FLIGHT_HIT
           || st->flight.what == DASH_FLIGHT_STALE ? st->flight.resp : NULL;
}

static void cache_store(dashboard_stats_req_t *st, json_t *resp,
                        const dash_stats_tpl_t *tpl)
{
    request_rec *r = st->r;
    const char *err = NULL;
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_size_t len;
    char *val;
    apr_status_t rv;

    if (!st->cfg->redis || st->flight.what != DASH_FLIGHT_FETCH) {
        return;
    }
    val = dash_cache_value_encode(r->pool, resp, now, &len);
    if (!val) {
        return;
    }
    rv = dash_flight_store(&st->flight, r->pool, &st->flight_cfg, val, len,
                           &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                      DASHLOGNO(0505) "could not cache %s on %s: %s",
                      st->flight_cfg.key, st->cfg->redis_display,
                      err ? err : "?");
        return;
    }
    /* The next hit on these bytes need not parse what we just wrote. */
    if (st->cfg->memo) {
        dash_memo_put(st->cfg->memo, st->flight_cfg.key, val, len, tpl, now);
    }
}

/* The expired value, with this request's upload counts, as "stale". */
static int reply_stale(dashboard_stats_req_t *st)
{
    st->cache_state = dash_flight_name(DASH_FLIGHT_STALE);
    return reply_tpl(st, st->flight.stale);
}

/* Google failed: the expired value instead, when there is one and the
 * failure is one that passes; otherwise the error. */
static int fail_upstream(dashboard_stats_req_t *st, dash_err_e e)
{
    if (st->flight.stale && dash_flight_hides(e)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, st->r,
                      DASHLOGNO(0514) "answering the expired value of channel %s "
                      "as stale", st->account->platform_user_id);
        return reply_stale(st);
    }
    return fail(st, e);
}

/*
 * docs/behaviour.md#fetch-budget: takes one of the user's fetches. 1 when
 * this request may call Google; 0 with *retry when the budget is spent.
 * Counted in Redis when it answers, else in the child.
 */
static int budget_take(dashboard_stats_req_t *st, apr_interval_time_t *retry)
{
    request_rec *r = st->r;
    const dashboard_srv_cfg_t *cfg = st->cfg;
    const char *err = NULL;
    int allowed = 1;
    apr_status_t rv;

    if (cfg->fetch_limit == 0) {
        return 1;
    }
    /* A lookup that just failed on Redis would most likely fail again,
     * after another DashboardRedisTimeout. */
    if (cfg->redis && st->flight.what != DASH_FLIGHT_BYPASS) {
        rv = dash_budget_take_redis(&allowed, retry, cfg->redis, r->pool,
                                    dash_cache_budget_key(r->pool, st->user),
                                    cfg->fetch_limit, cfg->fetch_window,
                                    &err);
        if (rv == APR_SUCCESS) {
            return allowed;
        }
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                      DASHLOGNO(0541) "fetch budget: Redis %s failed (%s): "
                      "counting in this child", cfg->redis_display,
                      err ? err : "?");
    }
    if (!cfg->budget) {
        return 1;
    }
    dash_budget_take_local(&allowed, retry, cfg->budget, st->user,
                           cfg->fetch_limit, apr_time_now());
    return allowed;
}

/* The budget is spent: the expired value if there is one, else 429. Info,
 * not warn: every further click of that user comes here, and the log is
 * not theirs to fill. */
static int budget_refused(dashboard_stats_req_t *st, apr_interval_time_t retry)
{
    request_rec *r = st->r;
    apr_int64_t secs = apr_time_sec(retry + apr_time_from_sec(1) - 1);

    dashboard_upstream_leave(r);
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  DASHLOGNO(0540) "user %s spent the fetch budget (%ld per "
                  "%ld s): answering channel %s %s", st->user,
                  st->cfg->fetch_limit, st->cfg->fetch_window,
                  st->account->platform_user_id,
                  st->flight.stale ? "stale" : "429");
    if (st->flight.stale) {
        dash_metrics_budget_refused(st->cfg->metrics,
                                    DASH_METRICS_BUDGET_STALE);
        return reply_stale(st);
    }
    dash_metrics_budget_refused(st->cfg->metrics, DASH_METRICS_BUDGET_429);
    apr_table_setn(r->headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                                secs > 0 ? secs : 1));
    return fail(st, DASH_ERR_RATE_LIMITED);
}

/* docs/behaviour.md#no-uploads says "miss" when Redis is up, so ask it. */
static const char *cache_probe(dashboard_stats_req_t *st)
{
    const char *err = NULL;
    apr_status_t rv;

    if (!st->cfg->redis) {
        return "bypass";
    }
    rv = dash_redis_ping(st->cfg->redis, st->r->pool, &err);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, st->r,
                      DASHLOGNO(0506) "Redis %s unavailable (%s)",
                      st->cfg->redis_display, err ? err : "?");
        return "bypass";
    }
    return "miss";
}

/* docs/behaviour.md#tokens: the access token to use, refreshed and
 * written back if needed. */
static dash_err_e ensure_token(dashboard_stats_req_t *st, const char **token)
{
    request_rec *r = st->r;
    dash_google_cfg_t g;
    dash_token_t fresh;
    dashboard_save_job_t job;
    const char *err = NULL;
    apr_time_t start;
    dash_err_e e;

    if (st->cred.fresh && st->cred.access_token && *st->cred.access_token) {
        *token = st->cred.access_token;
        return DASH_OK;
    }
    if (!st->cred.refresh_token) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      DASHLOGNO(0507) "token of channel %s expired and there is "
                      "no refresh token", st->account->platform_user_id);
        return DASH_ERR_TOKEN_EXPIRED;
    }
    dashboard_google_settings(&g, st->cfg);
    start = apr_time_now();
    e = dash_google_refresh(&fresh, r->pool, &g, st->cred.refresh_token, &err);
    st->upstream += apr_time_now() - start;
    if (e != DASH_OK) {
        ap_log_rerror(APLOG_MARK, e == DASH_ERR_TOKEN_EXPIRED ? APLOG_INFO
                      : APLOG_ERR, 0, r,
                      DASHLOGNO(0508) "token refresh for channel %s failed: %s",
                      st->account->platform_user_id, err ? err : "?");
        return e;
    }
    job.st = st;
    job.token = &fresh;
    job.expires_at = dash_dates_local_timestamp(r->pool, apr_time_now()
                                     + apr_time_from_sec(fresh.expires_in));
    /* The new token works either way; a failed write only costs another
     * refresh next time (dashboard_db_run has logged it). */
    if (db_run(st, save_token, &job) == APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      DASHLOGNO(0509) "refreshed the token of channel %s",
                      st->account->platform_user_id);
    }
    *token = fresh.access_token;
    return DASH_OK;
}

static int fetch_and_reply(dashboard_stats_req_t *st)
{
    request_rec *r = st->r;
    dash_google_cfg_t g;
    dash_reports_t reports;
    dash_stats_in_t in;
    const char **ids;
    const char *token = NULL, *err = NULL;
    dash_stats_tpl_t tpl;
    const dash_stats_tpl_t *cached;
    json_t *resp;
    apr_interval_time_t retry = 0;
    dash_err_e e;
    int i;

    switch (db_run(st, load_uploads, st)) {
    case APR_SUCCESS:
        break;
    case APR_NOTFOUND:
        /* The account went away after the first step chose it. */
        return fail(st, DASH_ERR_ACCOUNT_NOT_FOUND);
    default:
        return fail(st, DASH_ERR_DATABASE_UNAVAILABLE);
    }
    if (st->videos->nelts == 0) {
        /* The uploads went away between the two queries. */
        st->total = 0;
        st->current = st->previous = 0;
        return reply(st, dash_stats_empty(r->pool));
    }
    if ((cached = cache_claim(st)) != NULL) {
        return reply_tpl(st, cached);
    }
    /* From here the request waits on Google: the token refresh, then the
     * four calls. A child with no slot left answers without Google: the
     * expired value if there is one, else 503
     * (docs/behaviour.md#protecting-the-host-site). */
    if (!dashboard_upstream_enter(r, st->cfg)) {
        if (st->flight.stale) {
            dashboard_upstream_busy_stale(r, st->cfg,
                                          st->account->platform_user_id);
            return reply_stale(st);
        }
        return finish(st, dashboard_upstream_busy(r, st->cfg));
    }
    if (!budget_take(st, &retry)) {
        return budget_refused(st, retry);
    }
    e = ensure_token(st, &token);
    if (e != DASH_OK) {
        return fail_upstream(st, e);
    }
    ids = apr_palloc(r->pool, sizeof(*ids) * st->videos->nelts);
    for (i = 0; i < st->videos->nelts; i++) {
        ids[i] = APR_ARRAY_IDX(st->videos, i, dash_video_t).id;
    }
    dashboard_google_settings(&g, st->cfg);
    e = dash_google_reports(&reports, r->pool, &g, token, &st->win,
                            ids, st->videos->nelts, &err);
    st->upstream += reports.elapsed;
    dashboard_upstream_leave(r);
    if (e != DASH_OK) {
        ap_log_rerror(APLOG_MARK, e == DASH_ERR_TOKEN_EXPIRED ? APLOG_INFO
                      : APLOG_ERR, 0, r,
                      DASHLOGNO(0510) "Analytics API failed for channel %s: %s",
                      st->account->platform_user_id, err ? err : "?");
        return fail_upstream(st, e);
    }
    memset(&in, 0, sizeof(in));
    in.mode = st->mode;
    in.win = st->win;
    for (i = 0; i < DASH_NQ; i++) {
        in.tables[i] = reports.tables[i];
    }
    in.videos = (const dash_video_t *)st->videos->elts;
    in.nvideos = st->videos->nelts;
    resp = dash_stats_build(r->pool, &in);
    if (!resp) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      DASHLOGNO(0511) "cannot build the stats response");
        return fail(st, DASH_ERR_INTERNAL);
    }
    /* The template first: it is the body, and it is what the memo keeps
     * for the stored value's bytes. */
    if (dash_stats_template(&tpl, r->pool, resp) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      DASHLOGNO(0512) "cannot serialize a fresh stats response");
        return fail(st, DASH_ERR_INTERNAL);
    }
    cache_store(st, resp, &tpl);
    return reply_tpl(st, &tpl);
}

int dashboard_handle_stats(request_rec *r)
{
    dashboard_stats_req_t st;
    apr_table_t *params;
    const char *mode, *key;
    const dash_stats_tpl_t *cached;

    memset(&st, 0, sizeof(st));
    st.r = r;
    st.cfg = dashboard_srv_cfg(r->server);
    st.user = r->user;
    if (!(params = dashboard_request_params(r))) {
        return finish(&st, OK);
    }
    mode = apr_table_get(params, "mode");
    if (!mode) {
        st.mode = DASH_MODE_MONTH;
    }
    else if (dash_mode_parse(&st.mode, mode, strlen(mode)) != APR_SUCCESS) {
        return fail(&st, DASH_ERR_INVALID_PARAMETER);
    }
    st.mode_name = dash_mode_name(st.mode);
    if (!dashboard_request_id_param(r, params, "platform_user_id", &st.wanted)) {
        return finish(&st, OK);
    }
    if (!dash_text_utf8(st.user)) {
        /* No row can belong to it: the tables are UTF-8. */
        return fail(&st, DASH_ERR_NOT_CONNECTED);
    }
    /* "Today" in DashboardReportTimeZone (docs/behaviour.md#date-windows). */
    dash_dates_windows(&st.win, dash_tz_date(st.cfg->report_tz, r->request_time),
                       st.mode);

    if (db_run(&st, load_channel, &st) != APR_SUCCESS) {
        return fail(&st, DASH_ERR_DATABASE_UNAVAILABLE);
    }
    if (st.choice != DASH_OK) {
        return fail(&st, st.choice);
    }
    if (st.total == 0) {
        st.cache_state = cache_probe(&st);
        return reply(&st, dash_stats_empty(r->pool));
    }
    key = dash_cache_key(r->pool, st.user, st.account->platform_user_id,
                         st.mode);
    if ((cached = cache_lookup(&st, key)) != NULL) {
        return reply_tpl(&st, cached);
    }
    return fetch_and_reply(&st);
}
