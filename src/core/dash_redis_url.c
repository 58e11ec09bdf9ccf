/*
 * The DashboardRedis URL (docs/configuration.md#dashboardredis): its
 * grammar, and its form for the log with the password hidden.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <apr_lib.h>
#include <apr_strings.h>

#include "dash_redis_url.h"
#include "dash_text.h"

static int is_host_char(char c)
{
    return apr_isalnum(c) || c == '.' || c == '-' || c == '_';
}

static int is_ipv6_char(char c)
{
    return apr_isxdigit(c) || c == ':' || c == '.';
}

/* redis://[[user]:password@]host[:port][/db], after "redis://". */
static const char *parse_tcp(dash_redis_url_t *u, apr_pool_t *p,
                             const char *s)
{
    /* The last '@' ends the userinfo: host, port and db cannot contain
     * one, so a password with a raw '@' or '/' still parses. */
    const char *at = strrchr(s, '@');
    const char *h, *end;
    long v;

    if (at) {
        const char *colon = memchr(s, ':', (size_t)(at - s));
        char *user, *pass;

        if (!colon) {
            return "the user information must be [user]:password@";
        }
        /* The password is never quoted back: it is a secret. */
        if (!(user = dash_text_pct_decode(p, s, (size_t)(colon - s), 0))) {
            return "bad percent-encoding in the user name";
        }
        pass = dash_text_pct_decode(p, colon + 1, (size_t)(at - colon - 1), 0);
        if (!pass) {
            return "bad percent-encoding in the password";
        }
        if (!*pass) {
            return "empty password";
        }
        u->username = *user ? user : NULL;
        u->password = pass;
        s = at + 1;
    }

    if (*s == '[') {
        /* An IPv6 literal, handed to getaddrinfo without the brackets. */
        h = s + 1;
        end = strchr(h, ']');
        if (!end || end == h) {
            return "bad IPv6 address (expected [address])";
        }
        for (s = h; s < end; s++) {
            if (!is_ipv6_char(*s)) {
                return "bad IPv6 address (expected [address])";
            }
        }
        u->host = apr_pstrmemdup(p, h, (size_t)(end - h));
        s = end + 1;
        if (*s && *s != ':' && *s != '/') {
            return "unexpected characters after the host";
        }
    }
    else {
        h = s;
        while (is_host_char(*s)) {
            s++;
        }
        if (s == h) {
            return *s && *s != ':' && *s != '/'
                   ? "the host contains a character not allowed in a host name"
                   : "empty host";
        }
        if (*s && *s != ':' && *s != '/') {
            return "the host contains a character not allowed in a host name";
        }
        u->host = apr_pstrmemdup(p, h, (size_t)(s - h));
    }

    if (*s == ':') {
        h = ++s;
        while (*s && *s != '/') {
            s++;
        }
        if (dash_text_number(&v, h, (apr_size_t)(s - h), 1, 65535) != APR_SUCCESS) {
            return "the port must be a number from 1 to 65535";
        }
        u->port = (int)v;
    }

    if (*s == '/') {
        h = ++s;
        s += strlen(s);
        /* "redis://host/" is the default database, as in other clients. */
        if (s > h) {
            if (dash_text_number(&v, h, (apr_size_t)(s - h), 0, INT_MAX)
                != APR_SUCCESS) {
                return "the database must be a non-negative integer "
                       "(redis://host:port/N)";
            }
            u->db = (int)v;
        }
    }
    return NULL;
}

/* unix:/absolute/path[?db=N], after "unix:". */
static const char *parse_unix(dash_redis_url_t *u, apr_pool_t *p,
                              const char *s)
{
    const char *q = strchr(s, '?');
    size_t n = q ? (size_t)(q - s) : strlen(s);
    long v;

    if (n == 0) {
        return "missing socket path (unix:/path/to/socket)";
    }
    if (s[0] != '/') {
        return "the socket path must be absolute (unix:/path/to/socket)";
    }
    /* Checked here so configtest says it, not the first connect. */
    if (n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        return "the socket path is too long";
    }
    u->path = apr_pstrmemdup(p, s, n);
    if (q) {
        q++;
        if (strncmp(q, "db=", 3) != 0) {
            return "the only query parameter of a unix: URL is ?db=N";
        }
        q += 3;
        if (dash_text_number(&v, q, strlen(q), 0, INT_MAX) != APR_SUCCESS) {
            return "the database must be a non-negative integer (?db=N)";
        }
        u->db = (int)v;
    }
    return NULL;
}

const char *dash_redis_url_parse(dash_redis_url_t *u, apr_pool_t *p,
                                 const char *url)
{
    const char *s;
    const char *msg;

    memset(u, 0, sizeof(*u));
    u->port = 6379;

    if (!url || !*url) {
        return "empty Redis URL";
    }
    for (s = url; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return "the Redis URL contains a control character";
        }
    }
    /* The messages below never quote the URL: it may hold the password. */
    if (strncasecmp(url, "redis://", 8) == 0) {
        msg = parse_tcp(u, p, url + 8);
    }
    else if (strncasecmp(url, "unix:", 5) == 0) {
        msg = parse_unix(u, p, url + 5);
    }
    else if (strncasecmp(url, "rediss://", 9) == 0) {
        msg = "rediss:// (TLS) is not supported; use redis:// or unix:";
    }
    else {
        msg = "expected redis://host[:port][/db] or unix:/path";
    }
    if (msg) {
        memset(u, 0, sizeof(*u));
        return apr_pstrcat(p, "bad Redis URL: ", msg, NULL);
    }
    return NULL;
}

const char *dash_redis_url_redacted(apr_pool_t *p, const dash_redis_url_t *u)
{
    const char *auth = "";
    const char *host;

    if (u->path) {
        return u->db > 0 ? apr_psprintf(p, "unix:%s?db=%d", u->path, u->db)
                         : apr_pstrcat(p, "unix:", u->path, NULL);
    }
    if (u->username || u->password) {
        auth = apr_pstrcat(p, u->username ? dash_text_pct_encode(p, u->username) : "",
                           u->password ? ":***" : "", "@", NULL);
    }
    host = u->host ? u->host : "";
    if (strchr(host, ':')) {
        host = apr_pstrcat(p, "[", host, "]", NULL);
    }
    return u->db > 0
           ? apr_psprintf(p, "redis://%s%s:%d/%d", auth, host, u->port, u->db)
           : apr_psprintf(p, "redis://%s%s:%d", auth, host, u->port);
}

