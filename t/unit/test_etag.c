/* dash_etag: the body tag is the MD5 of the bytes; a template's tag
 * follows its text, its holes and both counts, and nothing else. */
#include <stdio.h>

#include <apr_strings.h>

#include "dash_etag.h"
#include "unit.h"

static void test_body(void **state)
{
    apr_pool_t *p = *state;

    /* RFC 1321's test vectors, quoted. */
    assert_string_equal(dash_etag_body(p, "", 0),
                        "\"d41d8cd98f00b204e9800998ecf8427e\"");
    assert_string_equal(dash_etag_body(p, "abc", 3),
                        "\"900150983cd24fb0d6963f7d28e17f72\"");
}

static const char *tag(apr_pool_t *p, const char *text, apr_size_t a0,
                       long current, long previous)
{
    unsigned char d[DASH_ETAG_DIGEST];
    apr_size_t at[3] = { a0, 5, 7 };

    dash_etag_digest(d, text, strlen(text), at, 3);
    return dash_etag_counts(p, d, current, previous);
}

static void test_counts(void **state)
{
    apr_pool_t *p = *state;
    const char *t = tag(p, "{\"a\":[1,2,3]}", 3, 6, 4);
    size_t i;

    assert_int_equal(strlen(t), DASH_ETAG_LEN);
    assert_true(t[0] == '"' && t[DASH_ETAG_LEN - 1] == '"');
    for (i = 1; i < DASH_ETAG_LEN - 1; i++) {
        assert_non_null(strchr("0123456789abcdef", t[i]));
    }
    /* the same inputs: the same tag */
    assert_string_equal(tag(p, "{\"a\":[1,2,3]}", 3, 6, 4), t);
    /* any one of them other: another tag */
    assert_string_not_equal(tag(p, "{\"a\":[1,2,4]}", 3, 6, 4), t);
    assert_string_not_equal(tag(p, "{\"a\":[1,2,3]}", 2, 6, 4), t);
    assert_string_not_equal(tag(p, "{\"a\":[1,2,3]}", 3, 7, 4), t);
    assert_string_not_equal(tag(p, "{\"a\":[1,2,3]}", 3, 6, 5), t);
    /* the counts are not interchangeable */
    assert_string_not_equal(tag(p, "{\"a\":[1,2,3]}", 3, 4, 6), t);
    /* counts past 32 bits still count */
    assert_string_not_equal(tag(p, "{\"a\":[1,2,3]}", 3, 6 + (1L << 40), 4), t);
    /* and the counts tag is not the body tag of the text */
    assert_string_not_equal(dash_etag_body(p, "{\"a\":[1,2,3]}", 13), t);
}

/* The layout: previous into the first half, current into the second. */
static void test_layout(void **state)
{
    apr_pool_t *p = *state;
    unsigned char zero[DASH_ETAG_DIGEST] = { 0 };

    assert_string_equal(dash_etag_counts(p, zero, 6, 4),
                        "\"04000000000000000600000000000000\"");
    assert_string_equal(dash_etag_counts(p, zero, 0, 0x1234),
                        "\"34120000000000000000000000000000\"");
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_pool_setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_body),
        T(test_counts),
        T(test_layout),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
