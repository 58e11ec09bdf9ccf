/*
 * dash_http_perform against a real HTTP server on loopback (stub_server.h):
 * bodies, statuses, headers sent, the deadline, connection errors and the
 * body cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "dash_http.h"
#include "stub_server.h"
#include "unit.h"

static stub_server_t srv;

static const char *url(apr_pool_t *p, const char *target)
{
    return apr_psprintf(p, "http://127.0.0.1:%d%s", srv.port, target);
}

static int setup(void **state)
{
    stub_reset(&srv);
    return unit_pool_setup(state);
}

static void test_get_200_body(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r;
    const char *err = NULL;
    stub_hit_t hit;

    stub_route(&srv, "/hello", 200, "{\"ok\": true}");
    memset(&r, 0, sizeof(r));
    r.url = url(p, "/hello?x=1");
    assert_int_equal(dash_http_perform(p, &r, 1, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    assert_int_equal(r.rv, APR_SUCCESS);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"ok\": true}");
    assert_int_equal(r.body_len, strlen("{\"ok\": true}"));
    assert_true(r.elapsed > 0);

    assert_true(stub_find_hit(&srv, "/hello", &hit));
    assert_string_equal(hit.method, "GET");
    assert_string_equal(hit.target, "/hello?x=1");
    assert_string_equal(hit.accept, "application/json");
    assert_string_equal(hit.ua, "mod_dashboard/0.1");
    assert_string_equal(hit.auth, "");           /* no bearer, no header */
    assert_string_equal(hit.ctype, "");
}

static void test_bearer_header(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r;
    const char *err = NULL;
    stub_hit_t hit;

    stub_route(&srv, "/auth", 200, "{}");
    memset(&r, 0, sizeof(r));
    r.url = url(p, "/auth");
    r.bearer = "ya29.a0AfB_secret-token";
    assert_int_equal(dash_http_perform(p, &r, 1, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    assert_int_equal(r.rv, APR_SUCCESS);
    assert_true(stub_find_hit(&srv, "/auth", &hit));
    assert_string_equal(hit.auth, "Bearer ya29.a0AfB_secret-token");
}

static void test_post_form(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r;
    const char *err = NULL;
    stub_hit_t hit;

    stub_route(&srv, "/token", 200, "{\"access_token\": \"x\"}");
    memset(&r, 0, sizeof(r));
    r.url = url(p, "/token");
    r.form = "grant_type=refresh_token&refresh_token=a%2Fb";
    assert_int_equal(dash_http_perform(p, &r, 1, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    assert_int_equal(r.rv, APR_SUCCESS);
    assert_int_equal(r.status, 200);
    assert_true(stub_find_hit(&srv, "/token", &hit));
    assert_string_equal(hit.method, "POST");
    assert_string_equal(hit.ctype, "application/x-www-form-urlencoded");
    assert_string_equal(hit.body, "grant_type=refresh_token&refresh_token=a%2Fb");
    assert_string_equal(hit.accept, "application/json");
}

static void test_non_2xx_passed_through(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r[3];
    const char *err = NULL;

    stub_route(&srv, "/e500", 500, "{\"error\": {\"code\": 500}}");
    stub_route(&srv, "/e404", 404, "nope");
    stub_route(&srv, "/empty", 204, NULL);
    memset(r, 0, sizeof(r));
    r[0].url = url(p, "/e500");
    r[1].url = url(p, "/e404");
    r[2].url = url(p, "/empty");
    assert_int_equal(dash_http_perform(p, r, 3, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    assert_int_equal(r[0].rv, APR_SUCCESS);
    assert_int_equal(r[0].status, 500);
    assert_string_equal(r[0].body, "{\"error\": {\"code\": 500}}");
    assert_int_equal(r[1].rv, APR_SUCCESS);
    assert_int_equal(r[1].status, 404);
    assert_string_equal(r[1].body, "nope");
    assert_int_equal(r[2].rv, APR_SUCCESS);
    assert_int_equal(r[2].status, 204);
    assert_non_null(r[2].body);
    assert_int_equal(r[2].body_len, 0);
}

static void test_no_redirect(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r;
    const char *err = NULL;

    stub_set_extra(&srv, stub_route(&srv, "/moved", 302, ""), "Location: /hello\r\n");
    stub_route(&srv, "/hello", 200, "followed");
    memset(&r, 0, sizeof(r));
    r.url = url(p, "/moved");
    r.bearer = "tok";
    assert_int_equal(dash_http_perform(p, &r, 1, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    assert_int_equal(r.rv, APR_SUCCESS);
    assert_int_equal(r.status, 302);
    assert_int_equal(stub_nhits(&srv), 1);
}

static void test_timeout(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r[2];
    const char *err = NULL;
    apr_time_t t0;
    apr_interval_time_t took;

    stub_set_delay(&srv, stub_route(&srv, "/slow", 200, "{\"late\": true}"), 4000);
    stub_route(&srv, "/fast", 200, "{\"fast\": true}");
    memset(r, 0, sizeof(r));
    r[0].url = url(p, "/slow");
    r[1].url = url(p, "/fast");
    t0 = apr_time_now();
    assert_int_equal(dash_http_perform(p, r, 2, apr_time_from_msec(500), &err),
                     APR_SUCCESS);
    took = apr_time_now() - t0;
    assert_int_equal(r[0].rv, APR_TIMEUP);
    assert_non_null(r[0].error);
    assert_true(strlen(r[0].error) > 0);
    assert_int_equal(r[1].rv, APR_SUCCESS);
    assert_string_equal(r[1].body, "{\"fast\": true}");
    /* Correctness, not speed: the deadline is honoured, not the server's
     * 4 s. Generous upper bound for valgrind. */
    assert_true(took >= apr_time_from_msec(450));
    assert_true(took < apr_time_from_msec(1500));
}

static void test_parallel(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r[5];
    const char *err = NULL;
    apr_time_t t0;
    apr_interval_time_t took;
    int i;

    stub_set_delay(&srv, stub_route(&srv, "/d400", 200, "{}"), 400);
    memset(r, 0, sizeof(r));
    for (i = 0; i < 5; i++) {
        r[i].url = url(p, apr_psprintf(p, "/d400?i=%d", i));
    }
    t0 = apr_time_now();
    assert_int_equal(dash_http_perform(p, r, 5, apr_time_from_sec(10), &err),
                     APR_SUCCESS);
    took = apr_time_now() - t0;
    for (i = 0; i < 5; i++) {
        assert_int_equal(r[i].rv, APR_SUCCESS);
        assert_int_equal(r[i].status, 200);
    }
    /* One after the other would take 2 s. */
    assert_true(took < apr_time_from_msec(1500));
}

static void test_connection_refused(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r;
    const char *err = NULL;
    int port = unit_free_port();

    assert_true(port > 0);
    memset(&r, 0, sizeof(r));
    r.url = apr_psprintf(p, "http://127.0.0.1:%d/x", port);
    r.bearer = "secret-token";
    assert_int_equal(dash_http_perform(p, &r, 1, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    assert_int_not_equal(r.rv, APR_SUCCESS);
    assert_int_not_equal(r.rv, APR_TIMEUP);
    assert_int_equal(r.rv, APR_ECONNREFUSED);
    assert_non_null(r.error);
    /* curl's own text, e.g. "Failed to connect to 127.0.0.1 port N ...". */
    assert_non_null(strstr(r.error, "onnect"));
    assert_null(strstr(r.error, "secret-token"));
    assert_non_null(r.body);
}

static void test_body_cap_content_length(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r[2];
    const char *err = NULL;
    char *big = apr_palloc(p, 1001);

    memset(big, 'x', 1000);
    big[1000] = '\0';
    stub_route(&srv, "/big", 200, big);
    memset(r, 0, sizeof(r));
    r[0].url = url(p, "/big");
    r[0].max_body = 100;
    r[1].url = url(p, "/big");
    r[1].max_body = 1000;              /* exactly the cap is fine */
    assert_int_equal(dash_http_perform(p, r, 2, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    assert_int_equal(r[0].rv, APR_ENOSPC);
    assert_non_null(r[0].error);
    assert_int_equal(r[1].rv, APR_SUCCESS);
    assert_int_equal(r[1].body_len, 1000);
    assert_string_equal(r[1].body, big);
}

static void test_body_cap_streamed(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r[2];
    const char *err = NULL;
    char *big = apr_palloc(p, 200001);

    memset(big, 'y', 200000);
    big[200000] = '\0';
    /* No Content-Length: only the write callback can notice. */
    stub_set_no_length(&srv, stub_route(&srv, "/stream", 200, big));
    memset(r, 0, sizeof(r));
    r[0].url = url(p, "/stream");
    r[0].max_body = 50000;
    r[1].url = url(p, "/stream");      /* default cap (4 MiB): fits */
    assert_int_equal(dash_http_perform(p, r, 2, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    assert_int_equal(r[0].rv, APR_ENOSPC);
    assert_int_equal(r[1].rv, APR_SUCCESS);
    assert_int_equal(r[1].body_len, 200000);
    assert_memory_equal(r[1].body, big, 200001);
}

static void test_protocols_limited(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r;
    const char *err = NULL;

    memset(&r, 0, sizeof(r));
    r.url = "file:///etc/passwd";
    assert_int_equal(dash_http_perform(p, &r, 1, apr_time_from_sec(5), &err),
                     APR_SUCCESS);
    /* curl: "Protocol "file" not supported or disabled in libcurl" */
    assert_int_equal(r.rv, APR_ENOTIMPL);
    assert_non_null(strstr(r.error, "file"));
    assert_int_equal(r.body_len, 0);
}

static void test_bad_bearer_rejected(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r;
    const char *err = NULL;

    memset(&r, 0, sizeof(r));
    r.url = url(p, "/hello");
    r.bearer = "zzsecret\r\nX-Evil: 1";
    assert_int_equal(dash_http_perform(p, &r, 1, apr_time_from_sec(5), &err),
                     APR_EINVAL);
    assert_non_null(err);
    assert_null(strstr(err, "zzsecret"));
    assert_int_equal(r.rv, APR_EINVAL);
    assert_null(strstr(r.error, "Evil"));
    assert_int_equal(stub_nhits(&srv), 0);
}

/* A set-up failure after other handles were added: every request gets
 * the reason, and (under valgrind) nothing leaks. */
static void test_setup_failure_mid_batch(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r[3];
    const char *err = NULL;
    int i;

    memset(r, 0, sizeof(r));
    for (i = 0; i < 3; i++) {
        r[i].url = url(p, "/hello");
        r[i].bearer = "ok-token";
    }
    r[1].bearer = "bad\ntoken";
    assert_int_equal(dash_http_perform(p, r, 3, apr_time_from_sec(5), &err),
                     APR_EINVAL);
    assert_non_null(strstr(err, "request 1"));
    for (i = 0; i < 3; i++) {
        assert_int_equal(r[i].rv, APR_EINVAL);
        assert_non_null(r[i].error);
        assert_null(strstr(r[i].error, "ok-token"));
    }
    assert_int_equal(stub_nhits(&srv), 0);
}

static void test_bad_arguments(void **state)
{
    apr_pool_t *p = *state;
    dash_http_req_t r;
    const char *err = NULL;

    memset(&r, 0, sizeof(r));
    r.url = url(p, "/hello");
    assert_int_equal(dash_http_perform(p, &r, 1, 0, &err), APR_EINVAL);
    assert_int_equal(dash_http_perform(p, NULL, 1, 1000, &err), APR_EINVAL);
    assert_int_equal(dash_http_perform(p, NULL, 0, 1000, &err), APR_SUCCESS);
}

/* Many batches in a row: nothing accumulates (valgrind checks the rest). */
static void test_repeated_batches(void **state)
{
    apr_pool_t *p = *state;
    int i;

    stub_route(&srv, "/hello", 200, "{}");
    for (i = 0; i < 20; i++) {
        apr_pool_t *sub;
        dash_http_req_t r[3];
        const char *err = NULL;
        int j;
        assert_int_equal(apr_pool_create(&sub, p), APR_SUCCESS);
        memset(r, 0, sizeof(r));
        for (j = 0; j < 3; j++) {
            r[j].url = url(sub, "/hello");
        }
        assert_int_equal(dash_http_perform(sub, r, 3, apr_time_from_sec(5), &err),
                         APR_SUCCESS);
        for (j = 0; j < 3; j++) {
            assert_int_equal(r[j].status, 200);
        }
        apr_pool_destroy(sub);
        stub_reset(&srv);
        stub_route(&srv, "/hello", 200, "{}");
    }
}

static void test_global_init(void **state)
{
    apr_pool_t *p = *state, *conf;

    /* Balanced by the cleanup on the pool; curl counts the pairs. */
    assert_int_equal(apr_pool_create(&conf, p), APR_SUCCESS);
    assert_int_equal(dash_http_global_init(conf), APR_SUCCESS);
    apr_pool_destroy(conf);
}

static int group_setup(void **state)
{
    (void)state;
    return stub_start(&srv);
}

static int group_teardown(void **state)
{
    (void)state;
    stub_stop(&srv);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_200_body, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_bearer_header, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_post_form, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_non_2xx_passed_through, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_no_redirect, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_parallel, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_body_cap_content_length, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_body_cap_streamed, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_protocols_limited, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_bad_bearer_rejected, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_setup_failure_mid_batch, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_repeated_batches, setup, unit_pool_teardown),
        cmocka_unit_test_setup_teardown(test_global_init, setup, unit_pool_teardown),
    };
    int rc;

    /* The tests talk to loopback only: a proxy from the environment
     * (http_proxy & co., which curl honours) must not get in the way. */
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
