/*
 * docs/behaviour.md#response: the stats response, built from the four resultTables and the
 * channel's uploads. Pure: no I/O, everything from the caller's pool.
 */
#ifndef DASH_STATS_H
#define DASH_STATS_H

#include <jansson.h>
#include "dash_dates.h"
#include "dash_etag.h"
#include "dash_mode.h"
#include "dash_report.h"
#include "dash_table.h"

typedef struct {
    dash_mode_e mode;
    dash_windows_t win;
    const dash_table_t *tables[DASH_NQ];
    const dash_video_t *videos;   /* the uploads passed to the API, newest first */
    int nvideos;
} dash_stats_in_t;

/*
 * The response object of docs/behaviour.md#response (owned by p). uploaded-videos is built with
 * value 0 and trend 0; dash_stats_fill puts the counts in.
 */
json_t *dash_stats_build(apr_pool_t *p, const dash_stats_in_t *in);

/* The answer for a channel without uploads (docs/behaviour.md#no-uploads),
 * owned by p. */
json_t *dash_stats_empty(apr_pool_t *p);

/* The three members of the uploaded-videos metric that change at every
 * request: value, trend, trendDirection. */
#define DASH_STATS_HOLES 3

/*
 * A response body with those three left out: text, and where each goes
 * (at[0] value, at[1] trend, at[2] trendDirection). What a cache hit
 * keeps, so that serving it again is a splice, not a serialization; and
 * the digest of text and at (dash_etag_digest), so that the body's ETag
 * is not a pass over the body either (dash_etag_counts).
 */
typedef struct {
    const char *text;
    apr_size_t len;
    apr_size_t at[DASH_STATS_HOLES];
    unsigned char digest[DASH_ETAG_DIGEST];
} dash_stats_tpl_t;

/* The template of resp, into p (resp's uploaded-videos members are
 * replaced in the process), its digest taken. APR_EINVAL when resp has
 * no such metric. */
apr_status_t dash_stats_template(dash_stats_tpl_t *t, apr_pool_t *p,
                                 json_t *resp);

/* The body of t with the counts filled in: uploaded-videos' value =
 * current, trend = current - previous, and its trendDirection;
 * NUL-terminated, *plen its length. */
char *dash_stats_fill(apr_pool_t *p, const dash_stats_tpl_t *t,
                      long current, long previous, apr_size_t *plen);

/* The 8 metrics of docs/behaviour.md#response, in their order. */
#define DASH_STATS_NMETRICS 8

typedef struct {
    const char *id;
    const char *label;
    const char *unit;
    const char *column;   /* series column it sums (averageViewDuration: derived);
                           * NULL: filled from the database later */
    double divisor;       /* unit conversion of value; trend uses raw values */
} dash_stats_metric_t;

/* The i-th metric (0 .. DASH_STATS_NMETRICS - 1), NULL past them. */
const dash_stats_metric_t *dash_stats_metric(int i);

/* {"ageGroups": ages, "gender": gender, "topRegions": regions}, taking
 * the three (released when the object cannot be made); NULL on failure
 * or when one of them is NULL. */
json_t *dash_stats_audience(json_t *ages, json_t *gender, json_t *regions);

#endif
