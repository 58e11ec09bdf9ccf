/*
 * The DashboardRedis URL parser (docs/configuration.md#dashboardredis):
 * any string parses or is refused with a message; a message never quotes
 * the URL (it may hold the password); the form for the log hides the
 * password and, parsed again, names the same server.
 */
#include <string.h>

#include "dash_redis_url.h"
#include "fuzz.h"

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *url = fuzz_cstr(p, data, size);
    dash_redis_url_t u, v;
    const char *msg, *shown;

    msg = dash_redis_url_parse(&u, p, url);
    if (msg != NULL) {
        FUZZ_CHECK(*msg);
        /* Fixed texts only: the input never comes back (3 bytes or more
         * of it would show up as a substring of the message). */
        FUZZ_CHECK(strlen(url) < 12 || strstr(msg, url) == NULL);
        apr_pool_destroy(p);
        return 0;
    }
    FUZZ_CHECK((u.host != NULL) != (u.path != NULL));
    FUZZ_CHECK(u.port >= 1 && u.port <= 65535 && u.db >= 0);
    FUZZ_CHECK(u.password == NULL || *u.password);

    shown = dash_redis_url_redacted(p, &u);
    if (u.password && strlen(u.password) >= 4) {
        FUZZ_CHECK(strstr(shown, apr_pstrcat(p, ":", u.password, "@", NULL)) == NULL);
    }
    FUZZ_CHECK(dash_redis_url_parse(&v, p, shown) == NULL);
    FUZZ_CHECK(same(u.host, v.host) && same(u.path, v.path));
    FUZZ_CHECK(u.port == v.port && u.db == v.db);
    FUZZ_CHECK(same(u.username, v.username));
    FUZZ_CHECK((u.password == NULL) == (v.password == NULL));
    apr_pool_destroy(p);
    return 0;
}
