/* The counters of docs/metrics.md: counting, histogram buckets, the text format, and
 * exact counts from several processes and threads on shared memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "dash_metrics.h"
#include "unit.h"

static dash_metrics_t *fresh(apr_pool_t *p)
{
    void *mem = apr_palloc(p, dash_metrics_size());

    /* Garbage first: init must clear every counter itself. */
    memset(mem, 0xa5, dash_metrics_size());
    return dash_metrics_init(mem);
}

static const char *text(apr_pool_t *p, const dash_metrics_t *m)
{
    apr_size_t len = 0;
    char *t = dash_metrics_text(m, "1.2.3", p, &len);

    assert_non_null(t);
    assert_int_equal(len, strlen(t));
    return t;
}

/* The value on the exposition line "<sample> <value>", which must exist
 * exactly once. */
static const char *value_of(apr_pool_t *p, const char *t, const char *sample)
{
    const char *needle = apr_pstrcat(p, "\n", sample, " ", NULL);
    const char *at = strstr(t, needle);
    const char *end;

    if (!at) {
        fail_msg("no line '%s' in:\n%s", sample, t);
    }
    if (strstr(at + 1, needle)) {
        fail_msg("line '%s' twice", sample);
    }
    at += strlen(needle);
    end = strchr(at, '\n');
    assert_non_null(end);
    return apr_pstrmemdup(p, at, end - at);
}

#define assert_sample(p, t, sample, want) \
    assert_string_equal(value_of((p), (t), (sample)), (want))

static void test_counts(void **state)
{
    apr_pool_t *p = *state;
    dash_metrics_t *m = fresh(p);
    const char *t;
    int i;

    for (i = 0; i < 3; i++) {
        dash_metrics_request(m, DASH_METRICS_STATS, 200);
    }
    dash_metrics_request(m, DASH_METRICS_STATS, 304);
    dash_metrics_request(m, DASH_METRICS_ACCOUNTS, 503);
    dash_metrics_request(m, DASH_METRICS_CACHE, 403);
    dash_metrics_request(m, DASH_METRICS_CACHE, 418);
    dash_metrics_served(m, "hit");
    dash_metrics_served(m, "hit");
    dash_metrics_served(m, "stale");
    dash_metrics_served(m, "fresh");
    dash_metrics_served(m, NULL);
    for (i = 0; i < 6; i++) {
        dash_metrics_report(m, DASH_OUTCOME_OK);
    }
    dash_metrics_report(m, DASH_OUTCOME_QUOTA);
    dash_metrics_report(m, DASH_OUTCOME_NONE);
    dash_metrics_refresh(m, DASH_OUTCOME_RATE_LIMITED);
    dash_metrics_refresh(m, DASH_OUTCOME_CONNECT);
    dash_metrics_wait(m, DASH_METRICS_WAIT_TIMEOUT);
    dash_metrics_request(m, DASH_METRICS_STATS, 429);
    dash_metrics_budget_refused(m, DASH_METRICS_BUDGET_429);
    dash_metrics_budget_refused(m, DASH_METRICS_BUDGET_STALE);
    dash_metrics_budget_refused(m, DASH_METRICS_BUDGET_STALE);
    dash_metrics_redis_error(m);
    dash_metrics_redis_error(m);
    dash_metrics_db_error(m);
    dash_metrics_upstream_enter(m);
    dash_metrics_upstream_enter(m);
    dash_metrics_upstream_leave(m);

    t = text(p, m);
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"stats\",status=\"200\"}", "3");
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"stats\",status=\"304\"}", "1");
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"stats\",status=\"502\"}", "0");
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"accounts\",status=\"503\"}", "1");
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"cache\",status=\"403\"}", "1");
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"cache\",status=\"other\"}", "1");
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"accounts\",status=\"other\"}", "0");
    assert_sample(p, t, "mod_dashboard_stats_cache_total{outcome=\"hit\"}", "2");
    assert_sample(p, t, "mod_dashboard_stats_cache_total{outcome=\"miss\"}", "0");
    assert_sample(p, t, "mod_dashboard_stats_cache_total{outcome=\"bypass\"}", "0");
    assert_sample(p, t, "mod_dashboard_stats_cache_total{outcome=\"stale\"}", "1");
    assert_sample(p, t, "mod_dashboard_google_reports_total{outcome=\"ok\"}", "6");
    assert_sample(p, t, "mod_dashboard_google_reports_total{outcome=\"quota\"}", "1");
    assert_sample(p, t, "mod_dashboard_google_reports_total{outcome=\"timeout\"}", "0");
    assert_null(strstr(t, "outcome=\"none\""));
    assert_sample(p, t, "mod_dashboard_google_token_refreshes_total{outcome=\"rate_limited\"}", "1");
    assert_sample(p, t, "mod_dashboard_google_token_refreshes_total{outcome=\"connect\"}", "1");
    assert_sample(p, t, "mod_dashboard_google_token_refreshes_total{outcome=\"ok\"}", "0");
    assert_sample(p, t, "mod_dashboard_singleflight_waits_total{outcome=\"timeout\"}", "1");
    assert_sample(p, t, "mod_dashboard_singleflight_waits_total{outcome=\"filled\"}", "0");
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"stats\",status=\"429\"}", "1");
    assert_sample(p, t, "mod_dashboard_fetch_budget_refusals_total{answer=\"rate_limited\"}", "1");
    assert_sample(p, t, "mod_dashboard_fetch_budget_refusals_total{answer=\"stale\"}", "2");
    assert_sample(p, t, "mod_dashboard_redis_errors_total", "2");
    assert_sample(p, t, "mod_dashboard_database_errors_total", "1");
    assert_sample(p, t, "mod_dashboard_upstream_in_flight", "1");
    assert_sample(p, t, "mod_dashboard_build_info{version=\"1.2.3\"}", "1");
}

static void test_histogram(void **state)
{
    apr_pool_t *p = *state;
    dash_metrics_t *m = fresh(p);
    const char *t;

    dash_metrics_observe(m, DASH_HIST_STATS, 5000);      /* on a bound: le 0.005 */
    dash_metrics_observe(m, DASH_HIST_STATS, 5001);      /* le 0.01 */
    dash_metrics_observe(m, DASH_HIST_STATS, 2500000);   /* le 2.5 */
    dash_metrics_observe(m, DASH_HIST_STATS, 31000000);  /* +Inf only */
    dash_metrics_observe(m, DASH_HIST_STATS, -7);        /* counted as 0 */
    dash_metrics_observe(m, DASH_HIST_UPSTREAM, 123456);

    t = text(p, m);
    assert_sample(p, t, "mod_dashboard_stats_duration_seconds_bucket{le=\"0.005\"}", "2");
    assert_sample(p, t, "mod_dashboard_stats_duration_seconds_bucket{le=\"0.01\"}", "3");
    assert_sample(p, t, "mod_dashboard_stats_duration_seconds_bucket{le=\"1\"}", "3");
    assert_sample(p, t, "mod_dashboard_stats_duration_seconds_bucket{le=\"2.5\"}", "4");
    assert_sample(p, t, "mod_dashboard_stats_duration_seconds_bucket{le=\"30\"}", "4");
    assert_sample(p, t, "mod_dashboard_stats_duration_seconds_bucket{le=\"+Inf\"}", "5");
    assert_sample(p, t, "mod_dashboard_stats_duration_seconds_count", "5");
    assert_sample(p, t, "mod_dashboard_stats_duration_seconds_sum", "33.510001");
    assert_sample(p, t, "mod_dashboard_upstream_duration_seconds_bucket{le=\"0.1\"}", "0");
    assert_sample(p, t, "mod_dashboard_upstream_duration_seconds_bucket{le=\"0.25\"}", "1");
    assert_sample(p, t, "mod_dashboard_upstream_duration_seconds_sum", "0.123456");
    assert_sample(p, t, "mod_dashboard_upstream_duration_seconds_count", "1");
}

/* Every family: HELP, then TYPE, then only its own samples; the text
 * ends with a newline; nothing else in it. */
static void test_format(void **state)
{
    apr_pool_t *p = *state;
    char *t = apr_pstrdup(p, text(p, fresh(p)));
    const char *family = NULL, *type = NULL;
    char *line, *last;
    int families = 0, samples = 0, expect_type = 0;

    assert_true(strlen(t) > 0 && t[strlen(t) - 1] == '\n');
    for (line = apr_strtok(t, "\n", &last); line;
         line = apr_strtok(NULL, "\n", &last)) {
        if (!strncmp(line, "# HELP ", 7)) {
            assert_false(expect_type);
            family = apr_pstrndup(p, line + 7, strcspn(line + 7, " "));
            assert_true(strlen(line) > 8 + strlen(family));
            expect_type = 1;
            families++;
            continue;
        }
        if (!strncmp(line, "# TYPE ", 7)) {
            assert_true(expect_type);
            assert_string_equal(apr_pstrndup(p, line + 7, strlen(family)), family);
            type = line + 8 + strlen(family);
            assert_true(!strcmp(type, "counter") || !strcmp(type, "gauge")
                        || !strcmp(type, "histogram"));
            expect_type = 0;
            continue;
        }
        assert_false(expect_type);
        assert_non_null(family);
        assert_int_equal(strncmp(line, family, strlen(family)), 0);
        if (!strcmp(type, "counter")) {
            assert_int_equal(strcmp(family + strlen(family) - 6, "_total"), 0);
        }
        samples++;
    }
    /* build_info, requests, stats cache, reports, refreshes, waits,
     * budget refusals, redis, database, in flight, two histograms. */
    assert_int_equal(families, 12);
    /* 1 + 3*13 + 4 + 8 + 8 + 4 + 2 + 1 + 1 + 1 + 2*(13 + 2) */
    assert_int_equal(samples, 99);
}

static void test_off(void **state)
{
    apr_pool_t *p = *state;
    const char *t = text(p, NULL);

    assert_string_equal(t, "# HELP mod_dashboard_build_info The module's version; always 1.\n"
                           "# TYPE mod_dashboard_build_info gauge\n"
                           "mod_dashboard_build_info{version=\"1.2.3\"} 1\n");
    /* Counting into nothing is allowed and does nothing. */
    dash_metrics_request(NULL, DASH_METRICS_STATS, 200);
    dash_metrics_observe(NULL, DASH_HIST_STATS, 1);
    dash_metrics_upstream_enter(NULL);
}

static void test_label_escaping(void **state)
{
    apr_pool_t *p = *state;
    const char *t = dash_metrics_text(NULL, "a\"b\\c\nd", p, NULL);

    assert_non_null(strstr(t, "mod_dashboard_build_info{version=\"a\\\"b\\\\c\\nd\"} 1\n"));
}

static void test_outcome_of(void **state)
{
    (void)state;
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 200, NULL, 1), DASH_OUTCOME_OK);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 204, NULL, 1), DASH_OUTCOME_OK);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 200, NULL, 0), DASH_OUTCOME_PARSE);
    assert_int_equal(dash_metrics_outcome_of(APR_ENOSPC, 0, NULL, 0), DASH_OUTCOME_PARSE);
    assert_int_equal(dash_metrics_outcome_of(APR_TIMEUP, 0, NULL, 0), DASH_OUTCOME_TIMEOUT);
    assert_int_equal(dash_metrics_outcome_of(APR_ECONNREFUSED, 0, NULL, 0), DASH_OUTCOME_CONNECT);
    assert_int_equal(dash_metrics_outcome_of(APR_EGENERAL, 0, NULL, 0), DASH_OUTCOME_CONNECT);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 403, "quotaExceeded", 0), DASH_OUTCOME_QUOTA);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 403, "dailyLimitExceeded", 0), DASH_OUTCOME_QUOTA);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 429, "quotaExceeded", 0), DASH_OUTCOME_QUOTA);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 403, "rateLimitExceeded", 0), DASH_OUTCOME_RATE_LIMITED);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 403, "userRateLimitExceeded", 0), DASH_OUTCOME_RATE_LIMITED);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 429, NULL, 0), DASH_OUTCOME_RATE_LIMITED);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 429, "RESOURCE_EXHAUSTED", 0), DASH_OUTCOME_RATE_LIMITED);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 403, "forbidden", 0), DASH_OUTCOME_HTTP_4XX);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 401, "authError", 0), DASH_OUTCOME_HTTP_4XX);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 400, "invalid_grant", 0), DASH_OUTCOME_HTTP_4XX);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 302, NULL, 0), DASH_OUTCOME_HTTP_4XX);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 500, "backendError", 0), DASH_OUTCOME_HTTP_5XX);
    assert_int_equal(dash_metrics_outcome_of(APR_SUCCESS, 503, NULL, 1), DASH_OUTCOME_HTTP_5XX);
}

/* ---- several processes and threads on one shared block -------------- */

#define PROCS 4
#define THREADS 4
#define ROUNDS 50000

static void *APR_THREAD_FUNC hammer(apr_thread_t *th, void *data)
{
    dash_metrics_t *m = data;
    int i;

    for (i = 0; i < ROUNDS; i++) {
        dash_metrics_request(m, DASH_METRICS_STATS, 200);
        dash_metrics_report(m, DASH_OUTCOME_OK);
        dash_metrics_observe(m, DASH_HIST_UPSTREAM, 3);
        dash_metrics_upstream_enter(m);
        dash_metrics_upstream_leave(m);
    }
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

static void test_shared_processes(void **state)
{
    apr_pool_t *p = *state;
    apr_shm_t *shm;
    dash_metrics_t *m;
    apr_proc_t procs[PROCS];
    const char *t, *want;
    int i;

    assert_int_equal(apr_shm_create(&shm, dash_metrics_size(), NULL, p),
                     APR_SUCCESS);
    m = dash_metrics_init(apr_shm_baseaddr_get(shm));
    for (i = 0; i < PROCS; i++) {
        apr_status_t rv = apr_proc_fork(&procs[i], p);

        if (rv == APR_INCHILD) {
            apr_thread_t *th[THREADS];
            apr_status_t trv;
            int j;

            for (j = 0; j < THREADS; j++) {
                if (apr_thread_create(&th[j], NULL, hammer, m, p) != APR_SUCCESS) {
                    _exit(2);
                }
            }
            for (j = 0; j < THREADS; j++) {
                apr_thread_join(&trv, th[j]);
            }
            _exit(0);
        }
        assert_int_equal(rv, APR_INPARENT);
    }
    for (i = 0; i < PROCS; i++) {
        int code;
        apr_exit_why_e why;

        assert_int_equal(apr_proc_wait(&procs[i], &code, &why, APR_WAIT),
                         APR_CHILD_DONE);
        assert_int_equal(why, APR_PROC_EXIT);
        assert_int_equal(code, 0);
    }
    t = text(p, m);
    want = apr_psprintf(p, "%d", PROCS * THREADS * ROUNDS);
    assert_sample(p, t, "mod_dashboard_requests_total{endpoint=\"stats\",status=\"200\"}", want);
    assert_sample(p, t, "mod_dashboard_google_reports_total{outcome=\"ok\"}", want);
    assert_sample(p, t, "mod_dashboard_upstream_duration_seconds_count", want);
    assert_sample(p, t, "mod_dashboard_upstream_duration_seconds_bucket{le=\"0.005\"}", want);
    assert_sample(p, t, "mod_dashboard_upstream_duration_seconds_sum",
                  apr_psprintf(p, "%d.%06d", 3 * PROCS * THREADS * ROUNDS / 1000000,
                               3 * PROCS * THREADS * ROUNDS % 1000000));
    assert_sample(p, t, "mod_dashboard_upstream_in_flight", "0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_counts, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_histogram, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_format, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_off, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_label_escaping, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_outcome_of, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_shared_processes, unit_pool_setup, unit_pool_teardown),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
