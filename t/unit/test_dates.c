/* docs/behaviour.md#date-windows date windows and the date helpers under them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <apr_general.h>

#include "dash_dates.h"
#include "unit.h"
#include "unit_dates.h"

#define assert_date(d, s) do {                 \
        char buf_[11];                         \
        assert_string_equal(dash_dates_fmt(buf_, (d)), (s)); \
    } while (0)

/* ---- windows ----------------------------------------------------------- */

typedef struct {
    const char *today;
    dash_mode_e mode;
    /* start, end, kpi_end, prev_start, prev_kpi_end, prev_end */
    const char *want[6];
} window_case_t;

/* Expected values computed independently with Python's datetime, using the
 * seed's own formulas (docs/behaviour.md#date-windows). */
static const window_case_t window_cases[] = {
    /* The examples of docs/behaviour.md#date-windows */
    { "2026-02-20", DASH_MODE_DAY,   { "2026-01-20", "2026-02-18", "2026-02-18", "2025-12-21", "2026-01-19", "2026-01-19" } },
    { "2024-03-01", DASH_MODE_MONTH, { "2023-04-01", "2024-03-01", "2024-02-28", "2022-04-01", "2023-02-28", "2023-03-01" } },
    /* leap day and the days after it */
    { "2024-02-29", DASH_MODE_DAY,   { "2024-01-29", "2024-02-27", "2024-02-27", "2023-12-30", "2024-01-28", "2024-01-28" } },
    { "2024-02-29", DASH_MODE_MONTH, { "2023-03-01", "2024-02-01", "2024-02-27", "2022-03-01", "2023-02-27", "2023-02-01" } },
    { "2024-03-01", DASH_MODE_DAY,   { "2024-01-30", "2024-02-28", "2024-02-28", "2023-12-31", "2024-01-29", "2024-01-29" } },
    { "2024-03-02", DASH_MODE_DAY,   { "2024-01-31", "2024-02-29", "2024-02-29", "2024-01-01", "2024-01-30", "2024-01-30" } },
    /* kpi_end on Feb 29: the year before has no Feb 29 */
    { "2024-03-02", DASH_MODE_MONTH, { "2023-04-01", "2024-03-01", "2024-02-29", "2022-04-01", "2023-02-28", "2023-03-01" } },
    /* year boundaries */
    { "2025-01-01", DASH_MODE_DAY,   { "2024-12-01", "2024-12-30", "2024-12-30", "2024-11-01", "2024-11-30", "2024-11-30" } },
    { "2025-01-01", DASH_MODE_MONTH, { "2024-02-01", "2025-01-01", "2024-12-30", "2023-02-01", "2023-12-30", "2024-01-01" } },
    { "2025-01-02", DASH_MODE_DAY,   { "2024-12-02", "2024-12-31", "2024-12-31", "2024-11-02", "2024-12-01", "2024-12-01" } },
    { "2025-01-02", DASH_MODE_MONTH, { "2024-02-01", "2025-01-01", "2024-12-31", "2023-02-01", "2023-12-31", "2024-01-01" } },
    { "2026-12-31", DASH_MODE_DAY,   { "2026-11-30", "2026-12-29", "2026-12-29", "2026-10-31", "2026-11-29", "2026-11-29" } },
    { "2026-12-31", DASH_MODE_MONTH, { "2026-01-01", "2026-12-01", "2026-12-29", "2025-01-01", "2025-12-29", "2025-12-01" } },
    /* more month boundaries */
    { "2026-02-20", DASH_MODE_MONTH, { "2025-03-01", "2026-02-01", "2026-02-18", "2024-03-01", "2025-02-18", "2025-02-01" } },
    { "2025-03-01", DASH_MODE_DAY,   { "2025-01-29", "2025-02-27", "2025-02-27", "2024-12-30", "2025-01-28", "2025-01-28" } },
    { "2025-03-01", DASH_MODE_MONTH, { "2024-04-01", "2025-03-01", "2025-02-27", "2023-04-01", "2024-02-27", "2024-03-01" } },
    { "2024-01-15", DASH_MODE_MONTH, { "2023-02-01", "2024-01-01", "2024-01-13", "2022-02-01", "2023-01-13", "2023-01-01" } },
};

static void check_window(const window_case_t *c, const char *field,
                         dash_date_t got, const char *want)
{
    char buf[11];

    if (strcmp(dash_dates_fmt(buf, got), want) != 0) {
        fail_msg("today %s %s: %s is %s, want %s", c->today,
                 dash_mode_name(c->mode), field, buf, want);
    }
}

static void test_windows_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(window_cases) / sizeof(window_cases[0]); i++) {
        const window_case_t *c = &window_cases[i];
        dash_windows_t w;

        dash_dates_windows(&w, unit_date(c->today), c->mode);
        check_window(c, "start", w.start, c->want[0]);
        check_window(c, "end", w.end, c->want[1]);
        check_window(c, "kpi_end", w.kpi_end, c->want[2]);
        check_window(c, "prev_start", w.prev_start, c->want[3]);
        check_window(c, "prev_kpi_end", w.prev_kpi_end, c->want[4]);
        check_window(c, "prev_end", w.prev_end, c->want[5]);
    }
}

/* The chart covers exactly 30 days / 12 months, whatever the day. */
static void test_windows_lengths(void **state)
{
    dash_date_t today = unit_date("2023-01-01");
    int i;

    (void)state;
    for (i = 0; i < 3 * 366; i++, today = dash_dates_add_days(today, 1)) {
        dash_windows_t w;

        dash_dates_windows(&w, today, DASH_MODE_DAY);
        assert_int_equal(dash_dates_to_days(w.end) - dash_dates_to_days(w.start), 29);
        assert_int_equal(dash_dates_to_days(w.prev_end) - dash_dates_to_days(w.prev_start), 29);

        dash_dates_windows(&w, today, DASH_MODE_MONTH);
        assert_int_equal(w.start.d, 1);
        assert_int_equal(w.end.d, 1);
        assert_int_equal((w.end.y * 12 + w.end.m) - (w.start.y * 12 + w.start.m), 11);
        assert_int_equal(w.prev_start.y, w.start.y - 1);
        assert_int_equal(w.prev_end.y, w.end.y - 1);
        assert_int_equal(w.prev_kpi_end.y, w.kpi_end.y - 1);
    }
}

/* ---- day arithmetic ------------------------------------------------------ */

static void test_days_known(void **state)
{
    (void)state;
    assert_int_equal(dash_dates_to_days(unit_date("1970-01-01")), 0);
    assert_int_equal(dash_dates_to_days(unit_date("1969-12-31")), -1);
    assert_int_equal(dash_dates_to_days(unit_date("2000-03-01")), 11017);
    assert_int_equal(dash_dates_to_days(unit_date("0001-01-01")), -719162);
    assert_int_equal(dash_dates_to_days(unit_date("9999-12-31")), 2932896);
    assert_date(dash_dates_from_days(-719162), "0001-01-01");
    assert_date(dash_dates_from_days(11017), "2000-03-01");
}

/* from_days(to_days(d)) == d and consecutive day counts are consecutive
 * dates, across four centuries (leap centuries included). */
static void test_days_round_trip(void **state)
{
    dash_date_t d = unit_date("1899-12-31");
    long n = dash_dates_to_days(d);
    long stop = dash_dates_to_days(unit_date("2301-01-01"));

    (void)state;
    for (; n < stop; n++) {
        dash_date_t next = dash_dates_from_days(n + 1);

        assert_true(dash_dates_cmp(dash_dates_from_days(n), d) == 0);
        assert_int_equal(dash_dates_to_days(next), n + 1);
        assert_true(dash_dates_cmp(d, next) < 0);
        assert_true(dash_dates_cmp(next, d) > 0);
        assert_true(dash_dates_cmp(dash_dates_add_days(d, 1), next) == 0);
        d = next;
    }
}

static void test_add_days(void **state)
{
    (void)state;
    assert_date(dash_dates_add_days(unit_date("2024-02-28"), 1), "2024-02-29");
    assert_date(dash_dates_add_days(unit_date("2023-02-28"), 1), "2023-03-01");
    assert_date(dash_dates_add_days(unit_date("2100-02-28"), 1), "2100-03-01");
    assert_date(dash_dates_add_days(unit_date("2000-02-28"), 1), "2000-02-29");
    assert_date(dash_dates_add_days(unit_date("2025-01-01"), -1), "2024-12-31");
    assert_date(dash_dates_add_days(unit_date("2024-03-01"), -366), "2023-03-01");
    assert_date(dash_dates_add_days(unit_date("2024-03-01"), 0), "2024-03-01");
}

static void test_add_months(void **state)
{
    (void)state;
    assert_date(dash_dates_add_months(unit_date("2024-01-31"), 1), "2024-02-29");
    assert_date(dash_dates_add_months(unit_date("2023-01-31"), 1), "2023-02-28");
    assert_date(dash_dates_add_months(unit_date("2024-03-31"), -1), "2024-02-29");
    assert_date(dash_dates_add_months(unit_date("2024-02-29"), -12), "2023-02-28");
    assert_date(dash_dates_add_months(unit_date("2024-02-29"), 48), "2028-02-29");
    assert_date(dash_dates_add_months(unit_date("2024-01-15"), -13), "2022-12-15");
    assert_date(dash_dates_add_months(unit_date("2024-12-31"), 1), "2025-01-31");
    assert_date(dash_dates_add_months(unit_date("2024-05-31"), -1), "2024-04-30");
    assert_date(dash_dates_add_months(unit_date("2024-05-01"), 0), "2024-05-01");
}

/* ---- formatting ---------------------------------------------- */

static void test_fmt(void **state)
{
    char buf[11];
    char mbuf[8];
    dash_date_t d = { 987, 3, 4 };

    (void)state;
    assert_string_equal(dash_dates_fmt(buf, d), "0987-03-04");
    assert_string_equal(dash_dates_month_fmt(mbuf, d), "0987-03");
    d.y = 2026;
    d.m = 12;
    d.d = 31;
    assert_string_equal(dash_dates_fmt(buf, d), "2026-12-31");
    assert_string_equal(dash_dates_month_fmt(mbuf, d), "2026-12");
}

static void test_fmt_round_trip(void **state)
{
    static const char *good[] = {
        "2026-02-28", "2024-02-29", "2000-02-29", "1970-01-01", "9999-12-31",
        "2026-01-31", "2026-04-30", "2026-12-01"
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char buf[11];

        assert_string_equal(dash_dates_fmt(buf, unit_date(good[i])), good[i]);
    }
}

/* A series row's day: exactly "YYYY-MM-DD", and a day the calendar has. */
static void test_parse(void **state)
{
    static const char *const good[] = {
        "2026-02-18", "2024-02-29", "2000-02-29", "0001-01-01", "9999-12-31"
    };
    static const char *const bad[] = {
        "2026-02-30", "2023-02-29", "1900-02-29", "2026-13-01", "2026-00-10",
        "2026-01-00", "2026-1-18", "2026/02/18", "2026-02-1x", "20260218",
        "2026-02-18T", " 2026-02-18", "-026-02-18", ""
    };
    dash_date_t d;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char buf[11];

        assert_int_equal(dash_dates_parse(&d, good[i], strlen(good[i])), APR_SUCCESS);
        assert_string_equal(dash_dates_fmt(buf, d), good[i]);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (dash_dates_parse(&d, bad[i], strlen(bad[i])) == APR_SUCCESS) {
            fail_msg("parsed %s", bad[i]);
        }
    }
    /* The length is the caller's: no NUL needed, none read past. */
    assert_int_equal(dash_dates_parse(&d, "2026-02-18junk", 10), APR_SUCCESS);
    assert_int_equal(dash_dates_parse(&d, NULL, 10), APR_EINVAL);
}

/* ---- local date ---------------------------------------------------------- */

static void set_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

static void test_local(void **state)
{
    /* 2026-02-19 20:00 UTC: still the 19th in UTC, already the 20th in
     * Seoul (the seed's users) and the 19th in Los Angeles. */
    apr_time_t t = apr_time_from_sec(1771531200);
    char *saved = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;

    (void)state;
    set_tz("UTC0");
    assert_date(dash_dates_local(t), "2026-02-19");
    set_tz("KST-9");
    assert_date(dash_dates_local(t), "2026-02-20");
    set_tz("PST8");
    assert_date(dash_dates_local(t), "2026-02-19");
    if (saved != NULL) {
        set_tz(saved);
        free(saved);
    }
    else {
        unsetenv("TZ");
        tzset();
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_table),
        cmocka_unit_test(test_windows_lengths),
        cmocka_unit_test(test_days_known),
        cmocka_unit_test(test_days_round_trip),
        cmocka_unit_test(test_add_days),
        cmocka_unit_test(test_add_months),
        cmocka_unit_test(test_fmt),
        cmocka_unit_test(test_fmt_round_trip),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_local),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
