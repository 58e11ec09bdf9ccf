/* Pool-bound jansson and the response's number formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>

#include "dash_json.h"
#include "unit.h"

/* dash_json_dump of j, failing the test when it returns NULL. */
static const char *dump(apr_pool_t *p, json_t *j)
{
    const char *s = dash_json_dump(p, j, NULL);

    assert_non_null(s);
    return s;
}

/* The dump of a one-element array holding dash_json_number(v). */
static const char *number_text(apr_pool_t *p, double v)
{
    json_t *arr = dash_json_pool(p, json_array());

    assert_non_null(arr);
    assert_int_equal(json_array_append_new(arr, dash_json_number(v)), 0);
    return dump(p, arr);
}

/* ---- dash_json_pool --------------------------------------------------------- */

static void test_pool_releases(void **state)
{
    apr_pool_t *sub;
    json_t *j = json_object();

    (void)state;
    assert_int_equal(apr_pool_create(&sub, *state), APR_SUCCESS);
    assert_ptr_equal(dash_json_pool(sub, j), j);
    json_incref(j);   /* our own reference, to watch the pool's go */
    assert_int_equal(j->refcount, 2);
    apr_pool_clear(sub);
    assert_int_equal(j->refcount, 1);
    json_decref(j);
    apr_pool_destroy(sub);
}

static void test_pool_null(void **state)
{
    assert_null(dash_json_pool(*state, NULL));
}

/* ---- dash_json_parse -------------------------------------------------------- */

static void test_parse_ok(void **state)
{
    /* Only the first len bytes count: no NUL needed. */
    static const char buf[] = "{\"a\": [1, 2.5, \"x\"]}trailing";
    json_t *j = NULL;
    const char *err = NULL;

    assert_int_equal(dash_json_parse(&j, *state, buf, 20, &err), APR_SUCCESS);
    assert_true(json_is_object(j));
    assert_null(err);
    assert_int_equal(json_array_size(json_object_get(j, "a")), 3);
}

static void test_parse_scalar(void **state)
{
    json_t *j = NULL;

    assert_int_equal(dash_json_parse(&j, *state, "42", 2, NULL), APR_SUCCESS);
    assert_int_equal(json_integer_value(j), 42);
}

static void test_parse_errors(void **state)
{
    static const char *bad[] = {
        "", "{", "{\"a\":}", "[1,]", "nul", "{\"a\":1}x", "<html>"
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *j = NULL;
        const char *err = NULL;

        assert_int_equal(dash_json_parse(&j, *state, bad[i], strlen(bad[i]), &err),
                         APR_EINVAL);
        assert_non_null(err);
        assert_true(strlen(err) > 0);
        assert_null(j);
    }
    /* perr may be NULL. */
    {
        json_t *j = NULL;

        assert_int_equal(dash_json_parse(&j, *state, "{", 1, NULL), APR_EINVAL);
    }
}

/* ---- dash_json_dump ------------------------------------------------------------ */

static void test_dump_compact_ordered_utf8(void **state)
{
    apr_pool_t *p = *state;
    json_t *o = dash_json_pool(p, json_object());
    json_t *arr = json_array();
    apr_size_t len = 0;
    const char *s;

    assert_int_equal(json_object_set_new(o, "zeta", json_integer(1)), 0);
    assert_int_equal(json_object_set_new(o, "alpha", json_string("조회수")), 0);
    assert_int_equal(json_object_set_new(o, "mid", arr), 0);
    assert_int_equal(json_array_append_new(arr, json_true()), 0);
    assert_int_equal(json_array_append_new(arr, json_null()), 0);
    assert_int_equal(json_array_append_new(arr, json_string("a\"b/c\n")), 0);
    assert_int_equal(json_object_set_new(o, "beta", json_object()), 0);
    s = dash_json_dump(p, o, &len);
    assert_string_equal(s, "{\"zeta\":1,\"alpha\":\"조회수\",\"mid\":[true,null,"
                           "\"a\\\"b/c\\n\"],\"beta\":{}}");
    assert_int_equal(len, strlen(s));
}

static void test_dump_scalar_and_null(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(dump(p, dash_json_pool(p, json_string("x"))), "\"x\"");
    assert_null(dash_json_dump(p, NULL, NULL));
}

/* Replacing a member keeps its place (t/unit/uploads.h relies on it). */
static void test_dump_replace_keeps_order(void **state)
{
    apr_pool_t *p = *state;
    json_t *o = dash_json_pool(p, json_object());

    assert_int_equal(json_object_set_new(o, "a", json_integer(1)), 0);
    assert_int_equal(json_object_set_new(o, "b", json_integer(2)), 0);
    assert_int_equal(json_object_set_new(o, "c", json_integer(3)), 0);
    assert_int_equal(json_object_set_new(o, "a", json_integer(9)), 0);
    assert_string_equal(dump(p, o), "{\"a\":9,\"b\":2,\"c\":3}");
}

/* Without reals the writer's bytes are json_dumps(JSON_COMPACT)'s: every
 * escape, every control character, integer extremes, nesting. */
static void test_dump_same_bytes_as_jansson(void **state)
{
    apr_pool_t *p = *state;
    json_t *o = dash_json_pool(p, json_object());
    json_t *arr = json_array();
    char ctl[2] = { 0, 0 };
    char *ref;
    int c;

    assert_int_equal(json_object_set_new(o, "k\"\\\t", arr), 0);
    for (c = 1; c < 0x20; c++) {
        ctl[0] = (char)c;
        assert_int_equal(json_array_append_new(arr, json_string(ctl)), 0);
    }
    assert_int_equal(json_array_append_new(arr, json_stringn("a\0b", 3)), 0);
    assert_int_equal(json_array_append_new(arr, json_string("\x7f/é€😀")), 0);
    assert_int_equal(json_array_append_new(arr, json_integer(LLONG_MAX)), 0);
    assert_int_equal(json_array_append_new(arr, json_integer(LLONG_MIN)), 0);
    assert_int_equal(json_array_append_new(arr, json_false()), 0);
    assert_int_equal(json_object_set_new(o, "", json_pack("{s:[],s:{s:[[]]}}", "a", "b", "c")), 0);
    ref = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(ref);
    assert_string_equal(dump(p, o), ref);
    free(ref);
}

/* dash_json_dump_split leaves the holes out and says where they were. */
static void test_dump_split(void **state)
{
    apr_pool_t *p = *state;
    json_t *o = dash_json_pool(p, json_pack("{s:i,s:[i,i],s:s}", "a", 1, "b", 2, 3, "c", "x"));
    const json_t *holes[2];
    apr_size_t off[2], len;
    char *s;

    holes[0] = json_object_get(o, "c");
    holes[1] = json_array_get(json_object_get(o, "b"), 0);
    s = dash_json_dump_split(p, o, holes, 2, off, &len);
    assert_non_null(s);
    assert_string_equal(s, "{\"a\":1,\"b\":[,3],\"c\":}");
    assert_int_equal(len, strlen(s));
    assert_int_equal(off[0], strlen("{\"a\":1,\"b\":[,3],\"c\":"));
    assert_int_equal(off[1], strlen("{\"a\":1,\"b\":["));
    /* a hole that is not in the document */
    holes[1] = dash_json_pool(p, json_integer(1));
    assert_null(dash_json_dump_split(p, o, holes, 2, off, &len));
}

/* ---- dash_json_number ------------------------------------------------------------ */

static void test_number_integers(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(number_text(p, 1520), "[1520]");
    assert_string_equal(number_text(p, 1520.0), "[1520]");
    assert_string_equal(number_text(p, 100), "[100]");
    assert_string_equal(number_text(p, 0), "[0]");
    assert_string_equal(number_text(p, -0.0), "[0]");
    assert_string_equal(number_text(p, -12), "[-12]");
    assert_string_equal(number_text(p, 9007199254740991.0), "[9007199254740991]");
    assert_true(json_is_integer(dash_json_pool(p, dash_json_number(12.0))));
}

static void test_number_reals_shortest(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(number_text(p, 81.3), "[81.3]");
    assert_string_equal(number_text(p, dash_json_round1(4878 / 60.0)), "[81.3]");
    assert_string_equal(number_text(p, -3.1), "[-3.1]");
    assert_string_equal(number_text(p, 0.1), "[0.1]");
    assert_string_equal(number_text(p, 12.5), "[12.5]");
    assert_string_equal(number_text(p, 35.2), "[35.2]");
    assert_string_equal(number_text(p, 58.1), "[58.1]");
    assert_string_equal(number_text(p, 41.9), "[41.9]");
    assert_string_equal(number_text(p, 123456789.1), "[123456789.1]");
    assert_string_equal(number_text(p, dash_json_round1(1e12 / 3)), "[333333333333.3]");
    assert_true(json_is_real(dash_json_pool(p, dash_json_number(0.5))));
}

static void test_number_mixed_document(void **state)
{
    apr_pool_t *p = *state;
    json_t *arr = dash_json_pool(p, json_array());

    assert_int_equal(json_array_append_new(arr, dash_json_number(81.3)), 0);
    assert_int_equal(json_array_append_new(arr, dash_json_number(7)), 0);
    assert_int_equal(json_array_append_new(arr, dash_json_number(-0.4)), 0);
    assert_string_equal(dump(p, arr), "[81.3,7,-0.4]");
}

/* A value that was not rounded still reads back exactly. */
static void test_number_unrounded_exact(void **state)
{
    apr_pool_t *p = *state;
    double v = 0.1 + 0.2;
    const char *s = number_text(p, v);
    json_t *back = NULL;

    assert_string_equal(s, "[0.30000000000000004]");
    assert_int_equal(dash_json_parse(&back, p, s, strlen(s), NULL), APR_SUCCESS);
    assert_double_eq(json_real_value(json_array_get(back, 0)), v);
}

static void test_number_not_finite(void **state)
{
    (void)state;
    assert_null(dash_json_number(NAN));
    assert_null(dash_json_number(INFINITY));
}

/* ---- dash_json_round1 ------------------------------------------------------------------ */

static void test_round1(void **state)
{
    (void)state;
    assert_double_eq(dash_json_round1(0.05), 0.1);    /* 0.05000000000000000277 */
    assert_double_eq(dash_json_round1(2.25), 2.2);    /* exact tie: to even */
    assert_double_eq(dash_json_round1(2.35), 2.4);    /* 2.35000000000000008882 */
    assert_double_eq(dash_json_round1(0.25), 0.2);
    assert_double_eq(dash_json_round1(0.15), 0.1);    /* 0.14999999999999999445 */
    assert_double_eq(dash_json_round1(0.35), 0.3);
    assert_double_eq(dash_json_round1(81.25), 81.2);
    assert_double_eq(dash_json_round1(81.35), 81.3);
    assert_double_eq(dash_json_round1(-3.14), -3.1);
    assert_double_eq(dash_json_round1(-2.25), -2.2);
    assert_double_eq(dash_json_round1(12.45), 12.4);
    assert_double_eq(dash_json_round1(4878 / 60.0), 81.3);
    assert_double_eq(dash_json_round1(1520), 1520);
    assert_double_eq(dash_json_round1(1e300), 1e300);
    assert_double_eq(dash_json_round1(-1e20), -1e20);
    assert_true(isnan(dash_json_round1(NAN)));
}

static void test_round1_negative_zero(void **state)
{
    (void)state;
    assert_double_eq(dash_json_round1(-0.04), 0);
    assert_false(signbit(dash_json_round1(-0.04)));
    assert_false(signbit(dash_json_round1(-0.0)));
}

/* ---- dash_json_str ------------------------------------------------------------------ */

static void test_str(void **state)
{
    apr_pool_t *p = *state;
    json_t *o = NULL;
    const char *body = "{\"s\": \"v\", \"n\": 1, \"z\": null}";

    assert_int_equal(dash_json_parse(&o, p, body, strlen(body), NULL), APR_SUCCESS);
    assert_string_equal(dash_json_str(o, "s"), "v");
    assert_null(dash_json_str(o, "n"));
    assert_null(dash_json_str(o, "z"));
    assert_null(dash_json_str(o, "absent"));
    assert_null(dash_json_str(json_object_get(o, "s"), "s"));
    assert_null(dash_json_str(NULL, "s"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_pool_setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pool_releases),
        T(test_pool_null),
        T(test_parse_ok),
        T(test_parse_scalar),
        T(test_parse_errors),
        T(test_dump_compact_ordered_utf8),
        T(test_dump_scalar_and_null),
        T(test_dump_replace_keeps_order),
        T(test_dump_same_bytes_as_jansson),
        T(test_dump_split),
        T(test_number_integers),
        T(test_number_reals_shortest),
        T(test_number_mixed_document),
        T(test_number_unrounded_exact),
        T(test_number_not_finite),
        T(test_round1),
        T(test_round1_negative_zero),
        T(test_str),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
