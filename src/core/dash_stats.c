/*
 * docs/behaviour.md#response: the stats response from the four resultTables:
 * the KPIs and charts summed from the daily series, the rest read as sent.
 *
 * Objects are filled with "rc |= json_object_set_new(o, k, make())": every
 * call runs, and jansson releases a value it could not store (even when o
 * itself failed to allocate), so a failure leaks nothing and is reported
 * once at the end.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "dash_json.h"
#include "dash_stats.h"

/* docs/behaviour.md#response: top content shows at most 4 videos. */
#define DASH_TOP_CONTENT 4
/* The one metric the database, not Google, fills in. */
#define DASH_UPLOADS_ID "uploaded-videos"

static const dash_stats_metric_t metric_defs[] = {
    { "total-views",       "조회수",       "count",   "views",                   1 },
    { "total-watch-time",  "시청시간",     "hours",   "estimatedMinutesWatched", 60 },
    { "avg-view-duration", "평균 시청시간", "minutes", "averageViewDuration",     60 },
    { "new-subscribers",   "신규 구독자",   "count",   "subscribersGained",       1 },
    { "likes",             "좋아요",       "count",   "likes",                   1 },
    { "comments",          "댓글",         "count",   "comments",                1 },
    { "shares",            "공유",         "count",   "shares",                  1 },
    { DASH_UPLOADS_ID,     "업로드 영상",   "count",   NULL,                      1 }
};

#define DASH_NMETRICS ((int)(sizeof(metric_defs) / sizeof(metric_defs[0])))
_Static_assert(sizeof(metric_defs) / sizeof(metric_defs[0]) == DASH_STATS_NMETRICS,
               "dash_stats.h counts the metrics");

const dash_stats_metric_t *dash_stats_metric(int i)
{
    return i >= 0 && i < DASH_NMETRICS ? &metric_defs[i] : NULL;
}

/* ---- small value helpers ----------------------------------------------- */

static const char *direction(double trend)
{
    return trend > 0 ? "up" : trend < 0 ? "down" : "-";
}

/* A view count as a JSON integer; Google may send 12.0 for 12. */
static json_t *count_json(double v)
{
    return dash_json_number(round(v));
}

/* Percent change, rounded, with the zero-baseline rule of
 * docs/behaviour.md#response. */
static double trend_pct(double cur, double prev)
{
    if (prev != 0) {
        return dash_json_round1(((cur - prev) / prev) * 100);
    }
    return cur > 0 ? 100 : 0;
}

/* ---- the daily series ---------------------------------------------------- */

/* The series' metric columns (docs/behaviour.md#analytics-calls). */
enum { S_VIEWS, S_MINUTES, S_SUBSCRIBERS, S_LIKES, S_COMMENTS, S_SHARES, S_N };
static const char *const series_columns[S_N] = {
    "views", "estimatedMinutesWatched", "subscribersGained", "likes",
    "comments", "shares"
};

typedef struct {
    double sum[S_N];
} sums_t;

/* What the response needs from the series, in one pass over its rows. */
typedef struct {
    sums_t kpi;               /* over [start, kpi_end] */
    sums_t prev;              /* over [prev_start, prev_kpi_end] */
    apr_hash_t *day_views;    /* "YYYY-MM-DD" -> views */
    apr_hash_t *month_views;  /* "YYYY-MM" -> views of its days in the kpi window */
    apr_hash_t *prev_month_views; /* the same over the previous kpi window */
    int has_through;
    dash_date_t through;      /* the latest day of the kpi window with a row */
} series_t;

static int within(dash_date_t d, dash_date_t from, dash_date_t to)
{
    return dash_dates_cmp(d, from) >= 0 && dash_dates_cmp(d, to) <= 0;
}

static void add_views(apr_pool_t *p, apr_hash_t *h, const char *key, double v)
{
    double *sum = apr_hash_get(h, key, APR_HASH_KEY_STRING);

    if (sum == NULL) {
        sum = apr_pcalloc(p, sizeof(*sum));
        apr_hash_set(h, apr_pstrdup(p, key), APR_HASH_KEY_STRING, sum);
    }
    *sum += v;
}

static double views_at(apr_hash_t *h, const char *key)
{
    const double *sum = apr_hash_get(h, key, APR_HASH_KEY_STRING);

    return sum != NULL ? *sum : 0;
}

/*
 * Sums the series' days into both KPI windows and both charts. A day
 * without a row counts 0; a row whose day is not a calendar day is not one
 * of Google's and is left out. A month's views are those of its days
 * inside the window, so the chart's last month is counted through kpi_end
 * and, a year earlier, through prev_kpi_end: the same span of days.
 */
static void read_series(series_t *s, apr_pool_t *p, const dash_stats_in_t *in)
{
    const dash_table_t *t = in->tables[DASH_Q_SERIES];
    const dash_windows_t *w = &in->win;
    int dc = dash_table_col(t, "day");
    int col[S_N];
    int i, k;

    memset(s, 0, sizeof(*s));
    s->day_views = apr_hash_make(p);
    s->month_views = apr_hash_make(p);
    s->prev_month_views = apr_hash_make(p);
    for (k = 0; k < S_N; k++) {
        col[k] = dash_table_col(t, series_columns[k]);
    }
    for (i = 0; i < dash_table_nrows(t); i++) {
        const char *day = dash_table_str(t, i, dc);
        char key[11];
        double v[S_N];
        dash_date_t d;
        int in_kpi, in_prev;

        if (day == NULL || dash_dates_parse(&d, day, strlen(day)) != APR_SUCCESS) {
            continue;
        }
        for (k = 0; k < S_N; k++) {
            v[k] = dash_table_num(t, i, col[k]);
        }
        in_kpi = within(d, w->start, w->kpi_end);
        in_prev = within(d, w->prev_start, w->prev_kpi_end);
        for (k = 0; k < S_N; k++) {
            s->kpi.sum[k] += in_kpi ? v[k] : 0;
            s->prev.sum[k] += in_prev ? v[k] : 0;
        }
        add_views(p, s->day_views, dash_dates_fmt(key, d), v[S_VIEWS]);
        if (in_kpi) {
            add_views(p, s->month_views, dash_dates_month_fmt(key, d), v[S_VIEWS]);
            if (!s->has_through || dash_dates_cmp(d, s->through) > 0) {
                s->through = d;
                s->has_through = 1;
            }
        }
        if (in_prev) {
            add_views(p, s->prev_month_views, dash_dates_month_fmt(key, d),
                      v[S_VIEWS]);
        }
    }
}

/*
 * A KPI's raw value from a window's sums. averageViewDuration is not
 * summable: it is Google's own definition, minutes x 60 / views, over the
 * whole window (0 without views).
 */
static double kpi_value(const sums_t *s, const char *column)
{
    int k;

    if (s == NULL) {
        return 0;
    }
    if (strcmp(column, "averageViewDuration") == 0) {
        return s->sum[S_VIEWS] > 0 ? s->sum[S_MINUTES] * 60 / s->sum[S_VIEWS] : 0;
    }
    for (k = 0; k < S_N; k++) {
        if (strcmp(column, series_columns[k]) == 0) {
            return s->sum[k];
        }
    }
    return 0;
}

/* ---- contentMetrics ------------------------------------------------------ */

static json_t *metric_obj(const dash_stats_metric_t *def, json_t *value, json_t *trend,
                          const char *dir)
{
    json_t *o = json_object();
    int rc = 0;

    rc |= json_object_set_new(o, "id", json_string(def->id));
    rc |= json_object_set_new(o, "label", json_string(def->label));
    rc |= json_object_set_new(o, "value", value);
    rc |= json_object_set_new(o, "unit", json_string(def->unit));
    rc |= json_object_set_new(o, "trend", trend);
    rc |= json_object_set_new(o, "trendDirection", json_string(dir));
    return dash_json_done(o, rc);
}

/* NULL sums give the all-zero metrics of docs/behaviour.md#no-uploads. */
static json_t *content_metrics(const sums_t *kpi, const sums_t *prev)
{
    json_t *arr = json_array();
    int rc = 0;
    int i;

    for (i = 0; i < DASH_NMETRICS; i++) {
        const dash_stats_metric_t *def = &metric_defs[i];
        double cur = 0;
        double trend = 0;

        if (def->column != NULL) {
            cur = kpi_value(kpi, def->column);
            trend = trend_pct(cur, kpi_value(prev, def->column));
        }
        rc |= json_array_append_new(arr, metric_obj(def,
                                    dash_json_number(dash_json_round1(cur / def->divisor)),
                                    dash_json_number(trend), direction(trend)));
    }
    return dash_json_done(arr, rc);
}

static json_t *find_metric(json_t *resp, const char *id)
{
    json_t *metrics = json_object_get(resp, "contentMetrics");
    json_t *m;
    const char *mid;
    size_t i;

    json_array_foreach(metrics, i, m) {
        mid = dash_json_str(m, "id");
        if (mid != NULL && strcmp(mid, id) == 0) {
            return m;
        }
    }
    return NULL;
}

/* The holes of a template, in dash_stats_tpl_t.at's order. */
enum { HOLE_VALUE, HOLE_TREND, HOLE_DIRECTION };

apr_status_t dash_stats_template(dash_stats_tpl_t *t, apr_pool_t *p,
                                 json_t *resp)
{
    const json_t *holes[DASH_STATS_HOLES];
    json_t *m = find_metric(resp, DASH_UPLOADS_ID);
    int rc = 0;

    if (m == NULL) {
        return APR_EINVAL;
    }
    /* Fresh values, so their addresses mark the places in the text. */
    rc |= json_object_set_new(m, "value", json_integer(0));
    rc |= json_object_set_new(m, "trend", json_integer(0));
    rc |= json_object_set_new(m, "trendDirection", json_string("-"));
    if (rc != 0) {
        return APR_ENOMEM;
    }
    holes[HOLE_VALUE] = json_object_get(m, "value");
    holes[HOLE_TREND] = json_object_get(m, "trend");
    holes[HOLE_DIRECTION] = json_object_get(m, "trendDirection");
    t->text = dash_json_dump_split(p, resp, holes, DASH_STATS_HOLES, t->at,
                                   &t->len);
    if (t->text == NULL) {
        return APR_ENOMEM;
    }
    dash_etag_digest(t->digest, t->text, t->len, t->at, DASH_STATS_HOLES);
    return APR_SUCCESS;
}

/* v in decimal, as "%ld" writes it, at out (room for 21 bytes); returns
 * the length. */
static apr_size_t decimal(char *out, long v)
{
    char digits[24];
    unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
    apr_size_t n = 0;
    int nd = 0;

    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0) {
        out[n++] = '-';
    }
    while (nd > 0) {
        out[n++] = digits[--nd];
    }
    return n;
}

char *dash_stats_fill(apr_pool_t *p, const dash_stats_tpl_t *t,
                      long current, long previous, apr_size_t *plen)
{
    char fill[DASH_STATS_HOLES][24];
    apr_size_t flen[DASH_STATS_HOLES], total = t->len, from = 0, n = 0;
    long trend = current - previous;
    int order[DASH_STATS_HOLES] = { HOLE_VALUE, HOLE_TREND, HOLE_DIRECTION };
    const char *dir = direction((double)trend);
    apr_size_t dlen = strlen(dir);
    char *out;
    int i, j;

    /* Every hit makes these: written directly, not through apr_snprintf's
     * format parser. */
    flen[HOLE_VALUE] = decimal(fill[HOLE_VALUE], current);
    flen[HOLE_TREND] = decimal(fill[HOLE_TREND], trend);
    fill[HOLE_DIRECTION][0] = '"';
    memcpy(fill[HOLE_DIRECTION] + 1, dir, dlen);
    fill[HOLE_DIRECTION][dlen + 1] = '"';
    flen[HOLE_DIRECTION] = dlen + 2;
    /* Another writer's metric may hold its members in another order. */
    for (i = 1; i < DASH_STATS_HOLES; i++) {
        for (j = i; j > 0 && t->at[order[j - 1]] > t->at[order[j]]; j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    }
    for (i = 0; i < DASH_STATS_HOLES; i++) {
        total += flen[i];
    }
    out = apr_palloc(p, total + 1);
    for (i = 0; i < DASH_STATS_HOLES; i++) {
        int h = order[i];

        memcpy(out + n, t->text + from, t->at[h] - from);
        n += t->at[h] - from;
        memcpy(out + n, fill[h], flen[h]);
        n += flen[h];
        from = t->at[h];
    }
    memcpy(out + n, t->text + from, t->len - from);
    n += t->len - from;
    out[n] = '\0';
    *plen = n;
    return out;
}

/* ---- monthlyData / dailyData -------------------------------------------- */

/* The two charts differ only in these; see chart(). */
typedef struct {
    const char *key;        /* the entry's date member */
    const char *this_name;
    const char *last_name;
    int monthly;            /* steps and compares by month, else by day */
} chart_def_t;

static const chart_def_t monthly_def = { "month", "thisYear", "lastYear", 1 };
static const chart_def_t daily_def = { "date", "thisPeriod", "lastPeriod", 0 };

static json_t *chart_entry(const chart_def_t *def, const series_t *s,
                           dash_date_t d)
{
    char key[11];
    char prev_key[11];
    double cur, prev;
    json_t *o = json_object();
    int rc = 0;

    /* The previous side is the same span one year (month mode) or 30 days
     * (day mode) earlier: prev_start of docs/behaviour.md#date-windows. */
    if (def->monthly) {
        dash_dates_month_fmt(key, d);
        dash_dates_month_fmt(prev_key, dash_dates_add_months(d, -12));
        cur = views_at(s->month_views, key);
        prev = views_at(s->prev_month_views, prev_key);
    }
    else {
        dash_dates_fmt(key, d);
        dash_dates_fmt(prev_key, dash_dates_add_days(d, -30));
        cur = views_at(s->day_views, key);
        prev = views_at(s->day_views, prev_key);
    }
    rc |= json_object_set_new(o, def->key, json_string(key));
    rc |= json_object_set_new(o, def->this_name, count_json(cur));
    rc |= json_object_set_new(o, def->last_name, count_json(prev));
    return dash_json_done(o, rc);
}

/* One entry per month or day from win.start to win.end, zero-filled. */
static json_t *chart(const dash_stats_in_t *in, const series_t *s,
                     const chart_def_t *def)
{
    json_t *arr = json_array();
    dash_date_t d = in->win.start;
    int rc = 0;

    if (def->monthly) {
        d.d = 1;
    }
    while (dash_dates_cmp(d, in->win.end) <= 0) {
        rc |= json_array_append_new(arr, chart_entry(def, s, d));
        d = def->monthly ? dash_dates_add_months(d, 1) : dash_dates_add_days(d, 1);
    }
    return dash_json_done(arr, rc);
}

/* ---- topContent ------------------------------------------------------------ */

static const dash_video_t *find_video(const dash_stats_in_t *in, const char *id)
{
    int i;

    for (i = 0; i < in->nvideos; i++) {
        if (in->videos[i].id != NULL && strcmp(in->videos[i].id, id) == 0) {
            return &in->videos[i];
        }
    }
    return NULL;
}

/* A title the database handed over in another encoding is not valid
 * UTF-8, which json_string refuses; the video still belongs on the list. */
static json_t *string_or_null(const char *s)
{
    json_t *j = s != NULL ? json_string(s) : NULL;

    return j != NULL ? j : json_null();
}

static json_t *top_item(apr_pool_t *p, const dash_video_t *v, double views,
                        double likes, double comments)
{
    /* Wide enough for "%.1f" of any double. */
    char engagement[DBL_MAX_10_EXP + 8];
    double rate = views > 0 ? (likes + comments) / views * 100 : 0;
    json_t *o = json_object();
    int rc = 0;

    snprintf(engagement, sizeof(engagement), "%.1f%%", rate);
    rc |= json_object_set_new(o, "id", json_string(v->id));
    rc |= json_object_set_new(o, "title", string_or_null(v->title));
    rc |= json_object_set_new(o, "thumbnail", json_string(apr_pstrcat(p,
                              "https://i.ytimg.com/vi/", v->id,
                              "/mqdefault.jpg", NULL)));
    rc |= json_object_set_new(o, "platform", json_string("youtube"));
    rc |= json_object_set_new(o, "views", count_json(views));
    rc |= json_object_set_new(o, "engagement", json_string(engagement));
    rc |= json_object_set_new(o, "date", string_or_null(v->date));
    return dash_json_done(o, rc);
}

/* docs/differences.md#differences-from-the-original-service: drop ids
 * that are not among our uploads first, then take 4, so a video uploaded
 * elsewhere cannot push one of ours off the list. */
static json_t *top_content(apr_pool_t *p, const dash_stats_in_t *in)
{
    const dash_table_t *t = in->tables[DASH_Q_TOP_VIDEOS];
    int vc = dash_table_col(t, "video");
    int views = dash_table_col(t, "views");
    int likes = dash_table_col(t, "likes");
    int comments = dash_table_col(t, "comments");
    json_t *arr = json_array();
    int rc = 0;
    int i;

    for (i = 0; i < dash_table_nrows(t) && json_array_size(arr) < DASH_TOP_CONTENT; i++) {
        const char *id = dash_table_str(t, i, vc);
        const dash_video_t *v = id != NULL ? find_video(in, id) : NULL;

        if (v == NULL) {
            continue;
        }
        rc |= json_array_append_new(arr, top_item(p, v, dash_table_num(t, i, views),
                                                  dash_table_num(t, i, likes),
                                                  dash_table_num(t, i, comments)));
        if (rc != 0) {
            break;
        }
    }
    return dash_json_done(arr, rc);
}

/* ---- audienceData ------------------------------------------------------------ */

typedef struct {
    const char *label;    /* without Google's "age" prefix */
    double percentage;
} age_group_t;

/* Google's groups (13-17 … 65-) all start with two digits, so byte order
 * is age order. */
static int age_cmp(const void *a, const void *b)
{
    return strcmp(((const age_group_t *)a)->label, ((const age_group_t *)b)->label);
}

static age_group_t *age_slot(apr_array_header_t *groups, const char *label)
{
    age_group_t *g;
    int i;

    for (i = 0; i < groups->nelts; i++) {
        g = &APR_ARRAY_IDX(groups, i, age_group_t);
        if (strcmp(g->label, label) == 0) {
            return g;
        }
    }
    g = apr_array_push(groups);
    g->label = label;
    g->percentage = 0;
    return g;
}

/* viewerPercentage per age group, summed over every gender (user_specified
 * included), ascending by age. */
static apr_array_header_t *sum_age_groups(apr_pool_t *p, const dash_table_t *t)
{
    apr_array_header_t *groups = apr_array_make(p, 8, sizeof(age_group_t));
    int ac = dash_table_col(t, "ageGroup");
    int pc = dash_table_col(t, "viewerPercentage");
    int i;

    for (i = 0; i < dash_table_nrows(t); i++) {
        const char *age = dash_table_str(t, i, ac);

        if (age == NULL) {
            continue;
        }
        if (strncmp(age, "age", 3) == 0) {
            age += 3;
        }
        age_slot(groups, age)->percentage += dash_table_num(t, i, pc);
    }
    qsort(groups->elts, (size_t)groups->nelts, sizeof(age_group_t), age_cmp);
    return groups;
}

static json_t *label_pct(const char *name, const char *label, double pct)
{
    json_t *o = json_object();
    int rc = 0;

    rc |= json_object_set_new(o, name, json_string(label));
    rc |= json_object_set_new(o, "percentage", dash_json_number(dash_json_round1(pct)));
    return dash_json_done(o, rc);
}

static json_t *age_groups(apr_pool_t *p, const dash_table_t *t)
{
    apr_array_header_t *groups = sum_age_groups(p, t);
    json_t *arr = json_array();
    int rc = 0;
    int i;

    for (i = 0; i < groups->nelts; i++) {
        const age_group_t *g = &APR_ARRAY_IDX(groups, i, age_group_t);

        rc |= json_array_append_new(arr, label_pct("label", g->label, g->percentage));
    }
    return dash_json_done(arr, rc);
}

static double gender_sum(const dash_table_t *t, const char *gender)
{
    int gc = dash_table_col(t, "gender");
    int pc = dash_table_col(t, "viewerPercentage");
    double sum = 0;
    int i;

    for (i = 0; i < dash_table_nrows(t); i++) {
        const char *g = dash_table_str(t, i, gc);

        if (g != NULL && strcmp(g, gender) == 0) {
            sum += dash_table_num(t, i, pc);
        }
    }
    return sum;
}

/* NULL t gives {"male": 0, "female": 0}. */
static json_t *gender_obj(const dash_table_t *t)
{
    json_t *o = json_object();
    int rc = 0;

    rc |= json_object_set_new(o, "male", dash_json_number(dash_json_round1(gender_sum(t, "male"))));
    rc |= json_object_set_new(o, "female",
                              dash_json_number(dash_json_round1(gender_sum(t, "female"))));
    return dash_json_done(o, rc);
}

static json_t *top_regions(const dash_stats_in_t *in, const series_t *s)
{
    const dash_table_t *t = in->tables[DASH_Q_GEOGRAPHY];
    double total = s->kpi.sum[S_VIEWS];
    int cc = dash_table_col(t, "country");
    int vc = dash_table_col(t, "views");
    json_t *arr = json_array();
    int rc = 0;
    int i;

    for (i = 0; i < dash_table_nrows(t); i++) {
        const char *country = dash_table_str(t, i, cc);
        double pct = total > 0 ? dash_table_num(t, i, vc) / total * 100 : 0;

        if (country != NULL) {
            rc |= json_array_append_new(arr, label_pct("region", country, pct));
        }
    }
    return dash_json_done(arr, rc);
}

json_t *dash_stats_audience(json_t *ages, json_t *gender, json_t *regions)
{
    json_t *o = json_object();
    int rc = 0;

    rc |= json_object_set_new(o, "ageGroups", ages);
    rc |= json_object_set_new(o, "gender", gender);
    rc |= json_object_set_new(o, "topRegions", regions);
    return dash_json_done(o, rc);
}

/* ---- the response ------------------------------------------------------------ */

/* dataThrough: the latest day of the kpi window the series has, or null. */
static json_t *data_through(const series_t *s)
{
    char day[11];

    return s->has_through ? json_string(dash_dates_fmt(day, s->through))
                          : json_null();
}

/* Takes every value (see the top of the file) and gives the result to p.
 * through NULL leaves dataThrough out (docs/behaviour.md#no-uploads). */
static json_t *response_obj(apr_pool_t *p, json_t *metrics, json_t *monthly,
                            json_t *daily, json_t *top, json_t *audience,
                            int has_uploads, json_t *through)
{
    json_t *o = dash_json_pool(p, json_object());
    int rc = 0;

    rc |= json_object_set_new(o, "contentMetrics", metrics);
    rc |= json_object_set_new(o, "monthlyData", monthly);
    rc |= json_object_set_new(o, "dailyData", daily);
    rc |= json_object_set_new(o, "topContent", top);
    rc |= json_object_set_new(o, "audienceData", audience);
    rc |= json_object_set_new(o, "hasUploads", json_boolean(has_uploads));
    if (has_uploads) {
        rc |= json_object_set_new(o, "dataThrough", through);
    }
    /* On failure o is still released by p. */
    return rc == 0 ? o : NULL;
}

json_t *dash_stats_build(apr_pool_t *p, const dash_stats_in_t *in)
{
    const dash_table_t *demo = in->tables[DASH_Q_DEMOGRAPHICS];
    int monthly = in->mode == DASH_MODE_MONTH;
    series_t s;

    read_series(&s, p, in);
    return response_obj(p,
        content_metrics(&s.kpi, &s.prev),
        monthly ? chart(in, &s, &monthly_def) : json_array(),
        monthly ? json_array() : chart(in, &s, &daily_def),
        top_content(p, in),
        dash_stats_audience(age_groups(p, demo), gender_obj(demo), top_regions(in, &s)),
        1, data_through(&s));
}

json_t *dash_stats_empty(apr_pool_t *p)
{
    return response_obj(p, content_metrics(NULL, NULL), json_array(),
                        json_array(), json_array(),
                        dash_stats_audience(json_array(), gender_obj(NULL), json_array()),
                        0, NULL);
}
