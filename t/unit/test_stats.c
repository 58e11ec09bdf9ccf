/* docs/behaviour.md#response response building from Google-shaped resultTables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "dash_json.h"
#include "dash_shape.h"
#include "dash_stats.h"
#include "stats_fixture.h"
#include "unit.h"
#include "uploads.h"

/* ---- the series, row by row ----------------------------------------------- */

/* The series with rows (a JSON array text). */
static void set_series(dash_stats_in_t *in, apr_pool_t *p, const char *rows)
{
    in->tables[DASH_Q_SERIES] = rt(p, SERIES_HEADERS, rows);
}

/* One series row on kpi_end with the cells cur (views, minutes, subscribers,
 * likes, comments, shares) and one on prev_kpi_end with prev. */
static void set_kpi(dash_stats_in_t *in, apr_pool_t *p, const char *cur,
                    const char *prev)
{
    char a[11], b[11];

    set_series(in, p, apr_psprintf(p, "[[\"%s\", %s], [\"%s\", %s]]",
                                   dash_dates_fmt(b, in->win.prev_kpi_end), prev,
                                   dash_dates_fmt(a, in->win.kpi_end), cur));
}

/* ---- reading the answer -------------------------------------------------------- */

static void check_metric(apr_pool_t *p, json_t *r, int i, const char *value,
                         const char *trend, const char *dir)
{
    const char *base = apr_psprintf(p, "contentMetrics.%d", i);

    if (strcmp(text(p, r, apr_pstrcat(p, base, ".value", NULL)), value) != 0
        || strcmp(text(p, r, apr_pstrcat(p, base, ".trend", NULL)), trend) != 0
        || strcmp(text(p, r, apr_pstrcat(p, base, ".trendDirection", NULL)), dir) != 0) {
        fail_msg("metric %d is %s, want value %s trend %s direction %s", i,
                 text(p, r, base), value, trend, dir);
    }
}

static void test_complete_month_serialized(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    complete_month_input(&in, p);
    r = build(p, &in);
    set_uploads(r, 6, 4);
    assert_string_equal(dash_json_dump(p, r, NULL), complete_month);
    assert_true(dash_shape_copy(p, r) != NULL);
}

/* Before the patch, uploaded-videos is 0 / 0 / "-" (the cache keeps it so). */
static void test_uploads_placeholder(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    complete_month_input(&in, p);
    r = build(p, &in);
    assert_string_equal(text(p, r, "contentMetrics.7"),
                        "{\"id\":\"uploaded-videos\",\"label\":\"업로드 영상\",\"value\":0,"
                        "\"unit\":\"count\",\"trend\":0,\"trendDirection\":\"-\"}");
}

/* dash_stats_fill's counts, read back: value, trend and direction. */
static void test_fill_uploads(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_tpl_t tpl;
    apr_size_t len;
    json_t *r;

    assert_int_equal(dash_stats_template(&tpl, p, dash_stats_empty(p)), APR_SUCCESS);
    r = dash_json_pool(p, json_loads(dash_stats_fill(p, &tpl, 2, 5, &len), 0, NULL));
    check_metric(p, r, 7, "2", "-3", "\"down\"");
    r = dash_json_pool(p, json_loads(dash_stats_fill(p, &tpl, 3, 3, &len), 0, NULL));
    check_metric(p, r, 7, "3", "0", "\"-\"");
    r = dash_json_pool(p, json_loads(dash_stats_fill(p, &tpl, 1, 0, &len), 0, NULL));
    check_metric(p, r, 7, "1", "1", "\"up\"");
    /* Members keep their places. */
    assert_string_equal(text(p, r, "contentMetrics.7"),
                        "{\"id\":\"uploaded-videos\",\"label\":\"업로드 영상\",\"value\":1,"
                        "\"unit\":\"count\",\"trend\":1,\"trendDirection\":\"up\"}");
    /* Nothing else changes. */
    check_metric(p, r, 0, "0", "0", "\"-\"");
}

/* The template filled in is the body set_uploads (uploads.h) and a dump
 * make, for any counts, also when another writer ordered the members. */
static void test_template_fill(void **state)
{
    apr_pool_t *p = *state;
    static const long counts[][2] = { { 6, 4 }, { 2, 5 }, { 3, 3 }, { 0, 0 },
                                      { 123456789, -2 } };
    dash_stats_in_t in;
    dash_stats_tpl_t tpl;
    json_t *r, *m;
    apr_size_t len;
    size_t i;

    complete_month_input(&in, p);
    r = build(p, &in);
    assert_int_equal(dash_stats_template(&tpl, p, r), APR_SUCCESS);
    for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        const char *body = dash_stats_fill(p, &tpl, counts[i][0], counts[i][1], &len);

        set_uploads(r, counts[i][0], counts[i][1]);
        assert_string_equal(body, dash_json_dump(p, r, NULL));
        assert_int_equal(len, strlen(body));
    }
    assert_string_equal(dash_stats_fill(p, &tpl, 6, 4, &len), complete_month);

    /* trendDirection, trend and value in the reverse order */
    m = json_array_get(json_object_get(r, "contentMetrics"), 7);
    assert_int_equal(json_object_del(m, "value"), 0);
    assert_int_equal(json_object_del(m, "trend"), 0);
    assert_int_equal(json_object_set_new(m, "trend", json_integer(0)), 0);
    assert_int_equal(json_object_set_new(m, "value", json_integer(0)), 0);
    assert_int_equal(dash_stats_template(&tpl, p, r), APR_SUCCESS);
    set_uploads(r, 2, 5);
    assert_string_equal(dash_stats_fill(p, &tpl, 2, 5, &len), dash_json_dump(p, r, NULL));
    assert_non_null(strstr(dash_stats_fill(p, &tpl, 2, 5, &len),
                           "\"trendDirection\":\"down\",\"trend\":-3,\"value\":2}"));

    /* no uploaded-videos metric: no template */
    assert_int_equal(dash_stats_template(&tpl, p, dash_json_pool(p, json_object())),
                     APR_EINVAL);
}

/* ---- contentMetrics ------------------------------------------------------------ */

static void test_metric_trends(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    /* views, minutes, subscribers, likes, comments, shares */
    set_kpi(&in, p, "401, 135, 0, 403, 3, 1", "400, 0, 0, 400, 8, 3");
    r = build(p, &in);
    check_metric(p, r, 0, "401", "0.2", "\"up\"");     /* 0.25 exactly: to even */
    check_metric(p, r, 1, "2.2", "100", "\"up\"");     /* 135/60 = 2.25 exactly; prev 0 */
    /* 135 x 60 / 401 = 20.2 s = 0.34 minutes; none before */
    check_metric(p, r, 2, "0.3", "100", "\"up\"");
    check_metric(p, r, 3, "0", "0", "\"-\"");          /* 0 against 0 */
    check_metric(p, r, 4, "403", "0.8", "\"up\"");     /* 0.75 exactly: to even */
    check_metric(p, r, 5, "3", "-62.5", "\"down\"");
    check_metric(p, r, 6, "1", "-66.7", "\"down\"");
}

/* The trend is of the raw values, not of the rounded hours. */
static void test_metric_trend_raw(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    /* 61 and 62 minutes both show as 1 hour; the trend still sees them. */
    set_kpi(&in, p, "10, 62, 1, 1, 1, 1", "10, 61, 1, 1, 1, 1");
    r = build(p, &in);
    check_metric(p, r, 1, "1", "1.6", "\"up\"");
    /* 372 s against 366 s: 6.2 and 6.1 minutes, the trend of the seconds */
    check_metric(p, r, 2, "6.2", "1.6", "\"up\"");
    /* A trend that rounds to 0 has no direction. */
    set_kpi(&in, p, "10001, 1, 1, 1, 1, 1", "10000, 1, 1, 1, 1, 1");
    r = build(p, &in);
    check_metric(p, r, 0, "10001", "0", "\"-\"");
    set_kpi(&in, p, "9994, 1, 1, 1, 1, 1", "10000, 1, 1, 1, 1, 1");
    r = build(p, &in);
    check_metric(p, r, 0, "9994", "-0.1", "\"down\"");
}

static void test_metric_no_rows(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;
    int i;

    input(&in, p, DASH_MODE_MONTH, "2026-02-20");
    r = build(p, &in);
    for (i = 0; i < 8; i++) {
        check_metric(p, r, i, "0", "0", "\"-\"");
    }
    /* Data last period, none now: down 100 %. */
    set_series(&in, p, "[[\"2025-02-01\", 5, 60, 1, 2, 3, 4]]");
    r = build(p, &in);
    for (i = 0; i < 7; i++) {
        check_metric(p, r, i, "0", "-100", "\"down\"");
    }
    check_metric(p, r, 7, "0", "0", "\"-\"");
}

/* INTEGER columns arriving as 12.0 still print as integers. */
static void test_metric_integer_reals(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    set_kpi(&in, p, "12.0, 120.0, 3.0, 0.0, 1.0, 2.0", "6.0, 9.0, 0, 0, 0, 0");
    r = build(p, &in);
    check_metric(p, r, 0, "12", "100", "\"up\"");
    check_metric(p, r, 1, "2", "1233.3", "\"up\"");
    /* 600 s against 90 s */
    check_metric(p, r, 2, "10", "566.7", "\"up\"");
    check_metric(p, r, 3, "3", "100", "\"up\"");
    check_metric(p, r, 4, "0", "0", "\"-\"");
}

/*
 * Each KPI is the sum over the whole days of its window, and the average
 * view duration is minutes x 60 / views of those sums, not an average of
 * the daily averages; days just outside a window count for neither.
 */
static void test_metric_window_sums(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    /* kpi [2026-01-20, 2026-02-18], previous [2025-12-21, 2026-01-19] */
    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    set_series(&in, p,
        "[[\"2025-12-20\", 1000, 1000, 1000, 1000, 1000, 1000],"
        " [\"2025-12-21\", 30, 60, 1, 2, 3, 4],"
        " [\"2026-01-19\", 10, 0, 1, 0, 0, 0],"
        " [\"2026-01-20\", 3, 10, 2, 1, 1, 1],"
        " [\"2026-02-01\", 1, 0, 0, 0, 0, 0],"
        " [\"2026-02-18\", 0, 0, 0, 0, 0, 0],"
        " [\"2026-02-19\", 1000, 1000, 1000, 1000, 1000, 1000]]");
    r = build(p, &in);
    check_metric(p, r, 0, "4", "-90", "\"down\"");     /* 4 against 40 */
    check_metric(p, r, 1, "0.2", "-83.3", "\"down\""); /* 10 against 60 minutes */
    /* 10 x 60 / 4 = 150 s (the daily averages would give 100 s); 90 s before */
    check_metric(p, r, 2, "2.5", "66.7", "\"up\"");
    check_metric(p, r, 3, "2", "0", "\"-\"");
    check_metric(p, r, 4, "1", "-50", "\"down\"");
    check_metric(p, r, 5, "1", "-66.7", "\"down\"");
    check_metric(p, r, 6, "1", "-75", "\"down\"");
    /* The last day with a row, though it has no views. */
    assert_string_equal(text(p, r, "dataThrough"), "\"2026-02-18\"");
}

/* dataThrough: the latest day of [start, kpi_end] with a row, else null. */
static void test_data_through(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_MONTH, "2026-02-20");
    r = build(p, &in);
    assert_string_equal(text(p, r, "dataThrough"), "null");
    /* Rows of the previous window only, or past kpi_end, say nothing. */
    set_series(&in, p, "[[\"2025-02-18\", 1, 1, 1, 1, 1, 1],"
                       " [\"2026-02-19\", 1, 1, 1, 1, 1, 1]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "dataThrough"), "null");
    assert_true(dash_shape_copy(p, r) != NULL);
    /* Google stops at the last complete day: two days short here. */
    set_series(&in, p, "[[\"2026-02-16\", 1, 1, 1, 1, 1, 1],"
                       " [\"2025-03-01\", 1, 1, 1, 1, 1, 1],"
                       " [\"2026-02-19\", 1, 1, 1, 1, 1, 1]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "dataThrough"), "\"2026-02-16\"");
    /* The first day of the window counts too. */
    set_series(&in, p, "[[\"2025-03-01\", 1, 1, 1, 1, 1, 1]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "dataThrough"), "\"2025-03-01\"");
}

static void test_metric_labels(void **state)
{
    static const char *want[8][3] = {
        { "total-views", "조회수", "count" },
        { "total-watch-time", "시청시간", "hours" },
        { "avg-view-duration", "평균 시청시간", "minutes" },
        { "new-subscribers", "신규 구독자", "count" },
        { "likes", "좋아요", "count" },
        { "comments", "댓글", "count" },
        { "shares", "공유", "count" },
        { "uploaded-videos", "업로드 영상", "count" },
    };
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;
    int i;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    r = build(p, &in);
    assert_int_equal(json_array_size(at(p, r, "contentMetrics")), 8);
    for (i = 0; i < 8; i++) {
        json_t *m = json_array_get(at(p, r, "contentMetrics"), i);
        const char *key;
        json_t *v;
        int k = 0;
        static const char *keys[] = {
            "id", "label", "value", "unit", "trend", "trendDirection"
        };

        assert_string_equal(dash_json_str(m, "id"), want[i][0]);
        assert_string_equal(dash_json_str(m, "label"), want[i][1]);
        assert_string_equal(dash_json_str(m, "unit"), want[i][2]);
        json_object_foreach(m, key, v) {
            assert_true(k < 6);
            assert_string_equal(key, keys[k++]);
        }
        assert_int_equal(k, 6);
    }
}

/* ---- monthlyData / dailyData ----------------------------------------------------- */

static void test_daily(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    /* 2026-02-19 lies past end: Google would not send it, we would not
     * show it. Columns the other way round. */
    in.tables[DASH_Q_SERIES] = rt(p, MET("views", "INTEGER") "," DIM("day"),
        "[[40, \"2025-12-21\"], [11, \"2026-01-02\"], [6, \"2026-01-19\"],"
        " [52, \"2026-01-20\"], [4, \"2026-02-01\"], [9.0, \"2026-02-18\"],"
        " [1000, \"2026-02-19\"]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "monthlyData"), "[]");
    assert_int_equal(json_array_size(at(p, r, "dailyData")), 30);
    assert_string_equal(text(p, r, "dailyData.0"),
                        "{\"date\":\"2026-01-20\",\"thisPeriod\":52,\"lastPeriod\":40}");
    assert_string_equal(text(p, r, "dailyData.1"),
                        "{\"date\":\"2026-01-21\",\"thisPeriod\":0,\"lastPeriod\":0}");
    /* Feb 1 compares with Jan 2, 30 days earlier. */
    assert_string_equal(text(p, r, "dailyData.12"),
                        "{\"date\":\"2026-02-01\",\"thisPeriod\":4,\"lastPeriod\":11}");
    assert_string_equal(text(p, r, "dailyData.29"),
                        "{\"date\":\"2026-02-18\",\"thisPeriod\":9,\"lastPeriod\":6}");
}

/* Across a year end and a leap day. */
static void test_daily_boundaries(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2024-03-02");
    set_series(&in, p, "[[\"2024-01-01\", 1, 0, 0, 0, 0, 0],"
                       " [\"2024-01-30\", 30, 0, 0, 0, 0, 0],"
                       " [\"2024-02-29\", 29, 0, 0, 0, 0, 0]]");
    r = build(p, &in);
    assert_int_equal(json_array_size(at(p, r, "dailyData")), 30);
    assert_string_equal(text(p, r, "dailyData.0"),
                        "{\"date\":\"2024-01-31\",\"thisPeriod\":0,\"lastPeriod\":1}");
    assert_string_equal(text(p, r, "dailyData.29"),
                        "{\"date\":\"2024-02-29\",\"thisPeriod\":29,\"lastPeriod\":30}");
}

static void test_monthly_gaps(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    /* start 2024-02-01, end 2025-01-01, kpi_end 2024-12-30: the chart
     * spans a year end, and its last month has no complete day yet. */
    input(&in, p, DASH_MODE_MONTH, "2025-01-01");
    set_series(&in, p, "[[\"2023-02-01\", 3, 0, 0, 0, 0, 0],"
                       " [\"2023-02-28\", 5.0, 0, 0, 0, 0, 0],"
                       " [\"2023-12-30\", 4, 0, 0, 0, 0, 0],"
                       " [\"2023-12-31\", 100, 0, 0, 0, 0, 0],"
                       " [\"2024-12-01\", 2, 0, 0, 0, 0, 0],"
                       " [\"2024-12-30\", 3, 0, 0, 0, 0, 0]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "dailyData"), "[]");
    assert_int_equal(json_array_size(at(p, r, "monthlyData")), 12);
    assert_string_equal(text(p, r, "monthlyData.0"),
                        "{\"month\":\"2024-02\",\"thisYear\":0,\"lastYear\":8}");
    assert_string_equal(text(p, r, "monthlyData.5"),
                        "{\"month\":\"2024-07\",\"thisYear\":0,\"lastYear\":0}");
    /* December through the 30th on both sides: 2023-12-31 is left out. */
    assert_string_equal(text(p, r, "monthlyData.10"),
                        "{\"month\":\"2024-12\",\"thisYear\":5,\"lastYear\":4}");
    assert_string_equal(text(p, r, "monthlyData.11"),
                        "{\"month\":\"2025-01\",\"thisYear\":0,\"lastYear\":0}");
}

/*
 * The last month is counted month to date, and a year earlier over the
 * same days: like for like, where whole months before would draw a cliff.
 * Feb 29 has no counterpart a year later or earlier (prev_kpi_end is
 * Feb 28).
 */
static void test_monthly_like_for_like(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    /* kpi_end 2026-02-18, prev_kpi_end 2025-02-18 */
    input(&in, p, DASH_MODE_MONTH, "2026-02-20");
    set_series(&in, p, "[[\"2025-02-01\", 10, 0, 0, 0, 0, 0],"
                       " [\"2025-02-18\", 1, 0, 0, 0, 0, 0],"
                       " [\"2025-02-19\", 500, 0, 0, 0, 0, 0],"
                       " [\"2025-02-28\", 500, 0, 0, 0, 0, 0],"
                       " [\"2026-02-01\", 20, 0, 0, 0, 0, 0],"
                       " [\"2026-02-18\", 2, 0, 0, 0, 0, 0]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "monthlyData.11"),
                        "{\"month\":\"2026-02\",\"thisYear\":22,\"lastYear\":11}");

    /* A leap year: kpi_end 2024-02-29, prev_kpi_end 2023-02-28: whole
     * Februaries on both sides. */
    input(&in, p, DASH_MODE_MONTH, "2024-03-02");
    set_series(&in, p, "[[\"2023-02-28\", 7, 0, 0, 0, 0, 0],"
                       " [\"2023-03-01\", 100, 0, 0, 0, 0, 0],"
                       " [\"2024-02-29\", 9, 0, 0, 0, 0, 0],"
                       " [\"2024-03-01\", 100, 0, 0, 0, 0, 0]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "monthlyData.10"),
                        "{\"month\":\"2024-02\",\"thisYear\":9,\"lastYear\":7}");
    assert_string_equal(text(p, r, "monthlyData.11"),
                        "{\"month\":\"2024-03\",\"thisYear\":0,\"lastYear\":0}");

    /* kpi_end 2024-02-28 (Feb 29 not complete yet) against 2023-02-28. */
    input(&in, p, DASH_MODE_MONTH, "2024-03-01");
    set_series(&in, p, "[[\"2023-02-28\", 7, 0, 0, 0, 0, 0],"
                       " [\"2024-02-29\", 9, 0, 0, 0, 0, 0]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "monthlyData.10"),
                        "{\"month\":\"2024-02\",\"thisYear\":0,\"lastYear\":7}");
}

/* ---- topContent ---------------------------------------------------------------------- */

static void test_top_content_filter_then_take(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_MONTH, "2026-02-20");
    in.videos = videos;
    in.nvideos = 5;
    /* Two unknown ids among the first four rows must not cost vidC/vidD
     * their places (docs/differences.md#differences-from-the-original-service);
     * vidE is the fifth of ours and falls off. */
    in.tables[DASH_Q_TOP_VIDEOS] = rt(p,
        MET("likes", "INTEGER") "," MET("views", "INTEGER") "," DIM("video") ","
        MET("comments", "INTEGER"),
        "[[0, 9000, \"elsewhere1\", 0], [40, 900, \"vidA\", 9],"
        " [0, 800, \"elsewhere2\", 0], [1, 700, \"vidB\", 0],"
        " [3, 600.0, \"vidC\", 0], [0, 500, \"vidD\", 0], [5, 400, \"vidE\", 5]]");
    r = build(p, &in);
    assert_int_equal(json_array_size(at(p, r, "topContent")), 4);
    assert_string_equal(text(p, r, "topContent.0.id"), "\"vidA\"");
    assert_string_equal(text(p, r, "topContent.0.engagement"), "\"5.4%\"");
    assert_string_equal(text(p, r, "topContent.0.title"), "\"첫 영상\"");
    assert_string_equal(text(p, r, "topContent.1.id"), "\"vidB\"");
    assert_string_equal(text(p, r, "topContent.1.engagement"), "\"0.1%\"");
    assert_string_equal(text(p, r, "topContent.1.title"), "null");
    assert_string_equal(text(p, r, "topContent.2"),
                        "{\"id\":\"vidC\",\"title\":\"C\","
                        "\"thumbnail\":\"https://i.ytimg.com/vi/vidC/mqdefault.jpg\","
                        "\"platform\":\"youtube\",\"views\":600,\"engagement\":\"0.5%\","
                        "\"date\":\"2025.11.03\"}");
    assert_string_equal(text(p, r, "topContent.3.id"), "\"vidD\"");
    assert_string_equal(text(p, r, "topContent.3.engagement"), "\"0.0%\"");
}

static void test_top_content_engagement(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    in.videos = videos;
    in.nvideos = 4;
    in.tables[DASH_Q_TOP_VIDEOS] = rt(p, TOP_HEADERS,
        "[[\"vidA\", 0, 3, 1], [\"vidB\", 8, 1, 0], [\"vidC\", 3, 2, 2], [\"vidD\", 1, 0, 0]]");
    r = build(p, &in);
    /* No views: 0.0%, even with likes (a stats glitch must not divide by 0). */
    assert_string_equal(text(p, r, "topContent.0.engagement"), "\"0.0%\"");
    assert_string_equal(text(p, r, "topContent.1.engagement"), "\"12.5%\"");
    assert_string_equal(text(p, r, "topContent.2.engagement"), "\"133.3%\"");
    assert_string_equal(text(p, r, "topContent.3.engagement"), "\"0.0%\"");
    assert_string_equal(text(p, r, "topContent.3.views"), "1");
}

static void test_top_content_none_known(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    in.videos = videos;
    in.nvideos = 1;
    in.tables[DASH_Q_TOP_VIDEOS] = rt(p, TOP_HEADERS, "[[\"vidB\", 10, 1, 1]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "topContent"), "[]");
}

/* ---- audienceData --------------------------------------------------------------------- */

static void test_age_groups_order(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_MONTH, "2026-02-20");
    in.tables[DASH_Q_DEMOGRAPHICS] = rt(p, DEMO_HEADERS,
        "[[\"age65-\", \"male\", 1.5], [\"age25-34\", \"female\", 10.05],"
        " [\"age13-17\", \"male\", 2], [\"age45-54\", \"female\", 4.25],"
        " [\"age18-24\", \"user_specified\", 0.3], [\"age55-64\", \"male\", 0.05],"
        " [\"age35-44\", \"male\", 7.0]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "audienceData.ageGroups"),
                        "[{\"label\":\"13-17\",\"percentage\":2},"
                        "{\"label\":\"18-24\",\"percentage\":0.3},"
                        "{\"label\":\"25-34\",\"percentage\":10.1},"
                        "{\"label\":\"35-44\",\"percentage\":7},"
                        "{\"label\":\"45-54\",\"percentage\":4.2},"
                        "{\"label\":\"55-64\",\"percentage\":0.1},"
                        "{\"label\":\"65-\",\"percentage\":1.5}]");
}

/* user_specified counts toward its age group, never toward gender. */
static void test_user_specified(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_MONTH, "2026-02-20");
    in.tables[DASH_Q_DEMOGRAPHICS] = rt(p, DEMO_HEADERS,
        "[[\"age18-24\", \"user_specified\", 40.0], [\"age18-24\", \"female\", 12.5],"
        " [\"age35-44\", \"user_specified\", 47.5]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "audienceData.ageGroups"),
                        "[{\"label\":\"18-24\",\"percentage\":52.5},"
                        "{\"label\":\"35-44\",\"percentage\":47.5}]");
    assert_string_equal(text(p, r, "audienceData.gender"), "{\"male\":0,\"female\":12.5}");
}

static void test_audience_empty(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    r = build(p, &in);
    assert_string_equal(text(p, r, "audienceData"),
                        "{\"ageGroups\":[],\"gender\":{\"male\":0,\"female\":0},"
                        "\"topRegions\":[]}");
}

static void test_regions(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    set_kpi(&in, p, "3, 0, 0, 0, 0, 0", "0, 0, 0, 0, 0, 0");
    in.tables[DASH_Q_GEOGRAPHY] = rt(p, GEO_HEADERS,
                                     "[[\"US\", 2], [\"KR\", 1.0], [\"ZZ\", 0]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "audienceData.topRegions"),
                        "[{\"region\":\"US\",\"percentage\":66.7},"
                        "{\"region\":\"KR\",\"percentage\":33.3},"
                        "{\"region\":\"ZZ\",\"percentage\":0}]");
}

/* No kpi views (no rows, or a 0): percentages 0, never a division by 0. */
static void test_regions_kpi_zero(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    in.tables[DASH_Q_GEOGRAPHY] = rt(p, GEO_HEADERS, "[[\"KR\", 10], [\"JP\", 5]]");
    r = build(p, &in);
    assert_string_equal(text(p, r, "audienceData.topRegions"),
                        "[{\"region\":\"KR\",\"percentage\":0},"
                        "{\"region\":\"JP\",\"percentage\":0}]");
    set_kpi(&in, p, "0, 0, 0, 0, 0, 0", "1, 0, 0, 0, 0, 0");
    r = build(p, &in);
    assert_string_equal(text(p, r, "audienceData.topRegions.0"),
                        "{\"region\":\"KR\",\"percentage\":0}");
}

/* ---- whole-response shape ---------------------------------------------------------------- */

static void test_key_order(void **state)
{
    static const char *keys[] = {
        "contentMetrics", "monthlyData", "dailyData", "topContent", "audienceData",
        "hasUploads", "dataThrough"
    };
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *rs[2];
    int i;

    input(&in, p, DASH_MODE_DAY, "2026-02-20");
    rs[0] = build(p, &in);
    rs[1] = dash_stats_empty(p);
    for (i = 0; i < 2; i++) {
        const char *key;
        json_t *v;
        int k = 0;
        /* The no-uploads answer has no dataThrough. */
        int n = i == 0 ? 7 : 6;

        json_object_foreach(rs[i], key, v) {
            assert_true(k < n);
            assert_string_equal(key, keys[k++]);
        }
        assert_int_equal(k, n);
    }
    assert_string_equal(text(p, rs[0], "hasUploads"), "true");
}

/* Missing tables (a caller bug) still give a well-formed answer. */
static void test_null_tables(void **state)
{
    apr_pool_t *p = *state;
    dash_stats_in_t in;
    json_t *r;

    input(&in, p, DASH_MODE_MONTH, "2026-02-20");
    memset(in.tables, 0, sizeof(in.tables));
    r = build(p, &in);
    assert_true(dash_shape_copy(p, r) != NULL);
    assert_int_equal(json_array_size(at(p, r, "monthlyData")), 12);
}

#define ZERO_METRIC(id, label, unit) \
    "{\"id\":\"" id "\",\"label\":\"" label "\",\"value\":0,\"unit\":\"" unit "\"," \
    "\"trend\":0,\"trendDirection\":\"-\"}"

static void test_empty(void **state)
{
    apr_pool_t *p = *state;
    json_t *r = dash_stats_empty(p);

    assert_non_null(r);
    assert_string_equal(dash_json_dump(p, r, NULL),
        "{\"contentMetrics\":["
        ZERO_METRIC("total-views", "조회수", "count") ","
        ZERO_METRIC("total-watch-time", "시청시간", "hours") ","
        ZERO_METRIC("avg-view-duration", "평균 시청시간", "minutes") ","
        ZERO_METRIC("new-subscribers", "신규 구독자", "count") ","
        ZERO_METRIC("likes", "좋아요", "count") ","
        ZERO_METRIC("comments", "댓글", "count") ","
        ZERO_METRIC("shares", "공유", "count") ","
        ZERO_METRIC("uploaded-videos", "업로드 영상", "count") "],"
        "\"monthlyData\":[],\"dailyData\":[],\"topContent\":[],"
        "\"audienceData\":{\"ageGroups\":[],\"gender\":{\"male\":0,\"female\":0},"
        "\"topRegions\":[]},\"hasUploads\":false}");
    assert_true(dash_shape_copy(p, r) != NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_pool_setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_complete_month_serialized),
        T(test_uploads_placeholder),
        T(test_fill_uploads),
        T(test_template_fill),
        T(test_metric_trends),
        T(test_metric_trend_raw),
        T(test_metric_no_rows),
        T(test_metric_integer_reals),
        T(test_metric_window_sums),
        T(test_data_through),
        T(test_metric_labels),
        T(test_daily),
        T(test_daily_boundaries),
        T(test_monthly_gaps),
        T(test_monthly_like_for_like),
        T(test_top_content_filter_then_take),
        T(test_top_content_engagement),
        T(test_top_content_none_known),
        T(test_age_groups_order),
        T(test_user_specified),
        T(test_audience_empty),
        T(test_regions),
        T(test_regions_kpi_zero),
        T(test_key_order),
        T(test_null_tables),
        T(test_empty),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
