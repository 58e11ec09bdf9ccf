/* The core's text codecs: percent-coding, numbers, text for the log. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <limits.h>
#include <string.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_strings.h>
#include "dash_text.h"
#include "unit.h"

static void test_pct_coding(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(dash_text_pct_encode(p, "a-Z_0.~ &=+/\xc3\xa9"),
                        "a-Z_0.~%20%26%3D%2B%2F%C3%A9");
    assert_string_equal(dash_text_pct_decode(p, "a+b%2B", 6, 1), "a b+");
    assert_string_equal(dash_text_pct_decode(p, "a+b%2B", 6, 0), "a+b+");
    assert_null(dash_text_pct_decode(p, "%0", 2, 0));
    assert_null(dash_text_pct_decode(p, "%00", 3, 0));
}

static void test_number(void **state)
{
    long v = -1;

    (void)state;
    assert_int_equal(dash_text_number(&v, "0", 1, 0, 10), APR_SUCCESS);
    assert_int_equal(v, 0);
    assert_int_equal(dash_text_number(&v, "65535", 5, 1, 65535), APR_SUCCESS);
    assert_int_equal(v, 65535);
    assert_int_equal(dash_text_number(&v, "007", 3, 0, 10), APR_SUCCESS);
    assert_int_equal(v, 7);
    /* Only the n bytes given are read. */
    assert_int_equal(dash_text_number(&v, "12x", 2, 0, 99), APR_SUCCESS);
    assert_int_equal(v, 12);
    v = -1;
    assert_int_equal(dash_text_number(&v, "65536", 5, 1, 65535), APR_EINVAL);
    assert_int_equal(dash_text_number(&v, "0", 1, 1, 65535), APR_EINVAL);
    assert_int_equal(dash_text_number(&v, "", 0, 0, 10), APR_EINVAL);
    assert_int_equal(dash_text_number(&v, "-1", 2, 0, 10), APR_EINVAL);
    assert_int_equal(dash_text_number(&v, "+1", 2, 0, 10), APR_EINVAL);
    assert_int_equal(dash_text_number(&v, " 1", 2, 0, 10), APR_EINVAL);
    assert_int_equal(dash_text_number(&v, "1 ", 2, 0, 10), APR_EINVAL);
    assert_int_equal(dash_text_number(&v, "99999999999999999999", 20, 0,
                                      LONG_MAX), APR_EINVAL);
    assert_int_equal(v, -1);
    assert_int_equal(dash_text_number(&v, "9223372036854775807", 19, 0,
                                      LONG_MAX), APR_SUCCESS);
    assert_true(v == LONG_MAX);
}

static void test_log_safe(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(dash_text_log_safe(p, "invalid_grant", 13, 64),
                        "invalid_grant");
    assert_string_equal(dash_text_log_safe(p, "a\r\nb\x7f\xc3\xa9", 7, 64),
                        "a??b???");
    assert_string_equal(dash_text_log_safe(p, "abcdef", 6, 3), "abc");
    assert_string_equal(dash_text_log_safe(p, "", 0, 3), "");
}

/* User names are checked before any query: the tables are UTF-8. */
static void test_utf8(void **state)
{
    (void)state;
    assert_true(dash_text_utf8(""));
    assert_true(dash_text_utf8("user-0001"));
    assert_true(dash_text_utf8("caf\xc3\xa9"));                 /* é */
    assert_true(dash_text_utf8("\xed\x95\x9c\xea\xb8\x80"));     /* 한글 */
    assert_true(dash_text_utf8("\xf0\x9f\x98\x80"));             /* U+1F600 */
    assert_true(dash_text_utf8("\xf4\x8f\xbf\xbf"));             /* U+10FFFF */
    assert_false(dash_text_utf8("caf\xe9"));                     /* Latin-1 */
    assert_false(dash_text_utf8("\xc3"));                        /* cut short */
    assert_false(dash_text_utf8("\xe2\x82"));
    assert_false(dash_text_utf8("\x80" "abc"));                     /* lone continuation */
    assert_false(dash_text_utf8("\xc0\xaf"));                    /* overlong '/' */
    assert_false(dash_text_utf8("\xe0\x80\xaf"));
    assert_false(dash_text_utf8("\xed\xa0\x80"));                /* surrogate */
    assert_false(dash_text_utf8("\xf4\x90\x80\x80"));            /* past U+10FFFF */
    assert_false(dash_text_utf8("\xf8\x88\x80\x80\x80"));         /* 5 bytes */
    assert_false(dash_text_utf8("\xff"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pct_coding, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_number, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_log_safe, unit_pool_setup, unit_pool_teardown),
        cmocka_unit_test(test_utf8),
    };

    return cmocka_run_group_tests_name("text", tests, unit_group_setup,
                                       unit_group_teardown);
}
