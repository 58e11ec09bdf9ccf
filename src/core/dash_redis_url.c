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

/*
 * "[user]:password@" up to the last '@' of s, if any: host, port, master
 * name and db cannot contain one, so a password with a raw '@' or '/'
 * still parses. *ps moves past it.
 */
static const char *parse_userinfo(dash_redis_url_t *u, apr_pool_t *p,
                                  const char **ps)
{
    const char *s = *ps;
    const char *at = strrchr(s, '@');
    const char *colon;
    char *user, *pass;

    if (!at) {
        return NULL;
    }
    colon = memchr(s, ':', (size_t)(at - s));
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
    *ps = at + 1;
    return NULL;
}

/* host[:port] or [v6][:port] at *ps, ending at NUL, '/' or one of more;
 * *ps moves past it. */
static const char *parse_node(dash_redis_url_node_t *n, apr_pool_t *p,
                              const char **ps, const char *more)
{
    const char *s = *ps, *h, *end;
    long v;

#define DASH_NODE_END(c) (!(c) || (c) == '/' || strchr(more, (c)))
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
        n->host = apr_pstrmemdup(p, h, (size_t)(end - h));
        s = end + 1;
        if (*s != ':' && !DASH_NODE_END(*s)) {
            return "unexpected characters after the host";
        }
    }
    else {
        h = s;
        while (is_host_char(*s)) {
            s++;
        }
        if (s == h) {
            return *s != ':' && !DASH_NODE_END(*s)
                   ? "the host contains a character not allowed in a host name"
                   : "empty host";
        }
        if (*s != ':' && !DASH_NODE_END(*s)) {
            return "the host contains a character not allowed in a host name";
        }
        n->host = apr_pstrmemdup(p, h, (size_t)(s - h));
    }

    if (*s == ':') {
        h = ++s;
        while (!DASH_NODE_END(*s)) {
            s++;
        }
        if (dash_text_number(&v, h, (apr_size_t)(s - h), 1, 65535)
            != APR_SUCCESS) {
            return "the port must be a number from 1 to 65535";
        }
        n->port = (int)v;
    }
#undef DASH_NODE_END
    *ps = s;
    return NULL;
}

/* "/N" or "/" or nothing at s: the database. */
static const char *parse_db(dash_redis_url_t *u, const char *s,
                            const char *form)
{
    long v;

    if (!*s) {
        return NULL;
    }
    if (*s != '/') {
        return "unexpected characters after the host";
    }
    s++;
    /* "redis://host/" is the default database, as in other clients. */
    if (*s && dash_text_number(&v, s, strlen(s), 0, INT_MAX) != APR_SUCCESS) {
        return form;
    }
    u->db = *s ? (int)v : 0;
    return NULL;
}

/* redis://[[user]:password@]host[:port][/db], after "redis://". */
static const char *parse_tcp(dash_redis_url_t *u, apr_pool_t *p,
                             const char *s)
{
    dash_redis_url_node_t n = { NULL, u->port };
    const char *msg;

    if ((msg = parse_userinfo(u, p, &s)) != NULL
        || (msg = parse_node(&n, p, &s, "")) != NULL) {
        return msg;
    }
    u->host = n.host;
    u->port = n.port;
    return parse_db(u, s, "the database must be a non-negative integer "
                          "(redis://host:port/N)");
}

/*
 * redis-sentinel://[[user]:password@]host1[:port1][,host2[:port2]...]
 * /MASTER[/db], after "redis-sentinel://".
 */
static const char *parse_sentinel(dash_redis_url_t *u, apr_pool_t *p,
                                  const char *s)
{
    dash_redis_url_node_t *nodes;
    const char *msg, *m;
    char *name;
    int n = 0;

    if ((msg = parse_userinfo(u, p, &s)) != NULL) {
        return msg;
    }
    if (!*s || *s == '/') {
        return "no sentinel host (host1[:port1][,host2[:port2]...] "
               "before /MASTER)";
    }
    nodes = apr_pcalloc(p, sizeof(*nodes) * DASH_REDIS_URL_MAX_SENTINELS);
    for (;;) {
        if (n == DASH_REDIS_URL_MAX_SENTINELS) {
            return apr_psprintf(p, "more than %d sentinels",
                                DASH_REDIS_URL_MAX_SENTINELS);
        }
        nodes[n].port = DASH_REDIS_URL_SENTINEL_PORT;
        if ((msg = parse_node(&nodes[n], p, &s, ",")) != NULL) {
            return apr_pstrcat(p, "sentinel ", apr_itoa(p, n + 1), ": ",
                               msg, NULL);
        }
        n++;
        if (*s != ',') {
            break;
        }
        s++;
    }
    if (*s != '/' || !s[1] || s[1] == '/') {
        return "no master name (the sentinels, then /MASTER[/db])";
    }
    m = ++s;
    while (*s && *s != '/') {
        s++;
    }
    name = dash_text_pct_decode(p, m, (size_t)(s - m), 0);
    if (!name || !*name) {
        return "bad percent-encoding in the master name";
    }
    for (m = name; *m; m++) {
        /* The name goes into a command as an argument of its own, but a
         * control or space character is a typo worth a configtest error. */
        if ((unsigned char)*m <= 0x20 || *m == 0x7f) {
            return "the master name contains a space or control character";
        }
    }
    u->master = name;
    u->sentinels = nodes;
    u->nsentinels = n;
    return parse_db(u, s, "the database must be a non-negative integer "
                          "(/MASTER/N)");
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
    else if (strncasecmp(url, "redis-sentinel://", 17) == 0) {
        msg = parse_sentinel(u, p, url + 17);
    }
    else if (strncasecmp(url, "unix:", 5) == 0) {
        msg = parse_unix(u, p, url + 5);
    }
    else if (strncasecmp(url, "rediss://", 9) == 0) {
        msg = "rediss:// (TLS) is not supported; use redis:// or unix:";
    }
    else {
        msg = "expected redis://host[:port][/db], unix:/path, or a "
              "Sentinel URL naming the sentinels and the master";
    }
    if (msg) {
        memset(u, 0, sizeof(*u));
        return apr_pstrcat(p, "bad Redis URL: ", msg, NULL);
    }
    return NULL;
}

static const char *node_text(apr_pool_t *p, const char *host, int port)
{
    return strchr(host, ':') ? apr_psprintf(p, "[%s]:%d", host, port)
                             : apr_psprintf(p, "%s:%d", host, port);
}

const char *dash_redis_url_redacted(apr_pool_t *p, const dash_redis_url_t *u)
{
    const char *auth = "";
    const char *where;
    int i;

    if (u->path) {
        return u->db > 0 ? apr_psprintf(p, "unix:%s?db=%d", u->path, u->db)
                         : apr_pstrcat(p, "unix:", u->path, NULL);
    }
    if (u->username || u->password) {
        auth = apr_pstrcat(p, u->username
                              ? dash_text_pct_encode(p, u->username) : "",
                           u->password ? ":***" : "", "@", NULL);
    }
    if (u->master) {
        where = "";
        for (i = 0; i < u->nsentinels; i++) {
            where = apr_pstrcat(p, where, i ? "," : "",
                                node_text(p, u->sentinels[i].host,
                                          u->sentinels[i].port), NULL);
        }
        where = apr_pstrcat(p, where, "/",
                            dash_text_pct_encode(p, u->master), NULL);
        return u->db > 0
               ? apr_psprintf(p, "redis-sentinel://%s%s/%d", auth, where, u->db)
               : apr_psprintf(p, "redis-sentinel://%s%s", auth, where);
    }
    where = node_text(p, u->host ? u->host : "", u->port);
    return u->db > 0 ? apr_psprintf(p, "redis://%s%s/%d", auth, where, u->db)
                     : apr_psprintf(p, "redis://%s%s", auth, where);
}
