/*
 * What the tests of the response share: resultTables in Google's format,
 * the input of a channel with no data, the complete month's input and the
 * exact answer it builds, and reading members of an answer by dotted path.
 * Static inline: a test file that leaves a helper unused still builds
 * under -Werror.
 */
#ifndef DASH_STATS_FIXTURE_H
#define DASH_STATS_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <apr_strings.h>

#include "dash_json.h"
#include "dash_stats.h"
#include "dash_table.h"
#include "unit.h"
#include "unit_dates.h"

/* ---- resultTables in Google's format -------------------------------------- */

#define DIM(n) "{\"name\": \"" n "\", \"columnType\": \"DIMENSION\", \"dataType\": \"STRING\"}"
#define MET(n, t) "{\"name\": \"" n "\", \"columnType\": \"METRIC\", \"dataType\": \"" t "\"}"

/* The series' columns in the order docs/behaviour.md#analytics-calls requests them. */
#define SERIES_HEADERS DIM("day") "," MET("views", "INTEGER") ","                         \
    MET("estimatedMinutesWatched", "INTEGER") "," MET("subscribersGained", "INTEGER") "," \
    MET("likes", "INTEGER") "," MET("comments", "INTEGER") "," MET("shares", "INTEGER")
#define TOP_HEADERS DIM("video") "," MET("views", "INTEGER") "," MET("likes", "INTEGER") "," \
    MET("comments", "INTEGER")
#define DEMO_HEADERS DIM("ageGroup") "," DIM("gender") "," MET("viewerPercentage", "FLOAT")
#define GEO_HEADERS DIM("country") "," MET("views", "INTEGER")

/* A resultTable body; rows NULL leaves "rows" out, as Google does for no data. */
static inline const dash_table_t *rt(apr_pool_t *p, const char *headers, const char *rows)
{
    const char *body = apr_psprintf(p,
        "{\"kind\": \"youtubeAnalytics#resultTable\", \"columnHeaders\": [%s]%s%s}",
        headers, rows != NULL ? ", \"rows\": " : "", rows != NULL ? rows : "");
    dash_table_t *t = NULL;
    const char *err = NULL;

    if (dash_table_read(&t, p, body, strlen(body), &err) != APR_SUCCESS) {
        fail_msg("test table rejected (%s): %s", err, body);
    }
    return t;
}

/* Every table present with no rows: a channel Google has no data for. */
static inline void input(dash_stats_in_t *in, apr_pool_t *p, dash_mode_e mode,
                         const char *today)
{
    dash_date_t d = unit_date(today);

    memset(in, 0, sizeof(*in));
    in->mode = mode;
    dash_dates_windows(&in->win, d, mode);
    in->tables[DASH_Q_SERIES] = rt(p, SERIES_HEADERS, NULL);
    in->tables[DASH_Q_TOP_VIDEOS] = rt(p, TOP_HEADERS, NULL);
    in->tables[DASH_Q_DEMOGRAPHICS] = rt(p, DEMO_HEADERS, "[]");
    in->tables[DASH_Q_GEOGRAPHY] = rt(p, GEO_HEADERS, NULL);
}

static inline json_t *build(apr_pool_t *p, const dash_stats_in_t *in)
{
    json_t *r = dash_stats_build(p, in);

    assert_non_null(r);
    return r;
}

/* ---- reading the answer -------------------------------------------------------- */

/* The member at a dotted path ("contentMetrics.1.value"); fails when absent. */
static inline json_t *at(apr_pool_t *p, json_t *j, const char *path)
{
    char *copy = apr_pstrdup(p, path);
    char *last = NULL;
    char *tok;

    for (tok = apr_strtok(copy, ".", &last); tok != NULL && j != NULL;
         tok = apr_strtok(NULL, ".", &last)) {
        j = json_is_array(j) ? json_array_get(j, strtoul(tok, NULL, 10))
                             : json_object_get(j, tok);
    }
    if (j == NULL) {
        fail_msg("no member %s", path);
    }
    return j;
}

/* The serialized member: pins the number formatting, not just the value. */
static inline const char *text(apr_pool_t *p, json_t *j, const char *path)
{
    const char *s = dash_json_dump(p, at(p, j, path), NULL);

    assert_non_null(s);
    return s;
}

/* ---- the complete response ---------------------------------------------------- */

static const dash_video_t videos[] = {
    { "vidA", "첫 영상", "2026.01.02" },
    { "vidB", NULL, "2025.12.01" },
    { "vidC", "C", "2025.11.03" },
    { "vidD", "D", "2025.10.04" },
    { "vidE", "E", "2025.09.05" },
};

#define ZERO_MONTH(m) "{\"month\":\"" m "\",\"thisYear\":0,\"lastYear\":0},"

static const char complete_month[] =
    "{\"contentMetrics\":["
    "{\"id\":\"total-views\",\"label\":\"조회수\",\"value\":1520,\"unit\":\"count\","
    "\"trend\":12.5,\"trendDirection\":\"up\"},"
    "{\"id\":\"total-watch-time\",\"label\":\"시청시간\",\"value\":81.3,\"unit\":\"hours\","
    "\"trend\":-3.1,\"trendDirection\":\"down\"},"
    "{\"id\":\"avg-view-duration\",\"label\":\"평균 시청시간\",\"value\":3.2,"
    "\"unit\":\"minutes\",\"trend\":-13.9,\"trendDirection\":\"down\"},"
    "{\"id\":\"new-subscribers\",\"label\":\"신규 구독자\",\"value\":14,\"unit\":\"count\","
    "\"trend\":100,\"trendDirection\":\"up\"},"
    "{\"id\":\"likes\",\"label\":\"좋아요\",\"value\":80,\"unit\":\"count\","
    "\"trend\":0,\"trendDirection\":\"-\"},"
    "{\"id\":\"comments\",\"label\":\"댓글\",\"value\":12,\"unit\":\"count\","
    "\"trend\":-20,\"trendDirection\":\"down\"},"
    "{\"id\":\"shares\",\"label\":\"공유\",\"value\":0,\"unit\":\"count\","
    "\"trend\":0,\"trendDirection\":\"-\"},"
    "{\"id\":\"uploaded-videos\",\"label\":\"업로드 영상\",\"value\":6,\"unit\":\"count\","
    "\"trend\":2,\"trendDirection\":\"up\"}],"
    "\"monthlyData\":["
    "{\"month\":\"2025-03\",\"thisYear\":410,\"lastYear\":380},"
    ZERO_MONTH("2025-04")
    "{\"month\":\"2025-05\",\"thisYear\":12,\"lastYear\":0},"
    ZERO_MONTH("2025-06") ZERO_MONTH("2025-07") ZERO_MONTH("2025-08")
    ZERO_MONTH("2025-09") ZERO_MONTH("2025-10") ZERO_MONTH("2025-11")
    "{\"month\":\"2025-12\",\"thisYear\":1091,\"lastYear\":0},"
    "{\"month\":\"2026-01\",\"thisYear\":0,\"lastYear\":3},"
    "{\"month\":\"2026-02\",\"thisYear\":7,\"lastYear\":968}],"
    "\"dailyData\":[],"
    "\"topContent\":["
    "{\"id\":\"vidA\",\"title\":\"첫 영상\","
    "\"thumbnail\":\"https://i.ytimg.com/vi/vidA/mqdefault.jpg\",\"platform\":\"youtube\","
    "\"views\":900,\"engagement\":\"5.4%\",\"date\":\"2026.01.02\"},"
    "{\"id\":\"vidB\",\"title\":null,"
    "\"thumbnail\":\"https://i.ytimg.com/vi/vidB/mqdefault.jpg\",\"platform\":\"youtube\","
    "\"views\":0,\"engagement\":\"0.0%\",\"date\":\"2025.12.01\"}],"
    "\"audienceData\":{"
    "\"ageGroups\":[{\"label\":\"13-17\",\"percentage\":3},"
    "{\"label\":\"18-24\",\"percentage\":35.2},{\"label\":\"25-34\",\"percentage\":61.7}],"
    "\"gender\":{\"male\":50.1,\"female\":48.8},"
    "\"topRegions\":[{\"region\":\"KR\",\"percentage\":71.4},"
    "{\"region\":\"US\",\"percentage\":13.2}]},"
    "\"hasUploads\":true,\"dataThrough\":\"2026-02-18\"}";

static inline void complete_month_input(dash_stats_in_t *in, apr_pool_t *p)
{
    /* Windows: kpi [2025-03-01, 2026-02-18], previous [2024-03-01,
     * 2025-02-18]; the chart's months 2025-03 .. 2026-02. */
    input(in, p, DASH_MODE_MONTH, "2026-02-20");
    /* Columns in another order, with one we never asked for (Sample D);
     * rows out of order; days outside both windows and a day the calendar
     * does not have, all left out of the sums. */
    in->tables[DASH_Q_SERIES] = rt(p,
        MET("views", "INTEGER") "," MET("estimatedMinutesWatched", "INTEGER") ","
        MET("averageViewPercentage", "FLOAT") "," MET("subscribersGained", "INTEGER") ","
        DIM("day") "," MET("likes", "INTEGER") "," MET("shares", "INTEGER") ","
        MET("comments", "INTEGER"),
        "[[410, 4000, 76.6, 0, \"2025-03-10\", 80, 0, 0],"
        " [12.0, 800, 50.0, 0, \"2025-05-31\", 0, 0, 12],"
        " [1091, 78, 50.0, 14, \"2025-12-15\", 0, 0, 0],"
        " [7, 0, 0.0, 0, \"2026-02-18\", 0, 0, 0],"
        " [1000, 1000, 0.0, 1000, \"2026-02-19\", 1000, 1000, 1000],"
        " [1000, 1000, 0.0, 1000, \"2026-02-30\", 1000, 1000, 1000],"
        " [380, 5034, 50.0, 0, \"2024-03-02\", 80, 0, 15],"
        " [1000, 1000, 0.0, 1000, \"2024-02-29\", 1000, 1000, 1000],"
        " [3, 0, 0.0, 0, \"2025-01-09\", 0, 0, 0],"
        " [968, 0, 0.0, 0, \"2025-02-18\", 0, 0, 0],"
        " [500, 0, 0.0, 0, \"2025-02-19\", 0, 0, 0]]");
    in->tables[DASH_Q_TOP_VIDEOS] = rt(p, TOP_HEADERS,
        "[[\"vidX\", 5000, 1, 1], [\"vidA\", 900.0, 40, 9], [\"vidB\", 0, 0, 0]]");
    in->tables[DASH_Q_DEMOGRAPHICS] = rt(p, DEMO_HEADERS,
        "[[\"age18-24\", \"male\", 20.1], [\"age18-24\", \"female\", 15.1],"
        " [\"age13-17\", \"female\", 3.0], [\"age25-34\", \"user_specified\", 1.0],"
        " [\"age25-34\", \"male\", 30.0], [\"age25-34\", \"female\", 30.7]]");
    in->tables[DASH_Q_GEOGRAPHY] = rt(p, GEO_HEADERS, "[[\"KR\", 1085], [\"US\", 200]]");
    in->videos = videos;
    in->nvideos = 2;
}

#endif
