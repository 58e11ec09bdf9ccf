/*
 * dash_google.c: the reports.query URLs of docs/behaviour.md#analytics-calls
 * (compared as sets of parameters), and the reports fan-out against a
 * loopback stand-in (stub_server.h, google_fixture.h) answering like
 * Google does. The token refresh is in test_google_token.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "dash_google.h"
#include "dash_table.h"
#include "dash_text.h"
#include "google_fixture.h"
#include "stub_server.h"
#include "unit.h"

#define YT "https://youtubeanalytics.googleapis.com/v2/reports"
#define SERIES_M "metrics=views%2CestimatedMinutesWatched%2CsubscribersGained" \
    "%2Clikes%2Ccomments%2Cshares"
#define FILT "filters=video%3D%3DvidA%2CvidB"
#define IDS "?ids=channel%3D%3DMINE"

/* Column name summed over every row through the reading calls (0 when
 * the column is absent). */
static double table_sum(const dash_table_t *t, const char *name)
{
    int col = dash_table_col(t, name), i;
    double sum = 0;

    for (i = 0; col >= 0 && i < dash_table_nrows(t); i++) {
        sum += dash_table_num(t, i, col);
    }
    return sum;
}

static dash_date_t D(int y, int m, int d)
{
    dash_date_t r;
    r.y = y;
    r.m = m;
    r.d = d;
    return r;
}

/* docs/behaviour.md#date-windows example, today 2026-02-20, day mode (by hand). */
static dash_windows_t day_windows(void)
{
    dash_windows_t w;
    w.start = D(2026, 1, 20);
    w.end = D(2026, 2, 18);
    w.kpi_end = D(2026, 2, 18);
    w.prev_start = D(2025, 12, 21);
    w.prev_kpi_end = D(2026, 1, 19);
    w.prev_end = D(2026, 1, 19);
    return w;
}

/* docs/behaviour.md#date-windows example, today 2024-03-01, month mode (by hand). */
static dash_windows_t month_windows(void)
{
    dash_windows_t w;
    w.start = D(2023, 4, 1);
    w.end = D(2024, 3, 1);
    w.kpi_end = D(2024, 2, 28);
    w.prev_start = D(2022, 4, 1);
    w.prev_kpi_end = D(2023, 2, 28);
    w.prev_end = D(2023, 3, 1);
    return w;
}

static const char *const two_ids[] = { "vidA", "vidB" };

/* ------------------------------------------------------------------ URLs */

/*
 * The query of a URL as a table of name -> value, decoded the way Google
 * reads it ('+' is a space). A name given twice, a part without '=' or
 * an empty part fails the test: what Google reads is a set of parameters,
 * not an order, so that is what the tests compare.
 */
static apr_table_t *url_params(apr_pool_t *p, const char *url,
                               const char **base)
{
    const char *q = strchr(url, '?');
    apr_table_t *t = apr_table_make(p, 8);
    const char *s;

    if (!q) {
        fail_msg("no query in %s", url);
    }
    *base = apr_pstrmemdup(p, url, (apr_size_t)(q - url));
    for (s = q + 1; ; ) {
        const char *amp = strchr(s, '&');
        apr_size_t n = amp ? (apr_size_t)(amp - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        const char *name, *value;

        if (n == 0 || !eq) {
            fail_msg("malformed query part at \"%s\" in %s", s, url);
        }
        name = apr_pstrmemdup(p, s, (apr_size_t)(eq - s));
        value = dash_text_pct_decode(p, eq + 1, n - (apr_size_t)(eq - s) - 1, 1);
        if (!value) {
            fail_msg("bad percent-encoding in %s of %s", name, url);
        }
        if (apr_table_get(t, name)) {
            fail_msg("%s given twice in %s", name, url);
        }
        apr_table_setn(t, name, value);
        if (!amp) {
            break;
        }
        s = amp + 1;
    }
    return t;
}

typedef struct {
    apr_table_t *other;
    const char *url;
} cmp_t;

static int param_in(void *rec, const char *name, const char *value)
{
    cmp_t *c = rec;
    const char *v = apr_table_get(c->other, name);

    if (!v || strcmp(v, value) != 0) {
        fail_msg("%s: want %s=\"%s\", got \"%s\"", c->url, name, value,
                 v ? v : "(absent)");
    }
    return 1;
}

/* The same endpoint and the same parameters with the same values. */
static void assert_url_equal(apr_pool_t *p, const char *got, const char *want)
{
    const char *gb, *wb;
    apr_table_t *g, *w;
    cmp_t c;

    assert_non_null(got);
    g = url_params(p, got, &gb);
    w = url_params(p, want, &wb);
    assert_string_equal(gb, wb);
    c.other = g;
    c.url = got;
    apr_table_do(param_in, &c, w, NULL);
    if (apr_table_elts(g)->nelts != apr_table_elts(w)->nelts) {
        fail_msg("%s: %d parameters, want %d", got, apr_table_elts(g)->nelts,
                 apr_table_elts(w)->nelts);
    }
}

static void check_urls(apr_pool_t *p, const dash_windows_t *w,
                       const char *const expect[DASH_NQ])
{
    int q;
    for (q = 0; q < DASH_NQ; q++) {
        const char *u = dash_google_report_url(p, YT, (dash_query_e)q, w,
                                               two_ids, 2);
        assert_url_equal(p, u, expect[q]);
    }
}

static void test_urls_day(void **state)
{
    dash_windows_t w = day_windows();
    static const char *const expect[DASH_NQ] = {
        /* one daily series from prev_start through kpi_end */
        YT IDS "&startDate=2025-12-21&endDate=2026-02-18&" SERIES_M
               "&dimensions=day&sort=day&" FILT,
        YT IDS "&startDate=2026-01-20&endDate=2026-02-18"
               "&metrics=views%2Clikes%2Ccomments&dimensions=video"
               "&sort=-views&maxResults=10&" FILT,
        YT IDS "&startDate=2026-01-20&endDate=2026-02-18"
               "&metrics=viewerPercentage&dimensions=ageGroup%2Cgender&" FILT,
        YT IDS "&startDate=2026-01-20&endDate=2026-02-18&metrics=views"
               "&dimensions=country&sort=-views&maxResults=5&" FILT,
    };
    check_urls(*state, &w, expect);
}

static void test_urls_month(void **state)
{
    dash_windows_t w = month_windows();
    static const char *const expect[DASH_NQ] = {
        /* by day in month mode too: no month dimension, no first-of-month
         * rule, and the last month can end on kpi_end */
        YT IDS "&startDate=2022-04-01&endDate=2024-02-28&" SERIES_M
               "&dimensions=day&sort=day&" FILT,
        YT IDS "&startDate=2023-04-01&endDate=2024-02-28"
               "&metrics=views%2Clikes%2Ccomments&dimensions=video"
               "&sort=-views&maxResults=10&" FILT,
        YT IDS "&startDate=2023-04-01&endDate=2024-02-28"
               "&metrics=viewerPercentage&dimensions=ageGroup%2Cgender&" FILT,
        YT IDS "&startDate=2023-04-01&endDate=2024-02-28&metrics=views"
               "&dimensions=country&sort=-views&maxResults=5&" FILT,
    };
    check_urls(*state, &w, expect);
}

static void test_url_odd_video_ids(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    static const char *const ids[] = {
        "dQw4w9WgXcQ", "a-b_c.d~e", "x y", "a&b=c", "100%", "a+b/c?#", "\xc3\xa9"
    };
    const char *u = dash_google_report_url(p, YT, DASH_Q_SERIES, &w,
                                           ids, 7);
    const char *base;

    /* Decoded as Google decodes it, every id comes back whole. */
    assert_string_equal(apr_table_get(url_params(p, u, &base), "filters"),
                        "video==dQw4w9WgXcQ,a-b_c.d~e,x y,a&b=c,100%,"
                        "a+b/c?#,\xc3\xa9");
}

static void test_url_existing_query(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    const char *u;

    u = dash_google_report_url(p, "http://stand-in/v2/reports?key=abc",
                               DASH_Q_GEOGRAPHY, &w, two_ids, 1);
    assert_url_equal(p, u, "http://stand-in/v2/reports?key=abc&ids=channel%3D%3DMINE"
                           "&startDate=2026-01-20&endDate=2026-02-18&metrics=views"
                           "&dimensions=country&sort=-views&maxResults=5"
                           "&filters=video%3D%3DvidA");
    /* A URL already ending in '?' or '&' gets no second separator
     * (url_params refuses an empty part). */
    u = dash_google_report_url(p, "http://s/r?", DASH_Q_SERIES, &w,
                               two_ids, 1);
    assert_url_equal(p, u, "http://s/r?ids=channel%3D%3DMINE"
                           "&startDate=2025-12-21&endDate=2026-02-18&" SERIES_M
                           "&dimensions=day&sort=day&filters=video%3D%3DvidA");
    u = dash_google_report_url(p, "http://s/r?k=1&", DASH_Q_SERIES, &w,
                               two_ids, 1);
    assert_url_equal(p, u, "http://s/r?k=1&ids=channel%3D%3DMINE"
                           "&startDate=2025-12-21&endDate=2026-02-18&" SERIES_M
                           "&dimensions=day&sort=day&filters=video%3D%3DvidA");
}

static void test_url_edge_cases(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    const char *u;

    /* No ids: no filter (Google rejects "video==");
     * docs/behaviour.md#no-uploads never gets here. */
    u = dash_google_report_url(p, YT, DASH_Q_SERIES, &w, NULL, 0);
    assert_url_equal(p, u, YT IDS "&startDate=2025-12-21&endDate=2026-02-18&" SERIES_M
                           "&dimensions=day&sort=day");
    assert_null(dash_google_report_url(p, YT, DASH_NQ, &w, two_ids, 2));
    assert_null(dash_google_report_url(p, NULL, DASH_Q_SERIES, &w,
                                       two_ids, 2));
}

/* --------------------------------------------------------------- reports */

#define TOKEN "ya29.a0-access"

static const char *table_body(apr_pool_t *p, int q)
{
    return apr_psprintf(p, "{\"kind\": \"youtubeAnalytics#resultTable\", "
                        "\"columnHeaders\": [{\"name\": \"views\", "
                        "\"columnType\": \"METRIC\", \"dataType\": \"INTEGER\"}], "
                        "\"rows\": [[%d]]}", 1000 + q);
}

/* The request target (path and query) of call q, for routing. */
static const char *target_of(apr_pool_t *p, const dash_google_cfg_t *g, int q,
                             const dash_windows_t *w)
{
    const char *u = dash_google_report_url(p, g->analytics_url, (dash_query_e)q,
                                           w, two_ids, 2);
    return strstr(u, "/v2/reports");
}

/* Every call answers a table, except special (status, body) for one.
 * Route q is call q, for stub_set_*. */
static void route_all(apr_pool_t *p, const dash_google_cfg_t *g,
                      const dash_windows_t *w,
                      int special, int status, const char *body)
{
    int q;
    for (q = 0; q < DASH_NQ; q++) {
        if (q == special) {
            stub_route(&srv, target_of(p, g, q, w), status, body);
        }
        else {
            stub_route(&srv, target_of(p, g, q, w), 200, table_body(p, q));
        }
    }
}

static void check_auth_of_all_hits(void)
{
    int i;
    pthread_mutex_lock(&srv.mu);
    assert_int_equal(srv.nhits, DASH_NQ);
    for (i = 0; i < srv.nhits; i++) {
        assert_string_equal(srv.hits[i].method, "GET");
        assert_string_equal(srv.hits[i].auth, "Bearer " TOKEN);
        assert_string_equal(srv.hits[i].accept, "application/json");
    }
    pthread_mutex_unlock(&srv.mu);
}

static void run_all_fine(apr_pool_t *p, dash_windows_t w)
{
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_reports_t out;
    const char *err = NULL;
    int q;

    route_all(p, &g, &w, -1, 0, NULL);
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w, two_ids, 2,
                                         &err), DASH_OK);
    for (q = 0; q < DASH_NQ; q++) {
        assert_non_null(out.tables[q]);
        /* Each table is the answer to its own call. */
        assert_true(table_sum(out.tables[q], "views") == 1000 + q);
    }
    assert_true(out.elapsed > 0);
    check_auth_of_all_hits();
}

static void test_reports_all_fine_day(void **state)
{
    run_all_fine(*state, day_windows());
}

static void test_reports_all_fine_month(void **state)
{
    run_all_fine(*state, month_windows());
}

static void test_reports_parallel(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(10));
    dash_reports_t out;
    const char *err = NULL;
    int q;

    for (q = 0; q < DASH_NQ; q++) {
        stub_set_delay(&srv, stub_route(&srv, target_of(p, &g, q, &w),
                                        200, table_body(p, q)), 500);
    }
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_OK);
    /* In turn it would be 2 s; together it is about one delay. */
    assert_true(out.elapsed >= apr_time_from_msec(490));
    assert_true(out.elapsed < unit_time_bound(500, 1000, 1900));
}

static void test_reports_401(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_reports_t out;
    const char *err = NULL;
    int q;

    route_all(p, &g, &w, DASH_Q_DEMOGRAPHICS, 401,
              "{\"error\": {\"code\": 401, \"message\": \"Request had invalid "
              "authentication credentials.\", \"errors\": [{\"message\": "
              "\"Invalid Credentials\", \"domain\": \"global\", \"reason\": "
              "\"authError\", \"location\": \"Authorization\"}], "
              "\"status\": \"UNAUTHENTICATED\"}}");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_TOKEN_EXPIRED);
    assert_string_equal(err, "demographics: HTTP 401 authError");
    for (q = 0; q < DASH_NQ; q++) {
        assert_null(out.tables[q]);       /* nothing partial */
    }
    check_auth_of_all_hits();
}

static void test_reports_500(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_reports_t out;
    const char *err = NULL;

    route_all(p, &g, &w, DASH_Q_SERIES, 500,
              "{\"error\": {\"errors\": [{\"domain\": \"global\", \"reason\": "
              "\"backendError\", \"message\": \"Backend Error\"}], \"code\": 500, "
              "\"message\": \"Backend Error\"}}");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_UNAVAILABLE);
    assert_string_equal(err, "series: HTTP 500 backendError");
    assert_null(out.tables[DASH_Q_TOP_VIDEOS]);
}

static void test_reports_403_status_only(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_reports_t out;
    const char *err = NULL;

    route_all(p, &g, &w, DASH_Q_TOP_VIDEOS, 403,
              "{\"error\": {\"errors\": [{\"domain\": \"youtube.quota\", "
              "\"reason\": \"quotaExceeded\"}], \"code\": 403}}");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_UNAVAILABLE);
    assert_string_equal(err, "top_videos: HTTP 403 quotaExceeded");

    /* A 403 is Google failing only for a quota or a rate limit. */
    stub_reset(&srv);
    route_all(p, &g, &w, DASH_Q_TOP_VIDEOS, 403,
              "{\"error\": {\"errors\": [{\"domain\": \"usageLimits\", "
              "\"reason\": \"userRateLimitExceeded\"}], \"code\": 403}}");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_UNAVAILABLE);
    stub_reset(&srv);
    route_all(p, &g, &w, DASH_Q_TOP_VIDEOS, 403,
              "{\"error\": {\"errors\": [{\"domain\": \"global\", "
              "\"reason\": \"forbidden\"}], \"code\": 403}}");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_ERROR);
    assert_string_equal(err, "top_videos: HTTP 403 forbidden");

    /* Without errors[], Google's status names the reason. */
    stub_reset(&srv);
    route_all(p, &g, &w, DASH_Q_DEMOGRAPHICS, 429,
              "{\"error\": {\"code\": 429, \"status\": \"RESOURCE_EXHAUSTED\"}}");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_UNAVAILABLE);
    assert_string_equal(err, "demographics: HTTP 429 RESOURCE_EXHAUSTED");
}

static void test_reports_not_a_table(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_reports_t out;
    const char *err = NULL;

    route_all(p, &g, &w, DASH_Q_GEOGRAPHY, 200,
              "{\"kind\": \"youtubeAnalytics#resultTable\", \"rows\": [[1]]}");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_ERROR);
    assert_non_null(strstr(err, "geography: not a resultTable: "));

    stub_reset(&srv);
    route_all(p, &g, &w, DASH_Q_SERIES, 200, "<html>oops</html>");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_ERROR);
    assert_non_null(strstr(err, "series: not a resultTable: "));
}

static void test_reports_timeout(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_msec(500));
    dash_reports_t out;
    const char *err = NULL;
    apr_time_t t0;

    /* A timeout outranks another call's 500 ... */
    route_all(p, &g, &w, DASH_Q_SERIES, 500, "{}");
    stub_set_delay(&srv, DASH_Q_DEMOGRAPHICS, 4000);
    t0 = apr_time_now();
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_TIMEOUT);
    assert_true(apr_time_now() - t0 < unit_time_bound(500, 1000, 3900));
    assert_non_null(strstr(err, "demographics: timeout"));
    assert_no_secret(err);

    /* ... and a 401 outranks a timeout. */
    stub_reset(&srv);
    route_all(p, &g, &w, DASH_Q_GEOGRAPHY, 401, "{}");
    stub_set_delay(&srv, DASH_Q_DEMOGRAPHICS, 4000);
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_TOKEN_EXPIRED);
    assert_string_equal(err, "geography: HTTP 401");
}

static void test_reports_first_failure_named(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_reports_t out;
    const char *err = NULL;

    /* Two API errors: the message names the first call in the order of
     * docs/behaviour.md#analytics-calls. */
    route_all(p, &g, &w, DASH_Q_GEOGRAPHY, 500, "{}");
    stub_set_answer(&srv, DASH_Q_TOP_VIDEOS, 400,
                    "{\"error\": {\"errors\": [{\"reason\": \"badRequest\"}], "
                    "\"code\": 400}}");
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_ERROR);
    assert_string_equal(err, "top_videos: HTTP 400 badRequest");
}

static void test_reports_refused(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_reports_t out;
    const char *err = NULL;

    g.analytics_url = apr_psprintf(p, "http://127.0.0.1:%d/v2/reports",
                                   unit_free_port());
    assert_int_equal(dash_google_reports(&out, p, &g, TOKEN, &w,
                                         two_ids, 2, &err), DASH_ERR_API_UNAVAILABLE);
    assert_non_null(strstr(err, "series: "));
    assert_no_secret(err);
}

static void test_reports_no_token(void **state)
{
    apr_pool_t *p = *state;
    dash_windows_t w = day_windows();
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_reports_t out;
    const char *err = NULL;

    assert_int_equal(dash_google_reports(&out, p, &g, "", &w,
                                         two_ids, 2, &err), DASH_ERR_TOKEN_EXPIRED);
    assert_int_equal(stub_nhits(&srv), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_urls_day),
        T(test_urls_month),
        T(test_url_odd_video_ids),
        T(test_url_existing_query),
        T(test_url_edge_cases),
        T(test_reports_all_fine_day),
        T(test_reports_all_fine_month),
        T(test_reports_parallel),
        T(test_reports_401),
        T(test_reports_500),
        T(test_reports_403_status_only),
        T(test_reports_not_a_table),
        T(test_reports_timeout),
        T(test_reports_first_failure_named),
        T(test_reports_refused),
        T(test_reports_no_token),
    };
    int rc;

    /* Loopback only: keep an environment proxy out of the way. */
    setenv("no_proxy", "*", 1);
    setenv("NO_PROXY", "*", 1);
    apr_initialize();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return 1;
    }
    rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    curl_global_cleanup();
    apr_terminate();
    return rc;
}
