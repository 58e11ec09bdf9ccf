/*
 * What the tests of dash_google.c share: one loopback stand-in for Google
 * (stub_server.h) for the whole group, emptied before each test, the
 * configuration pointing both endpoints at it, and the check that a
 * message for the log carries no secret. Static inline: a test file that
 * leaves a helper unused still builds under -Werror.
 */
#ifndef DASH_GOOGLE_FIXTURE_H
#define DASH_GOOGLE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <apr_strings.h>
#include <apr_time.h>

#include "dash_google.h"
#include "stub_server.h"
#include "unit.h"

static stub_server_t srv;

static inline int setup(void **state)
{
    stub_reset(&srv);
    return unit_pool_setup(state);
}

static inline dash_google_cfg_t cfg(apr_pool_t *p, apr_interval_time_t timeout)
{
    dash_google_cfg_t g;
    g.analytics_url = apr_psprintf(p, "http://127.0.0.1:%d/v2/reports", srv.port);
    g.token_url = apr_psprintf(p, "http://127.0.0.1:%d/token", srv.port);
    g.client_id = "123-abc.apps.googleusercontent.com";
    g.client_secret = "GOCSPX-s&e=c+r/t";
    g.timeout = timeout;
    return g;
}

/* No secret, token or refresh token in a message for the log. */
static inline void assert_no_secret(const char *msg)
{
    assert_non_null(msg);
    assert_null(strstr(msg, "GOCSPX"));
    assert_null(strstr(msg, "1//0g"));
    assert_null(strstr(msg, "Refresh"));
    assert_null(strstr(msg, "ya29"));
}

static inline int group_setup(void **state)
{
    (void)state;
    return stub_start(&srv);
}

static inline int group_teardown(void **state)
{
    (void)state;
    stub_stop(&srv);
    return 0;
}

#endif
