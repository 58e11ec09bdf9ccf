/*
 * dash_http_perform_on against a real HTTP server on loopback (stub_server.h):
 * bodies, statuses, headers sent, the deadline, connection errors and the
 * body cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "dash_http.h"
#include "stub_server.h"
#include "unit.h"

static stub_server_t srv;

/* One batch on a multi handle of its own, trusting the system's store. */
static apr_status_t perform(apr_pool_t *p, dash_http_req_t *reqs, int n,
                            apr_interval_time_t timeout, const char **perr)
{
    return dash_http_perform_on(NULL, NULL, p, reqs, n, timeout, perr);
}

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
    assert_int_equal(perform(p, &r, 1, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, &r, 1, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, &r, 1, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, r, 3, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, &r, 1, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, r, 2, apr_time_from_msec(500), &err),
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
    assert_true(took < unit_time_bound(500, 1000, 3900));
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
    assert_int_equal(perform(p, r, 5, apr_time_from_sec(10), &err),
                     APR_SUCCESS);
    took = apr_time_now() - t0;
    for (i = 0; i < 5; i++) {
        assert_int_equal(r[i].rv, APR_SUCCESS);
        assert_int_equal(r[i].status, 200);
    }
    /* One after the other would take 2 s. */
    assert_true(took < unit_time_bound(400, 1100, 1900));
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
    assert_int_equal(perform(p, &r, 1, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, r, 2, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, r, 2, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, &r, 1, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, &r, 1, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, r, 3, apr_time_from_sec(5), &err),
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
    assert_int_equal(perform(p, &r, 1, 0, &err), APR_EINVAL);
    assert_int_equal(perform(p, NULL, 1, 1000, &err), APR_EINVAL);
    assert_int_equal(perform(p, NULL, 0, 1000, &err), APR_SUCCESS);
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
        assert_int_equal(perform(sub, r, 3, apr_time_from_sec(5), &err),
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

/* ---- DashboardUpstreamCA: the given file is the only trust store -------- */

/* Runs cmd under sh; 0 when it exited 0. */
static int sh(apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;
    const char *cmd;

    va_start(ap, fmt);
    cmd = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return system(apr_pstrcat(p, "(", cmd, ") >/dev/null 2>&1", NULL));
}

/* A self-signed CA named cn: dir/cn.pem, dir/cn.key. */
static void make_ca(apr_pool_t *p, const char *dir, const char *cn)
{
    assert_int_equal(sh(p, "openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
                        "-subj /CN=%s -keyout %s/%s.key -out %s/%s.pem",
                        cn, dir, cn, dir, cn), 0);
}

/* `openssl s_server -www` on a port of its choosing, with dir/server.pem;
 * its pid in *pid, its port returned (0 if it did not come up). */
static int start_tls_server(apr_pool_t *p, const char *dir, pid_t *pid)
{
    const char *out = apr_pstrcat(p, dir, "/s_server.out", NULL);
    const char *cert = apr_pstrcat(p, dir, "/server.pem", NULL);
    const char *key = apr_pstrcat(p, dir, "/server.key", NULL);
    int i, port = 0;

    *pid = fork();
    if (*pid == 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
            _exit(127);
        }
        execlp("openssl", "openssl", "s_server", "-accept", "127.0.0.1:0",
               "-cert", cert, "-key", key, "-www", (char *)NULL);
        _exit(127);
    }
    for (i = 0; *pid > 0 && i < 100 && port == 0; i++) {
        char line[256];
        FILE *f;

        usleep(50000);
        if ((f = fopen(out, "r")) == NULL) {
            continue;
        }
        while (fgets(line, sizeof(line), f)) {
            if (sscanf(line, "ACCEPT 127.0.0.1:%d", &port) == 1) {
                break;
            }
        }
        fclose(f);
    }
    return port;
}

/* One GET of url trusting ca_file (NULL: the system's store): 1 when it
 * got an answer, 0 when it did not; *why is curl's reason. */
static int reaches(apr_pool_t *p, const char *url, const char *ca_file,
                   const char **why)
{
    dash_http_req_t r;
    const char *err = NULL;

    memset(&r, 0, sizeof(r));
    r.url = url;
    if (dash_http_perform_on(NULL, ca_file, p, &r, 1, apr_time_from_sec(10),
                             &err) != APR_SUCCESS) {
        *why = err;
        return 0;
    }
    *why = r.error;
    return r.rv == APR_SUCCESS && r.status == 200;
}

/*
 * In a process of its own with a mount namespace of its own, the
 * system's CA directory (libcurl's CA path, /etc/ssl/certs on Debian) is
 * replaced by sys, which trusts the server's CA. Exit status: bit 0 set
 * when a request without a CA file got through (the system's store is
 * what trusts the server), bit 1 when one with ca_file did; 77 when no
 * namespace could be had.
 */
static int in_private_store(apr_pool_t *p, const char *sys, const char *url,
                            const char *ca_file)
{
    pid_t pid = fork();
    int status = 0;

    if (pid == 0) {
        apr_pool_t *cp;
        const char *why;
        int bits = 0;

        if (unshare(CLONE_NEWNS) != 0
            && unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            _exit(77);
        }
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0
            || mount(sys, "/etc/ssl/certs", NULL, MS_BIND, NULL) != 0) {
            _exit(77);
        }
        if (apr_pool_create(&cp, NULL) != APR_SUCCESS) {
            _exit(76);
        }
        bits |= reaches(cp, url, NULL, &why) ? 1 : 0;
        bits |= reaches(cp, url, ca_file, &why) ? 2 : 0;
        _exit(bits);
    }
    assert_true(pid > 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    (void)p;
    return WEXITSTATUS(status);
}

static void test_upstream_ca_replaces_system_store(void **state)
{
    apr_pool_t *p = *state;
    char tmpl[] = "/tmp/dash-unit-ca.XXXXXX";
    const char *dir = mkdtemp(tmpl), *sys, *url, *why = NULL;
    char hash[64] = "";
    FILE *f;
    pid_t server = 0;
    int port, bits;

    assert_non_null(dir);
    sys = apr_pstrcat(p, dir, "/sys", NULL);
    /* The site's CA ("given"), and another ("public") that signed the
     * server and that the system's CA directory trusts. */
    make_ca(p, dir, "given");
    make_ca(p, dir, "public");
    assert_int_equal(sh(p, "cd %s && printf 'subjectAltName=IP:127.0.0.1\\n"
                        "basicConstraints=CA:FALSE\\n' >ext && "
                        "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 "
                        "-keyout server.key -out server.csr && "
                        "openssl x509 -req -in server.csr -CA public.pem "
                        "-CAkey public.key -CAcreateserial -days 2 -extfile ext "
                        "-out server.pem", dir), 0);
    /* The system's store as libcurl reads it: a hashed directory with
     * "public", and a bundle file (libcurl's default CA file) that has
     * only "given", so that "public" is trusted through the path alone. */
    f = popen(apr_psprintf(p, "openssl x509 -hash -noout -in %s/public.pem",
                           dir), "r");
    assert_non_null(f);
    assert_non_null(fgets(hash, sizeof(hash), f));
    pclose(f);
    hash[strcspn(hash, "\n")] = '\0';
    assert_int_equal(sh(p, "mkdir %s && cp %s/public.pem %s/%s.0 && "
                        "cp %s/given.pem %s/ca-certificates.crt",
                        sys, dir, sys, hash, dir, sys), 0);

    port = start_tls_server(p, dir, &server);
    assert_true(port > 0);
    url = apr_psprintf(p, "https://127.0.0.1:%d/", port);
    /* The server answers whoever trusts its CA. */
    assert_true(reaches(p, url, apr_pstrcat(p, dir, "/public.pem", NULL), &why));

    bits = in_private_store(p, sys, url, apr_pstrcat(p, dir, "/given.pem", NULL));
    kill(server, SIGTERM);
    waitpid(server, NULL, 0);
    sh(p, "rm -rf %s", dir);
    if (bits == 77) {
        skip();   /* no mount namespace: neither root nor user namespaces */
    }
    assert_true(bits & 1);       /* without a CA file: the system's path */
    assert_false(bits & 2);      /* with one: that file alone */
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
        cmocka_unit_test_setup_teardown(test_upstream_ca_replaces_system_store, setup,
                                        unit_pool_teardown),
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
