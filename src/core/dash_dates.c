/*
 * docs/behaviour.md#date-windows. Dates are plain (y, m, d) triples; arithmetic goes
 * through a day count so that month and year boundaries need no special
 * cases. The day count uses the proleptic Gregorian calendar (Hinnant's
 * days_from_civil), valid for any year an int can hold.
 */
#include <string.h>

#include <apr_strings.h>

#include "dash_dates.h"

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

/* Floor division: C's '/' truncates toward zero, which breaks eras < 0. */
static long floor_div(long a, long b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

long dash_dates_to_days(dash_date_t d)
{
    /* Shifting the year to start in March puts Feb 29 at the end of it. */
    long y = (long)d.y - (d.m <= 2);
    long era = floor_div(y, 400);
    long yoe = y - era * 400;
    long mp = (d.m + 9) % 12;
    long doy = (153 * mp + 2) / 5 + d.d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

dash_date_t dash_dates_from_days(long days)
{
    long z = days + 719468;
    long era = floor_div(z, 146097);
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    dash_date_t d;

    d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.y = (int)(yoe + era * 400 + (d.m <= 2));
    return d;
}

dash_date_t dash_dates_add_days(dash_date_t d, long n)
{
    return dash_dates_from_days(dash_dates_to_days(d) + n);
}

dash_date_t dash_dates_add_months(dash_date_t d, int n)
{
    long months = (long)d.y * 12 + (d.m - 1) + n;
    dash_date_t r;
    int last;

    r.y = (int)floor_div(months, 12);
    r.m = (int)(months - (long)r.y * 12) + 1;
    last = days_in_month(r.y, r.m);
    r.d = d.d > last ? last : d.d;
    return r;
}

int dash_dates_cmp(dash_date_t a, dash_date_t b)
{
    if (a.y != b.y) {
        return a.y < b.y ? -1 : 1;
    }
    if (a.m != b.m) {
        return a.m < b.m ? -1 : 1;
    }
    if (a.d != b.d) {
        return a.d < b.d ? -1 : 1;
    }
    return 0;
}

/*
 * Writes v as exactly width decimal digits. The formats are fixed-width
 * (Google's startDate pattern, the chart keys of docs/behaviour.md), so a year outside
 * 0..9999 — which a clock-derived date never has — is clamped rather than
 * allowed to overrun the caller's buffer.
 */
static char *put_digits(char *s, int v, int width)
{
    int max = width == 4 ? 9999 : 99;
    int i;

    if (v < 0) {
        v = 0;
    }
    else if (v > max) {
        v = max;
    }
    for (i = width - 1; i >= 0; i--) {
        s[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return s + width;
}

char *dash_dates_month_fmt(char *buf, dash_date_t d)
{
    char *s = put_digits(buf, d.y, 4);

    *s++ = '-';
    s = put_digits(s, d.m, 2);
    *s = '\0';
    return buf;
}

char *dash_dates_fmt(char *buf, dash_date_t d)
{
    char *s = dash_dates_month_fmt(buf, d) + 7;

    *s++ = '-';
    s = put_digits(s, d.d, 2);
    *s = '\0';
    return buf;
}

/* n decimal digits at s, or -1 when one is not a digit. */
static int get_digits(const char *s, int n)
{
    int v = 0;

    while (n-- > 0) {
        if (*s < '0' || *s > '9') {
            return -1;
        }
        v = v * 10 + (*s++ - '0');
    }
    return v;
}

apr_status_t dash_dates_parse(dash_date_t *d, const char *s, apr_size_t len)
{
    dash_date_t r;

    if (s == NULL || len != 10 || s[4] != '-' || s[7] != '-') {
        return APR_EINVAL;
    }
    r.y = get_digits(s, 4);
    r.m = get_digits(s + 5, 2);
    r.d = get_digits(s + 8, 2);
    if (r.y < 0 || r.m < 1 || r.m > 12 || r.d < 1
        || r.d > days_in_month(r.y, r.m)) {
        return APR_EINVAL;
    }
    *d = r;
    return APR_SUCCESS;
}

dash_date_t dash_dates_local(apr_time_t t)
{
    apr_time_exp_t tm;
    dash_date_t d;

    if (apr_time_exp_lt(&tm, t) != APR_SUCCESS) {
        /* Only a time the C library cannot convert gets here; UTC is the
         * nearest meaningful answer. */
        apr_time_exp_gmt(&tm, t);
    }
    d.y = tm.tm_year + 1900;
    d.m = tm.tm_mon + 1;
    d.d = tm.tm_mday;
    return d;
}

const char *dash_dates_local_timestamp(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t tm;

    apr_time_exp_lt(&tm, t);
    return apr_psprintf(p, "%04d-%02d-%02d %02d:%02d:%02d",
                        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                        tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void windows_day(dash_windows_t *w, dash_date_t today)
{
    w->end = dash_dates_add_days(today, -2);
    w->kpi_end = w->end;
    w->start = dash_dates_add_days(w->end, -29);
    w->prev_start = dash_dates_add_days(w->start, -30);
    w->prev_kpi_end = dash_dates_add_days(w->kpi_end, -30);
    w->prev_end = dash_dates_add_days(w->end, -30);
}

static void windows_month(dash_windows_t *w, dash_date_t today)
{
    /* The chart's months start on the 1st; the last one, like the KPIs,
     * runs only to the last complete day (docs/behaviour.md#date-windows). */
    w->end = today;
    w->end.d = 1;
    w->kpi_end = dash_dates_add_days(today, -2);
    w->start = dash_dates_add_months(w->end, -11);
    w->prev_start = dash_dates_add_months(w->start, -12);
    /* The month clamp turns Feb 29 into Feb 28, as docs/behaviour.md#date-windows asks. */
    w->prev_kpi_end = dash_dates_add_months(w->kpi_end, -12);
    w->prev_end = dash_dates_add_months(w->end, -12);
}

void dash_dates_windows(dash_windows_t *w, dash_date_t today, dash_mode_e mode)
{
    if (mode == DASH_MODE_DAY) {
        windows_day(w, today);
    }
    else {
        windows_month(w, today);
    }
}
