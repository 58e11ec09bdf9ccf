/*
 * A TZif file (DashboardReportTimeZone, docs/configuration.md) through
 * dash_tz_parse: the operator's file is read at start-up by the httpd
 * parent, so a damaged one must be refused with a reason, never read
 * past its end. A zone that parses gives, at any instant from 1900 to
 * 2200, an offset within RFC 8536's -25 h to +26 h and a calendar date
 * within two days of UTC's.
 */
#include <string.h>

#include "dash_tz.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    dash_tz_t *tz = NULL;
    const char *err = NULL;
    int i;

    if (dash_tz_parse(&tz, p, "fuzz", data, size, &err) != APR_SUCCESS) {
        FUZZ_CHECK(err != NULL && *err);
        apr_pool_destroy(p);
        return 0;
    }
    for (i = 0; i < 64; i++) {
        /* Steps of about 4.9 years from 1900 on, each a little off the
         * hour, so both the table and the TZ rule past it are reached. */
        apr_int64_t s = -2208988800LL + (apr_int64_t)i * 154321987LL + i * 3607;
        apr_time_t t = apr_time_from_sec(s);
        long off = dash_tz_offset(tz, t);
        dash_date_t d = dash_tz_date(tz, t);
        long days = dash_dates_to_days(d);
        long utc_days = (long)(s >= 0 ? s / 86400 : (s - 86399) / 86400);

        FUZZ_CHECK(off >= -89999 && off <= 93599);
        FUZZ_CHECK(d.m >= 1 && d.m <= 12 && d.d >= 1 && d.d <= 31);
        FUZZ_CHECK(days >= utc_days - 2 && days <= utc_days + 2);
    }
    apr_pool_destroy(p);
    return 0;
}
