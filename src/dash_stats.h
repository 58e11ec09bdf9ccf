/*
 * SPEC §5.8: the stats response, built from the seven resultTables and the
 * channel's uploads. Pure: no I/O, everything from the caller's pool.
 */
#ifndef DASH_STATS_H
#define DASH_STATS_H

#include <jansson.h>
#include "dash.h"
#include "dash_dates.h"
#include "dash_table.h"

/* The seven Analytics calls of §5.7, in the contract's order. */
typedef enum {
    DASH_Q_KPI = 0,
    DASH_Q_KPI_PREVIOUS,
    DASH_Q_CHART,
    DASH_Q_CHART_PREVIOUS,
    DASH_Q_TOP_VIDEOS,
    DASH_Q_DEMOGRAPHICS,
    DASH_Q_GEOGRAPHY,
    DASH_NQ
} dash_query_e;

/* One upload of the channel, as read from the dashboard table. */
typedef struct {
    const char *id;      /* platform_video_id */
    const char *title;   /* may be NULL */
    const char *date;    /* uploaded_at as "YYYY.MM.DD" */
} dash_video_t;

typedef struct {
    dash_mode_e mode;
    dash_windows_t win;
    const dash_table_t *tables[DASH_NQ];
    const dash_video_t *videos;   /* the uploads passed to the API, newest first */
    int nvideos;
} dash_stats_in_t;

/*
 * The §5.8 response object (owned by p). uploaded-videos is built with
 * value 0 and trend 0; the caller patches it with dash_stats_set_uploads.
 */
json_t *dash_stats_build(apr_pool_t *p, const dash_stats_in_t *in);

/* The §5.5 answer for a channel without uploads (owned by p). */
json_t *dash_stats_empty(apr_pool_t *p);

/* Sets the uploaded-videos metric: value = current, trend = current - previous. */
void dash_stats_set_uploads(json_t *resp, long current, long previous);

/*
 * Whether resp has the §5.8 shape: the 8 metrics with their ids in order
 * and numeric value/trend, the four arrays, audienceData with its three
 * members, and a boolean hasUploads. A cached value failing this is a miss.
 */
int dash_stats_valid(const json_t *resp);

#endif
