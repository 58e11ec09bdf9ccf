/* The error table of docs/api.md#errors and its jansson-free body. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>

#include "dash_err.h"
#include "unit.h"

/* The fallback body (used when jansson cannot allocate) is the same
 * document jansson would have written: the code, then the message. */
static void test_body(void **state)
{
    apr_pool_t *p = *state;
    int e;

    for (e = DASH_ERR_INVALID_PARAMETER; e <= DASH_ERR_INTERNAL; e++) {
        const char *body = dash_err_body(p, (dash_err_e)e);
        json_error_t jerr;
        json_t *j = json_loads(body, 0, &jerr);

        assert_non_null(j);
        assert_int_equal(json_object_size(j), 2);
        assert_string_equal(json_string_value(json_object_get(j, "code")),
                            dash_err_code((dash_err_e)e));
        assert_string_equal(json_string_value(json_object_get(j, "message")),
                            dash_err_message((dash_err_e)e));
        json_decref(j);
    }
}

static void test_busy(void **state)
{
    (void)state;
    assert_int_equal(dash_err_status(DASH_ERR_UPSTREAM_BUSY), 503);
    assert_string_equal(dash_err_code(DASH_ERR_UPSTREAM_BUSY), "UPSTREAM_BUSY");
    assert_int_equal(dash_err_status(DASH_ERR_API_TIMEOUT), 504);
    assert_int_equal(dash_err_status(DASH_ERR_RATE_LIMITED), 429);
    assert_string_equal(dash_err_code(DASH_ERR_RATE_LIMITED), "RATE_LIMITED");
    assert_string_equal(dash_err_code(DASH_ERR_INTERNAL), "INTERNAL_ERROR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_body, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test(test_busy),
    };
    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
