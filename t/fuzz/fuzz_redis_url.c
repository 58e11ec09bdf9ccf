/*
 * The DashboardRedis URL parser (docs/configuration.md#dashboardredis):
 * any string parses or is refused with a message; a message never quotes
 * the URL (it may hold the password); the form for the log hides the
 * password and, parsed again, names the same server (or the same
 * sentinels and master).
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
    int i;

    msg = dash_redis_url_parse(&u, p, url);
    if (msg != NULL) {
        FUZZ_CHECK(*msg);
        /* Fixed texts only: the input never comes back (3 bytes or more
         * of it would show up as a substring of the message). */
        FUZZ_CHECK(strlen(url) < 12 || strstr(msg, url) == NULL);
        apr_pool_destroy(p);
        return 0;
    }
    /* Exactly one of a host, a socket, or a master behind sentinels. */
    FUZZ_CHECK((u.host != NULL) + (u.path != NULL) + (u.master != NULL) == 1);
    FUZZ_CHECK((u.master != NULL) == (u.nsentinels > 0));
    for (i = 0; i < u.nsentinels; i++) {
        FUZZ_CHECK(u.sentinels[i].port >= 1 && u.sentinels[i].port <= 65535);
    }
    FUZZ_CHECK(u.port >= 1 && u.port <= 65535 && u.db >= 0);
    FUZZ_CHECK(u.password == NULL || *u.password);

    shown = dash_redis_url_redacted(p, &u);
    if (u.password && strlen(u.password) >= 4) {
        FUZZ_CHECK(strstr(shown, apr_pstrcat(p, ":", u.password, "@", NULL)) == NULL);
    }
    FUZZ_CHECK(dash_redis_url_parse(&v, p, shown) == NULL);
    FUZZ_CHECK(same(u.host, v.host) && same(u.path, v.path));
    FUZZ_CHECK(u.port == v.port && u.db == v.db);
    FUZZ_CHECK(same(u.username, v.username) && same(u.master, v.master));
    FUZZ_CHECK(u.nsentinels == v.nsentinels);
    for (i = 0; i < u.nsentinels; i++) {
        FUZZ_CHECK(same(u.sentinels[i].host, v.sentinels[i].host));
        FUZZ_CHECK(u.sentinels[i].port == v.sentinels[i].port);
    }
    FUZZ_CHECK((u.password == NULL) == (v.password == NULL));
    apr_pool_destroy(p);
    return 0;
}
