/* Query-string decoding and the identifier rule of docs/api.md#errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_strings.h>
#include "dash_params.h"
#include "unit.h"

static apr_table_t *parse_ok(apr_pool_t *p, const char *args)
{
    apr_table_t *t = NULL;
    const char *err = NULL;

    assert_int_equal(dash_params_parse(&t, p, args, &err), APR_SUCCESS);
    assert_non_null(t);
    return t;
}

static void test_decoding(void **state)
{
    apr_pool_t *p = *state;
    apr_table_t *t = parse_ok(p, "mode=day&platform_user_id=UC%41b+c%2Fd&x");

    assert_string_equal(apr_table_get(t, "mode"), "day");
    assert_string_equal(apr_table_get(t, "platform_user_id"), "UCAb c/d");
    assert_string_equal(apr_table_get(t, "x"), "");
    assert_null(apr_table_get(t, "y"));
}

static void test_empty_and_null(void **state)
{
    apr_pool_t *p = *state;

    assert_true(apr_is_empty_table(parse_ok(p, NULL)));
    assert_true(apr_is_empty_table(parse_ok(p, "")));
    assert_true(apr_is_empty_table(parse_ok(p, "&&")));
}

/* No "last one wins": a repeated name is refused, however it is spelled. */
static void test_repeated(void **state)
{
    apr_pool_t *p = *state;
    const char *bad[] = { "mode=day&mode=month", "mode=day&mode=day",
                          "user_uuid=a&x=1&user_uuid=b", "Mode=day&mode=month",
                          "mo%64e=day&mode=month", "x&x", "x=&x=1", NULL };
    int i;

    for (i = 0; bad[i]; i++) {
        apr_table_t *t = NULL;
        const char *err = NULL;

        if (dash_params_parse(&t, p, bad[i], &err) != APR_EINVAL) {
            fail_msg("accepted: %s", bad[i]);
        }
        assert_string_equal(err, "a repeated parameter");
    }
    parse_ok(p, "mode=day&platform_user_id=x&&");
}

static void test_malformed(void **state)
{
    apr_pool_t *p = *state;
    const char *bad[] = { "a=%", "a=%4", "a=%zz", "a=%00", "%=1", NULL };
    int i;

    for (i = 0; bad[i]; i++) {
        apr_table_t *t = NULL;
        const char *err = NULL;

        assert_int_equal(dash_params_parse(&t, p, bad[i], &err), APR_EINVAL);
        assert_non_null(err);
    }
}

static void test_ids(void **state)
{
    char long_ok[129], too_long[130];

    (void)state;
    memset(long_ok, 'a', 128);
    long_ok[128] = '\0';
    memset(too_long, 'a', 129);
    too_long[129] = '\0';

    assert_null(dash_params_check_id("UCabc-_123"));
    assert_null(dash_params_check_id("채널"));
    assert_null(dash_params_check_id(long_ok));
    assert_null(dash_params_check_id("a b"));
    assert_non_null(dash_params_check_id(NULL));
    assert_non_null(dash_params_check_id(""));
    assert_non_null(dash_params_check_id(too_long));
    assert_non_null(dash_params_check_id("a\tb"));
    assert_non_null(dash_params_check_id("a\nb"));
    assert_non_null(dash_params_check_id("a\x7f"));
    assert_non_null(dash_params_check_id("a\xc2\x85"));   /* U+0085 NEL */
    assert_non_null(dash_params_check_id("\xff"));
    assert_non_null(dash_params_check_id("\xc0\xaf"));    /* overlong '/' */
    assert_non_null(dash_params_check_id("\xed\xa0\x80")); /* surrogate */
    assert_non_null(dash_params_check_id("\xe2\x82"));    /* truncated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_decoding, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_null, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_repeated, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_malformed, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_ids, unit_pool_setup, unit_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("params", tests, NULL, NULL);
    apr_terminate();
    return rc;
}
