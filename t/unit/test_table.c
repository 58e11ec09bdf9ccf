/* youtubeAnalytics#resultTable reading (answers shaped like Google's samples). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>

#include "dash_table.h"
#include "unit.h"

/* Column name summed over every row through the reading calls (0 when
 * the column is absent). */
static double table_sum(const dash_table_t *t, const char *name)
{
    int col = dash_table_col(t, name), i;
    double sum = 0;

    for (i = 0; col >= 0 && i < dash_table_nrows(t); i++) {
        sum += dash_table_num(t, i, col);
    }
    return sum;
}

static dash_table_t *read_ok(apr_pool_t *p, const char *body)
{
    dash_table_t *t = NULL;
    const char *err = NULL;

    if (dash_table_read(&t, p, body, strlen(body), &err) != APR_SUCCESS) {
        fail_msg("rejected (%s): %s", err, body);
    }
    assert_non_null(t);
    return t;
}

/* Google's sample of: a day report. */
static const char sample_day[] =
    "{\"kind\": \"youtubeAnalytics#resultTable\","
    " \"columnHeaders\": ["
    "  {\"name\": \"day\", \"dataType\": \"STRING\", \"columnType\": \"DIMENSION\"},"
    "  {\"name\": \"views\", \"dataType\": \"INTEGER\", \"columnType\": \"METRIC\"},"
    "  {\"name\": \"likes\", \"dataType\": \"INTEGER\", \"columnType\": \"METRIC\"},"
    "  {\"name\": \"comments\", \"dataType\": \"INTEGER\", \"columnType\": \"METRIC\"},"
    "  {\"name\": \"grossRevenue\", \"dataType\": \"FLOAT\", \"columnType\": \"METRIC\"}"
    " ],"
    " \"rows\": ["
    "  [\"2022-06-20\", 778, 8, 0, 2.249],"
    "  [\"2022-06-21\", 1062, 32, 8, 3.558],"
    "  [\"2022-06-22\", 946, 38, 6, 2.91],"
    "  [\"2022-06-23\", 5107, 199, 15, 24.428],"
    "  [\"2022-06-24\", 2137, 61, 2, 6.691],"
    "  [\"2022-06-25\", 1005, 31, 6, 4.316],"
    "  [\"2022-06-26\", 888, 12, 1, 4.206]"
    " ]}";

static void test_read_day_report(void **state)
{
    dash_table_t *t = read_ok(*state, sample_day);

    assert_int_equal(dash_table_nrows(t), 7);
    assert_int_equal(dash_table_col(t, "day"), 0);
    assert_int_equal(dash_table_col(t, "views"), 1);
    assert_int_equal(dash_table_col(t, "grossRevenue"), 4);
    assert_int_equal(dash_table_col(t, "shares"), -1);
    assert_int_equal(dash_table_col(t, "View"), -1);
    assert_string_equal(dash_table_str(t, 0, 0), "2022-06-20");
    assert_string_equal(dash_table_str(t, 6, 0), "2022-06-26");
    assert_double_eq(dash_table_num(t, 3, dash_table_col(t, "views")), 5107);
    assert_double_eq(dash_table_num(t, 2, dash_table_col(t, "grossRevenue")), 2.91);
    assert_double_eq(table_sum(t, "views"), 778 + 1062 + 946 + 5107 + 2137 + 1005 + 888);
    assert_double_eq(table_sum(t, "comments"), 38);
    assert_double_eq(table_sum(t, "absent"), 0);
}

/* Sample A: an INTEGER column carrying 0.0 (and here 12.0). */
static void test_integer_as_real(void **state)
{
    dash_table_t *t = read_ok(*state,
        "{\"kind\": \"youtubeAnalytics#resultTable\","
        " \"columnHeaders\": ["
        "  {\"name\": \"30DayTotals\", \"columnType\": \"DIMENSION\", \"dataType\": \"STRING\"},"
        "  {\"name\": \"views\", \"columnType\": \"METRIC\", \"dataType\": \"INTEGER\"}],"
        " \"rows\": [[\"2016-05-01\", 0.0], [\"2016-05-02\", 12.0]]}");

    assert_double_eq(dash_table_num(t, 0, 1), 0);
    assert_double_eq(dash_table_num(t, 1, 1), 12);
    assert_double_eq(table_sum(t, "views"), 12);
}

/* Columns are found by name, whatever order Google sends them in. */
static void test_columns_by_name(void **state)
{
    dash_table_t *t = read_ok(*state,
        "{\"columnHeaders\": [{\"name\": \"likes\"}, {\"name\": \"video\"},"
        " {\"name\": \"views\"}], \"rows\": [[5, \"vidA\", 100]]}");

    assert_int_equal(dash_table_col(t, "video"), 1);
    assert_string_equal(dash_table_str(t, 0, dash_table_col(t, "video")), "vidA");
    assert_double_eq(dash_table_num(t, 0, dash_table_col(t, "views")), 100);
    assert_double_eq(dash_table_num(t, 0, dash_table_col(t, "likes")), 5);
}

static void test_no_rows(void **state)
{
    static const char *bodies[] = {
        /* Google omits rows when there is no data. */
        "{\"kind\": \"youtubeAnalytics#resultTable\", \"columnHeaders\": ["
        " {\"name\": \"views\", \"columnType\": \"METRIC\", \"dataType\": \"INTEGER\"}]}",
        /* Sample E: an empty rows array. */
        "{\"kind\": \"youtubeAnalytics#resultTable\", \"columnHeaders\": ["
        " {\"name\": \"ageGroup\", \"columnType\": \"DIMENSION\", \"dataType\": \"STRING\"},"
        " {\"name\": \"gender\", \"columnType\": \"DIMENSION\", \"dataType\": \"STRING\"},"
        " {\"name\": \"viewerPercentage\", \"columnType\": \"METRIC\", \"dataType\": \"FLOAT\"}],"
        " \"rows\": []}",
        /* No columns at all is a valid, empty table. */
        "{\"columnHeaders\": []}"
    };
    size_t i;

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        dash_table_t *t = read_ok(*state, bodies[i]);

        assert_int_equal(dash_table_nrows(t), 0);
        assert_double_eq(dash_table_num(t, 0, 0), 0);
        assert_null(dash_table_str(t, 0, 0));
        assert_double_eq(table_sum(t, "views"), 0);
    }
}

static void test_out_of_range(void **state)
{
    dash_table_t *t = read_ok(*state,
        "{\"columnHeaders\": [{\"name\": \"country\"}, {\"name\": \"views\"}],"
        " \"rows\": [[\"KR\", 7], [null, \"8\"]]}");

    assert_double_eq(dash_table_num(t, 0, -1), 0);
    assert_double_eq(dash_table_num(t, 0, 2), 0);
    assert_double_eq(dash_table_num(t, -1, 1), 0);
    assert_double_eq(dash_table_num(t, 2, 1), 0);
    assert_null(dash_table_str(t, 0, -1));
    assert_null(dash_table_str(t, 2, 0));
    /* Wrong cell types read as "nothing", not as garbage. */
    assert_double_eq(dash_table_num(t, 0, 0), 0);
    assert_null(dash_table_str(t, 0, 1));
    assert_null(dash_table_str(t, 1, 0));
    assert_double_eq(dash_table_num(t, 1, 1), 0);
    assert_double_eq(table_sum(t, "views"), 7);
}

static void test_null_table(void **state)
{
    (void)state;
    assert_int_equal(dash_table_nrows(NULL), 0);
    assert_int_equal(dash_table_col(NULL, "views"), -1);
    assert_double_eq(dash_table_num(NULL, 0, 0), 0);
    assert_null(dash_table_str(NULL, 0, 0));
    assert_double_eq(table_sum(NULL, "views"), 0);
}

typedef struct {
    const char *body;
    const char *reason;   /* a substring of *perr */
} bad_case_t;

/* A day report whose second row's views cell is CELL. */
#define ODD(cell) \
    "{\"columnHeaders\": [{\"name\": \"day\", \"dataType\": \"STRING\"}," \
    " {\"name\": \"views\", \"dataType\": \"INTEGER\"}]," \
    " \"rows\": [[\"2026-01-01\", 3], [\"2026-01-02\", " cell "]]}"

/* Figures at the bounds, and cells of columns that are not typed as
 * numbers (dimensions, or an answer without dataType), pass as they are. */
static void test_figures_accepted(void **state)
{
    dash_table_t *t = read_ok(*state, ODD("0"));

    assert_double_eq(dash_table_num(t, 1, 1), 0);
    t = read_ok(*state, ODD("1000000000000000"));
    assert_double_eq(dash_table_num(t, 1, 1), 1e15);
    t = read_ok(*state, ODD("-0.0"));
    t = read_ok(*state, ODD("12.0"));
    assert_double_eq(dash_table_num(t, 1, 1), 12);
    t = read_ok(*state, "{\"columnHeaders\": [{\"name\": \"day\", \"dataType\": \"STRING\"},"
                        " {\"name\": \"views\"}], \"rows\": [[7, \"x\"]]}");
    assert_double_eq(dash_table_num(t, 0, 1), 0);
}

static void test_rejects(void **state)
{
    static const bad_case_t bad[] = {
        { "", "not JSON" },
        { "<html>502 Bad Gateway</html>", "not JSON" },
        { "{\"columnHeaders\": [", "not JSON" },
        { "[]", "not an object" },
        { "42", "not an object" },
        { "\"x\"", "not an object" },
        { "{}", "no columnHeaders array" },
        { "{\"error\": {\"code\": 500, \"message\": \"Backend Error\"}}",
          "no columnHeaders array" },
        { "{\"columnHeaders\": {\"name\": \"views\"}}", "no columnHeaders array" },
        { "{\"columnHeaders\": null}", "no columnHeaders array" },
        { "{\"columnHeaders\": [{\"name\": \"views\"}, {\"dataType\": \"INTEGER\"}]}",
          "column header 1 has no string name" },
        { "{\"columnHeaders\": [{\"name\": 3}]}", "column header 0 has no string name" },
        { "{\"columnHeaders\": [\"views\"]}", "column header 0 has no string name" },
        { "{\"columnHeaders\": [{\"name\": \"views\"}], \"rows\": {}}",
          "rows is not an array" },
        { "{\"columnHeaders\": [{\"name\": \"views\"}], \"rows\": null}",
          "rows is not an array" },
        { "{\"columnHeaders\": [{\"name\": \"views\"}], \"rows\": \"1\"}",
          "rows is not an array" },
        { "{\"columnHeaders\": [{\"name\": \"views\"}], \"rows\": [[1], 2]}",
          "row 1 is not an array" },
        { "{\"columnHeaders\": [{\"name\": \"views\"}], \"rows\": [{\"views\": 1}]}",
          "row 0 is not an array" },
        { "{\"columnHeaders\": [{\"name\": \"day\"}, {\"name\": \"views\"}],"
          " \"rows\": [[\"2026-01-01\", 1], [\"2026-01-02\"]]}",
          "row 1 has 1 cells, not 2" },
        { "{\"columnHeaders\": [{\"name\": \"views\"}], \"rows\": [[1, 2]]}",
          "row 0 has 2 cells, not 1" },
        { "{\"columnHeaders\": [{\"name\": \"views\"}], \"rows\": [[]]}",
          "row 0 has 0 cells, not 1" },
        /* Cells that are not figures where the column type says they are. */
        { ODD("\"12\""), "row 1, column views: a string where the column type is a number" },
        { ODD("null"), "row 1, column views: null" },
        { ODD("true"), "row 1, column views: a boolean" },
        { ODD("false"), "row 1, column views: a boolean" },
        { ODD("[1]"), "row 1, column views: not a number" },
        { ODD("{}"), "row 1, column views: not a number" },
        { ODD("-1"), "row 1, column views: negative" },
        { ODD("-0.5"), "row 1, column views: negative" },
        { ODD("1e300"), "row 1, column views: absurdly large" },
        { ODD("1000000000000001"), "row 1, column views: absurdly large" },
        { ODD("1e400"), "not JSON" },
        { "{\"columnHeaders\": [{\"name\": \"p\", \"dataType\": \"FLOAT\"}],"
          " \"rows\": [[1.5], [\"NaN\"]]}", "row 1, column p: a string" },
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        dash_table_t *t = NULL;
        const char *err = NULL;
        apr_status_t rv = dash_table_read(&t, *state, bad[i].body,
                                          strlen(bad[i].body), &err);

        if (rv != APR_EINVAL) {
            fail_msg("accepted: %s", bad[i].body);
        }
        assert_null(t);
        assert_non_null(err);
        if (strstr(err, bad[i].reason) == NULL) {
            fail_msg("reason \"%s\" for %s, want \"%s\"", err, bad[i].body,
                     bad[i].reason);
        }
        /* perr is optional. */
        assert_int_equal(dash_table_read(&t, *state, bad[i].body,
                                         strlen(bad[i].body), NULL), APR_EINVAL);
    }
}

/* The body needs no NUL: only len bytes are read. */
static void test_len_bounded(void **state)
{
    static const char body[] = "{\"columnHeaders\": [{\"name\": \"views\"}]}GARBAGE";
    dash_table_t *t = NULL;

    assert_int_equal(dash_table_read(&t, *state, body, strlen(body) - 7, NULL),
                     APR_SUCCESS);
    assert_int_equal(dash_table_col(t, "views"), 0);
    assert_int_equal(dash_table_nrows(t), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_pool_setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_read_day_report),
        T(test_figures_accepted),
        T(test_integer_as_real),
        T(test_columns_by_name),
        T(test_no_rows),
        T(test_out_of_range),
        T(test_null_table),
        T(test_rejects),
        T(test_len_bounded),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
