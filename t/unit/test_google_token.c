/*
 * dash_google.c: the token refresh of docs/behaviour.md#tokens against a
 * loopback stand-in for Google's token endpoint (stub_server.h,
 * google_fixture.h): the form sent, each answer Google gives, and no
 * secret in any message for the log.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_tables.h>

#include "dash_google.h"
#include "google_fixture.h"
#include "stub_server.h"
#include "unit.h"

/* --------------------------------------------------------------- refresh */

#define RT "1//0gRefresh+/=&x y"

static void test_refresh_ok_form(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_token_t t;
    const char *err = NULL;
    stub_hit_t hit;

    stub_route(&srv, "/token", 200,
               "{\"access_token\": \"ya29.new\", \"expires_in\": 3599, "
               "\"scope\": \"https://www.googleapis.com/auth/yt-analytics.readonly\", "
               "\"token_type\": \"Bearer\"}");
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err), DASH_OK);
    assert_string_equal(t.access_token, "ya29.new");
    assert_int_equal(t.expires_in, 3599);
    assert_null(t.refresh_token);

    assert_true(stub_find_hit(&srv, "/token", &hit));
    assert_string_equal(hit.method, "POST");
    assert_string_equal(hit.ctype, "application/x-www-form-urlencoded");
    assert_string_equal(hit.auth, "");
    assert_string_equal(hit.body,
                        "grant_type=refresh_token"
                        "&refresh_token=1%2F%2F0gRefresh%2B%2F%3D%26x%20y"
                        "&client_id=123-abc.apps.googleusercontent.com"
                        "&client_secret=GOCSPX-s%26e%3Dc%2Br%2Ft");
}

static void test_refresh_ok_new_refresh_token(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_token_t t;
    const char *err = NULL;

    /* expires_in as a real, and a rotated refresh token. */
    stub_route(&srv, "/token", 200,
               "{\"access_token\": \"ya29.new2\", \"expires_in\": 3599.9, "
               "\"refresh_token\": \"1//0gNEW\", \"token_type\": \"Bearer\"}");
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err), DASH_OK);
    assert_string_equal(t.access_token, "ya29.new2");
    assert_int_equal(t.expires_in, 3599);
    assert_string_equal(t.refresh_token, "1//0gNEW");
}

static void test_refresh_empty_refresh_token_ignored(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_token_t t;
    const char *err = NULL;

    stub_route(&srv, "/token", 200,
               "{\"access_token\": \"ya29.x\", \"expires_in\": 60, "
               "\"refresh_token\": \"\"}");
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err), DASH_OK);
    assert_int_equal(t.expires_in, 60);
    assert_null(t.refresh_token);
}

static void test_refresh_invalid_grant(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_token_t t;
    const char *err = NULL;

    stub_route(&srv, "/token", 400,
               "{\"error\": \"invalid_grant\", "
               "\"error_description\": \"Token has been expired or revoked.\"}");
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err),
                     DASH_ERR_TOKEN_EXPIRED);
    assert_string_equal(err, "token endpoint: HTTP 400 invalid_grant");
    assert_null(t.access_token);
}

static void test_refresh_invalid_client(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_token_t t;
    const char *err = NULL;

    stub_route(&srv, "/token", 401,
               "{\"error\": \"invalid_client\", "
               "\"error_description\": \"The OAuth client was not found.\"}");
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err), DASH_ERR_API_ERROR);
    assert_string_equal(err, "token endpoint: HTTP 401 invalid_client");
    assert_no_secret(err);
}

static void test_refresh_malformed(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    static const char *const bodies[] = {
        "{\"access_token\": \"ya29.leak\", \"expires_in\": 3599",  /* cut off */
        "[\"access_token\"]",
        "{\"expires_in\": 3599}",
        "{\"access_token\": \"\", \"expires_in\": 3599}",
        "{\"access_token\": 42, \"expires_in\": 3599}",
        "{\"access_token\": \"ya29.x\"}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": \"3599\"}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": 0}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": -5}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": 1e300}",
        "",
        /* Checked before anything is stored: no header injection, nothing
         * that is not a token, no lifetime past a day. */
        "{\"access_token\": \"ya29.x\\r\\nX-Evil: 1\", \"expires_in\": 3599}",
        "{\"access_token\": \"ya29.x y\", \"expires_in\": 3599}",
        "{\"access_token\": \"ya29.x\\\"y\", \"expires_in\": 3599}",
        "{\"access_token\": \"ya29.\\u00e9t\\u00e9\", \"expires_in\": 3599}",
        "{\"access_token\": \"=ya29\", \"expires_in\": 3599}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": 3599, "
        "\"refresh_token\": \"1//x\\r\\ny\"}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": 3599, "
        "\"refresh_token\": 7}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": 0.5}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": 86401}",
        "{\"access_token\": \"ya29.x\", \"expires_in\": 946080000}",
    };
    size_t i;

    for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        dash_token_t t;
        const char *err = NULL;
        stub_reset(&srv);
        stub_route(&srv, "/token", 200, bodies[i]);
        assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err),
                         DASH_ERR_API_ERROR);
        assert_no_secret(err);
        assert_null(strstr(err, "leak"));
    }
}

/* The longest token accepted, and one byte more. */
static void test_refresh_token_length(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    char *tok = apr_palloc(p, 4098);
    dash_token_t t;
    const char *err = NULL;

    memset(tok, 'a', 4097);
    tok[4096] = '\0';
    stub_reset(&srv);
    stub_route(&srv, "/token", 200, apr_psprintf(p,
               "{\"access_token\": \"%s\", \"expires_in\": 86400}", tok));
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err), DASH_OK);
    assert_int_equal(strlen(t.access_token), 4096);
    assert_int_equal(t.expires_in, 86400);
    tok[4096] = 'a';
    tok[4097] = '\0';
    stub_reset(&srv);
    stub_route(&srv, "/token", 200, apr_psprintf(p,
               "{\"access_token\": \"%s\", \"expires_in\": 3599}", tok));
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err),
                     DASH_ERR_API_ERROR);
}

static void test_refresh_5xx(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_token_t t;
    const char *err = NULL;

    /* Google failing, not the site: a stale answer may stand in. */
    stub_route(&srv, "/token", 503, "<html>Service Unavailable</html>");
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err),
                     DASH_ERR_API_UNAVAILABLE);
    assert_string_equal(err, "token endpoint: HTTP 503");
}

static void test_refresh_timeout(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_msec(400));
    dash_token_t t;
    const char *err = NULL;
    apr_time_t t0 = apr_time_now();

    stub_set_delay(&srv, stub_route(&srv, "/token", 200,
                                    "{\"access_token\": \"ya29.x\", \"expires_in\": 1}"),
                   3000);
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err), DASH_ERR_API_TIMEOUT);
    assert_true(apr_time_now() - t0 < unit_time_bound(400, 1000, 2900));
    assert_no_secret(err);
}

static void test_refresh_refused(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_token_t t;
    const char *err = NULL;

    g.token_url = apr_psprintf(p, "http://127.0.0.1:%d/token", unit_free_port());
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err),
                     DASH_ERR_API_UNAVAILABLE);
    assert_non_null(strstr(err, "token endpoint: "));
    assert_no_secret(err);
}

static void test_refresh_not_configured(void **state)
{
    apr_pool_t *p = *state;
    dash_google_cfg_t g = cfg(p, apr_time_from_sec(5));
    dash_token_t t;
    const char *err = NULL;

    g.client_id = NULL;
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err), DASH_ERR_API_ERROR);
    assert_non_null(strstr(err, "DashboardOAuthClient is not set"));
    g = cfg(p, apr_time_from_sec(5));
    g.client_secret = "";
    assert_int_equal(dash_google_refresh(&t, p, &g, RT, &err), DASH_ERR_API_ERROR);
    assert_non_null(strstr(err, "DashboardOAuthClient is not set"));
    /* docs/behaviour.md#tokens: no refresh token is the user's to fix (reconnect). */
    g = cfg(p, apr_time_from_sec(5));
    assert_int_equal(dash_google_refresh(&t, p, &g, NULL, &err),
                     DASH_ERR_TOKEN_EXPIRED);
    assert_int_equal(stub_nhits(&srv), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_refresh_ok_form),
        T(test_refresh_ok_new_refresh_token),
        T(test_refresh_empty_refresh_token_ignored),
        T(test_refresh_invalid_grant),
        T(test_refresh_invalid_client),
        T(test_refresh_malformed),
        T(test_refresh_token_length),
        T(test_refresh_5xx),
        T(test_refresh_timeout),
        T(test_refresh_refused),
        T(test_refresh_not_configured),
    };
    int rc;

    /* Loopback only: keep an environment proxy out of the way. */
    setenv("no_proxy", "*", 1);
    setenv("NO_PROXY", "*", 1);
    apr_initialize();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        return 1;
    }
    rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
    curl_global_cleanup();
    apr_terminate();
    return rc;
}
