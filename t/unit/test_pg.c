/*
 * Which statement failures close the database session (dash_pg.h): the
 * ones after which the server will not do the session's work any more,
 * so that the next connection reaches the primary of the moment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "dash_pg.h"

static void test_states_that_end_a_session(void **state)
{
    static const char *const ends[] = {
        "25006",                   /* read_only_sql_transaction */
        "57P01", "57P02", "57P03", "57P04", "57P05",  /* shutting down */
        "08000", "08003", "08006", "08001", "08004", "08P01",
    };
    static const char *const keeps[] = {
        "26000",                   /* the statement is prepared again */
        "42P05", "23505", "40001", "40P01", "53300", "57014", /* cancelled */
        "25001", "25P02", "42501", "XX000", "", "5", "0",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
        if (!dash_pg_state_ends_session(ends[i])) {
            fail_msg("%s should end the session", ends[i]);
        }
    }
    for (i = 0; i < sizeof(keeps) / sizeof(keeps[0]); i++) {
        if (dash_pg_state_ends_session(keeps[i])) {
            fail_msg("%s should keep the session", keeps[i]);
        }
    }
    assert_false(dash_pg_state_ends_session(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_states_that_end_a_session),
    };

    return cmocka_run_group_tests_name("pg", tests, NULL, NULL);
}
