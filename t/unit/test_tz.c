/*
 * Time zones read from the tz database (docs/behaviour.md#date-windows):
 * "today" in DashboardReportTimeZone across both US DST changes, month
 * ends and Feb 29, whatever the server's own zone; the date windows from an
 * injected "now"; and every date checked against glibc's own reading of
 * the same files.
 */
#include <stdlib.h>
#include <time.h>

#include <apr_strings.h>

#include "dash_dates.h"
#include "dash_tz.h"
#include "unit.h"
#include "unit_dates.h"

static dash_tz_t *zone(apr_pool_t *p, const char *name)
{
    dash_tz_t *tz = NULL;
    const char *err = NULL;

    if (dash_tz_load(&tz, p, DASH_TZ_DIR, name, &err) != APR_SUCCESS) {
        fail_msg("%s: %s", name, err);
    }
    return tz;
}

/* An instant given in UTC as "YYYY-MM-DD HH:MM:SS". */
static apr_time_t utc(const char *s)
{
    int y, mo, d, h, mi, sec;
    dash_date_t day;

    if (sscanf(s, "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) {
        fail_msg("bad instant in a test: %s", s);
    }
    day.y = y, day.m = mo, day.d = d;
    return apr_time_from_sec((apr_time_t)dash_dates_to_days(day) * 86400
                             + h * 3600 + mi * 60 + sec);
}

static void assert_day(const dash_tz_t *tz, const char *at, const char *want)
{
    char buf[11];

    dash_dates_fmt(buf, dash_tz_date(tz, apr_time_from_sec(apr_time_sec(utc(at)))));
    if (strcmp(buf, want) != 0) {
        fail_msg("%s at %s UTC is %s, want %s", dash_tz_name(tz), at, buf, want);
    }
}

static void set_tz(const char *tz)
{
    if (tz != NULL) {
        setenv("TZ", tz, 1);
    }
    else {
        unsetenv("TZ");
    }
    tzset();
}

/* Pacific days around both US changes of 2026 (Mar 8, Nov 1), a month
 * end and the leap day of 2024, under any server zone: the zone read from
 * the file does not depend on TZ. */
static void test_pacific_days(void **state)
{
    static const char *const server[] = { "Asia/Seoul", "UTC", NULL };
    dash_tz_t *la = zone(*state, "America/Los_Angeles");
    int i;

    for (i = 0; i < 3; i++) {
        set_tz(server[i]);
        /* The last second of Mar 7 (PST, -8) and the first of Mar 8. */
        assert_day(la, "2026-03-08 07:59:59", "2026-03-07");
        assert_day(la, "2026-03-08 08:00:00", "2026-03-08");
        /* Mar 8 has 23 hours: it ends at 07:00 UTC (PDT, -7). */
        assert_day(la, "2026-03-09 06:59:59", "2026-03-08");
        assert_day(la, "2026-03-09 07:00:00", "2026-03-09");
        /* Nov 1 has 25 hours: it starts at 07:00 UTC and ends at 08:00. */
        assert_day(la, "2026-11-01 06:59:59", "2026-10-31");
        assert_day(la, "2026-11-01 07:00:00", "2026-11-01");
        assert_day(la, "2026-11-02 07:59:59", "2026-11-01");
        assert_day(la, "2026-11-02 08:00:00", "2026-11-02");
        /* Month end and a leap day. */
        assert_day(la, "2026-04-01 06:59:59", "2026-03-31");
        assert_day(la, "2024-03-01 07:59:59", "2024-02-29");
        assert_day(la, "2024-02-29 08:00:00", "2024-02-29");
        assert_day(la, "2024-03-01 08:00:00", "2024-03-01");
        /* New Year in Seoul is still Dec 31 in Los Angeles. */
        assert_day(la, "2026-12-31 16:00:00", "2026-12-31");
    }
    set_tz(NULL);
}

/* The offsets themselves, and past 2037 (the end of a "fat" file's
 * table): from the file's TZ rule. */
static void test_offsets(void **state)
{
    apr_pool_t *p = *state;
    dash_tz_t *la = zone(p, "America/Los_Angeles");
    dash_tz_t *seoul = zone(p, "Asia/Seoul");
    dash_tz_t *sydney = zone(p, "Australia/Sydney");

    assert_int_equal(dash_tz_offset(la, utc("2026-01-15 12:00:00")), -8 * 3600);
    assert_int_equal(dash_tz_offset(la, utc("2026-07-15 12:00:00")), -7 * 3600);
    assert_int_equal(dash_tz_offset(la, utc("2050-01-15 12:00:00")), -8 * 3600);
    assert_int_equal(dash_tz_offset(la, utc("2050-07-15 12:00:00")), -7 * 3600);
    /* Second Sunday of March 2040 is the 11th. */
    assert_int_equal(dash_tz_offset(la, utc("2040-03-11 09:59:59")), -8 * 3600);
    assert_int_equal(dash_tz_offset(la, utc("2040-03-11 10:00:00")), -7 * 3600);
    assert_int_equal(dash_tz_offset(seoul, utc("2026-03-08 08:00:00")), 9 * 3600);
    /* Southern hemisphere: summer time over the new year. */
    assert_int_equal(dash_tz_offset(sydney, utc("2050-01-15 00:00:00")), 11 * 3600);
    assert_int_equal(dash_tz_offset(sydney, utc("2050-07-15 00:00:00")), 10 * 3600);
    assert_string_equal(dash_tz_name(la), "America/Los_Angeles");
    assert_string_equal(dash_tz_name(NULL), "local");
}

/* A TZif file of version 2 with no transitions at all: everything from
 * its TZ rule, as in zic's "slim" files after their last transition. */
static const unsigned char *slim(apr_pool_t *p, const char *rule, apr_size_t *len)
{
    static const unsigned char v1[44 + 6] = {
        'T', 'Z', 'i', 'f', '2', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0,                 /* the rest of the reserved bytes */
        0, 0, 0, 0,  0, 0, 0, 0,    /* isutcnt, isstdcnt */
        0, 0, 0, 0,  0, 0, 0, 0,    /* leapcnt, timecnt */
        0, 0, 0, 1,  0, 0, 0, 0,    /* typecnt, charcnt */
        /* one type: UTC, no DST, name index 0 */
        0, 0, 0, 0, 0, 0
    };
    apr_size_t n = strlen(rule);
    unsigned char *d = apr_palloc(p, 2 * sizeof(v1) + n + 2);

    /* charcnt 0: the type's name index is never read. */
    memcpy(d, v1, 44);
    memcpy(d + 44, v1 + 44, 6);
    memcpy(d + 50, v1, 44);
    memcpy(d + 94, v1 + 44, 6);
    d[100] = '\n';
    memcpy(d + 101, rule, n);
    d[101 + n] = '\n';
    *len = 102 + n;
    return d;
}

static void test_rule_only(void **state)
{
    apr_pool_t *p = *state;
    const unsigned char *d;
    dash_tz_t *tz = NULL;
    const char *err = NULL;
    apr_size_t len;

    d = slim(p, "PST8PDT,M3.2.0,M11.1.0", &len);
    assert_int_equal(dash_tz_parse(&tz, p, "slim", d, len, &err), APR_SUCCESS);
    assert_day(tz, "2026-03-08 07:59:59", "2026-03-07");
    assert_day(tz, "2026-03-09 06:59:59", "2026-03-08");
    assert_day(tz, "2026-11-01 06:59:59", "2026-10-31");
    assert_day(tz, "2026-11-02 07:59:59", "2026-11-01");
    assert_day(tz, "2026-11-02 08:00:00", "2026-11-02");
    /* Forms of RFC 8536's TZ strings: <+09>, J days, times past 24 h. */
    d = slim(p, "<+09>-9", &len);
    assert_int_equal(dash_tz_parse(&tz, p, "slim", d, len, &err), APR_SUCCESS);
    assert_int_equal(dash_tz_offset(tz, utc("2026-06-01 00:00:00")), 9 * 3600);
    d = slim(p, "EST5EDT,J60/2,J305/2", &len);
    assert_int_equal(dash_tz_parse(&tz, p, "slim", d, len, &err), APR_SUCCESS);
    /* J60 is Mar 1 even in a leap year. */
    assert_int_equal(dash_tz_offset(tz, utc("2024-03-01 06:59:59")), -5 * 3600);
    assert_int_equal(dash_tz_offset(tz, utc("2024-03-01 07:00:00")), -4 * 3600);
    d = slim(p, "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", &len);
    assert_int_equal(dash_tz_parse(&tz, p, "slim", d, len, &err), APR_SUCCESS);
    assert_int_equal(dash_tz_offset(tz, utc("2026-06-01 00:00:00")), -2 * 3600);
    assert_int_equal(dash_tz_offset(tz, utc("2026-12-01 00:00:00")), -3 * 3600);
    /* Not a rule: refused whole. */
    d = slim(p, "PST8PDT,M3.2", &len);
    assert_int_equal(dash_tz_parse(&tz, p, "slim", d, len, &err), APR_EINVAL);
    assert_string_equal(err, "TZif footer is not a TZ rule");
    d = slim(p, "P8", &len);
    assert_int_equal(dash_tz_parse(&tz, p, "slim", d, len, &err), APR_EINVAL);
}

static void test_refused(void **state)
{
    static const char *const bad[] = {
        "", "/etc/passwd", "../../etc/passwd", "America/../../etc/passwd",
        "America/./Los_Angeles", ".hidden", "America//Los_Angeles", "America/",
        "America/Los Angeles", "America/Los_Angeles\n"
    };
    apr_pool_t *p = *state;
    dash_tz_t *tz = NULL;
    const char *err = NULL;
    apr_size_t i, len;
    const unsigned char *d;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err = NULL;
        if (dash_tz_load(&tz, p, DASH_TZ_DIR, bad[i], &err) != APR_EINVAL) {
            fail_msg("accepted %s", bad[i]);
        }
        assert_string_equal(err, "not a time zone name");
    }
    assert_int_equal(dash_tz_load(&tz, p, DASH_TZ_DIR, "America/Nowhere", &err),
                     APR_EINVAL);
    assert_string_equal(err, "no such zone in " DASH_TZ_DIR);
    /* A file of the database that is not a zone. */
    assert_int_equal(dash_tz_load(&tz, p, DASH_TZ_DIR, "zone.tab", &err), APR_EINVAL);
    assert_non_null(strstr(err, "not a TZif file"));
    /* An offset past RFC 8536's -25 h .. +26 h (here +27 h 46 m). */
    d = slim(p, "UTC0", &len);
    ((unsigned char *)d)[96] = 0x86;
    ((unsigned char *)d)[97] = 0xa0;
    ((unsigned char *)d)[95] = 0x01;
    assert_int_equal(dash_tz_parse(&tz, p, "far", d, len, &err), APR_EINVAL);
    assert_string_equal(err, "TZif offset out of range");
    /* Truncated anywhere: refused, never read past the end. */
    d = slim(p, "PST8PDT,M3.2.0,M11.1.0", &len);
    for (i = 0; i < 100; i++) {
        assert_int_equal(dash_tz_parse(&tz, p, "cut", d, i, &err), APR_EINVAL);
    }
}

/* The date windows of an injected "now": a server in Seoul at 01:00 on
 * the 20th asks Google through the 17th (Pacific: still the 19th), the
 * original through the 18th. */
static void test_windows_now(void **state)
{
    apr_pool_t *p = *state;
    dash_tz_t *la = zone(p, "America/Los_Angeles");
    apr_time_t now = utc("2026-02-19 16:00:00");   /* 01:00 KST on the 20th */
    dash_windows_t w;
    char buf[11];

    set_tz("Asia/Seoul");
    dash_dates_windows(&w, dash_tz_date(la, now), DASH_MODE_DAY);
    assert_string_equal(dash_dates_fmt(buf, w.kpi_end), "2026-02-17");
    assert_string_equal(dash_dates_fmt(buf, w.start), "2026-01-19");
    /* "local": the server's own day, as the original did. */
    dash_dates_windows(&w, dash_tz_date(NULL, now), DASH_MODE_DAY);
    assert_string_equal(dash_dates_fmt(buf, w.kpi_end), "2026-02-18");
    /* Month mode on the 1st of March in Seoul: still February in LA. */
    now = utc("2024-02-29 16:30:00");
    dash_dates_windows(&w, dash_tz_date(la, now), DASH_MODE_MONTH);
    assert_string_equal(dash_dates_fmt(buf, w.end), "2024-02-01");
    assert_string_equal(dash_dates_fmt(buf, w.kpi_end), "2024-02-27");
    dash_dates_windows(&w, dash_tz_date(NULL, now), DASH_MODE_MONTH);
    assert_string_equal(dash_dates_fmt(buf, w.end), "2024-03-01");
    assert_string_equal(dash_dates_fmt(buf, w.kpi_end), "2024-02-28");
    assert_string_equal(dash_dates_fmt(buf, w.prev_kpi_end), "2023-02-28");
    set_tz(NULL);
}

/* Every zone's date against glibc's localtime_r on the same file, hourly
 * steps around the changes and a pseudo-random walk from 1970 to 2100. */
static void test_against_glibc(void **state)
{
    static const char *const zones[] = {
        "America/Los_Angeles", "Asia/Seoul", "UTC", "Europe/London",
        "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata",
        "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca",
        "Pacific/Apia", "Europe/Dublin"
    };
    apr_pool_t *p = *state;
    size_t z;

    for (z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        dash_tz_t *tz = zone(p, zones[z]);
        apr_int64_t s = 0;
        unsigned long r = 12345 + z;
        int i;

        set_tz(zones[z]);
        for (i = 0; i < 20000; i++) {
            time_t tt;
            struct tm tm;
            dash_date_t got;

            r = r * 6364136223846793005UL + 1442695040888963407UL;
            s += (apr_int64_t)((r >> 33) % (4 * 86400)) + 1;
            if (s > (apr_int64_t)4102444800LL) {     /* 2100 */
                s = (apr_int64_t)((r >> 20) % 4102444800LL);
            }
            tt = (time_t)s;
            assert_non_null(localtime_r(&tt, &tm));
            got = dash_tz_date(tz, apr_time_from_sec(s));
            if (got.y != tm.tm_year + 1900 || got.m != tm.tm_mon + 1
                || got.d != tm.tm_mday) {
                fail_msg("%s at %lld: %04d-%02d-%02d, glibc %04d-%02d-%02d",
                         zones[z], (long long)s, got.y, got.m, got.d,
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
            }
            assert_int_equal(dash_tz_offset(tz, apr_time_from_sec(s)), tm.tm_gmtoff);
        }
    }
    set_tz(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_pool_setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pacific_days),
        T(test_offsets),
        T(test_rule_only),
        T(test_refused),
        T(test_windows_now),
        T(test_against_glibc),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
