/* docs/behaviour.md#date-windows: the date windows, a pure function of
 * (today, mode), and the date formats the module writes. */
#ifndef DASH_DATES_H
#define DASH_DATES_H

#include <apr_errno.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "dash_mode.h"

typedef struct {
    int y, m, d;
} dash_date_t;

typedef struct {
    dash_date_t start;         /* chart and KPI start */
    dash_date_t end;           /* chart end */
    dash_date_t kpi_end;
    dash_date_t prev_start;
    dash_date_t prev_kpi_end;
    dash_date_t prev_end;      /* previous chart end */
} dash_windows_t;

void dash_dates_windows(dash_windows_t *w, dash_date_t today, dash_mode_e mode);

/* Days since 1970-01-01 (proleptic Gregorian) and back. */
long dash_dates_to_days(dash_date_t d);
dash_date_t dash_dates_from_days(long days);
dash_date_t dash_dates_add_days(dash_date_t d, long n);
/* Same day n months later (n may be negative); day clamped to the month's end. */
dash_date_t dash_dates_add_months(dash_date_t d, int n);
int dash_dates_cmp(dash_date_t a, dash_date_t b);

/* A "YYYY-MM-DD" day of len bytes (a series row's key) into *d: APR_EINVAL
 * for anything else, a day the calendar does not have included. */
apr_status_t dash_dates_parse(dash_date_t *d, const char *s, apr_size_t len);
/* "YYYY-MM-DD" into buf (at least 11 bytes); returns buf. */
char *dash_dates_fmt(char *buf, dash_date_t d);
/* "YYYY-MM" into buf (at least 8 bytes); returns buf. */
char *dash_dates_month_fmt(char *buf, dash_date_t d);
/* The local calendar date of t (the server's time zone). */
dash_date_t dash_dates_local(apr_time_t t);
/* "YYYY-MM-DD HH:MM:SS" of t in the server's local time (from p), the way
 * the token_expires_at column is kept (docs/behaviour.md#tokens). */
const char *dash_dates_local_timestamp(apr_pool_t *p, apr_time_t t);

#endif
