/*
 * What the Google client, the store and the response builder share: which
 * Analytics report a table answers, and an upload of the channel. Kept
 * apart so that the builder, the memo, the cache and single flight compile
 * against neither libcurl nor libpq.
 */
#ifndef DASH_REPORT_H
#define DASH_REPORT_H

/*
 * The four Analytics calls of docs/behaviour.md#analytics-calls, in their
 * order there. One daily series stands for the original's kpi,
 * kpi_previous, chart and chart_previous calls: both KPI windows and both
 * charts are sums over its days.
 */
typedef enum {
    DASH_Q_SERIES = 0,
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
