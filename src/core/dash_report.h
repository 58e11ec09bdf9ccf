/*
 * What the Google client, the store and the response builder share: which
 * Analytics report a table answers, and an upload of the channel. Kept
 * apart so that the builder, the memo, the cache and single flight compile
 * against neither libcurl nor libpq.
 */
#ifndef DASH_REPORT_H
#define DASH_REPORT_H

/* The seven Analytics calls of docs/behaviour.md#analytics-calls, in its order. */
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

#endif
