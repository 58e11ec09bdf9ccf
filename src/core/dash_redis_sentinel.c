/*
 * Redis Sentinel discovery (docs/operations.md#redis-through-sentinel):
 * SENTINEL get-master-addr-by-name asked of each sentinel in turn, each
 * answer checked by the pool before it is believed, and the replies read
 * defensively: a sentinel or data node is foreign code, and whatever it
 * answers (wrong types, absurd lengths, no answer at all) ends in a
 * message and a bounded wait, never a crash or a hang.
 */
#include <string.h>

#include <apr_strings.h>

#include "dash_redis_sentinel.h"
#include "dash_text.h"

/* Longest text kept from a sentinel's error reply in a message. */
#define DASH_SENTINEL_TEXT_MAX 120

struct dash_redis_sentinel_t {
    dash_redis_url_node_t *nodes;
    int n;
    int first;                 /* the sentinel asked first next time */
    const char *master;
    const char *user;          /* DashboardRedisSentinelAuth, or NULL */
    const char *password;
    struct timeval tv;
};

apr_status_t dash_redis_sentinel_create(dash_redis_sentinel_t **ps,
                                        apr_pool_t *pool,
                                        const dash_redis_url_t *u,
                                        apr_interval_time_t timeout)
{
    dash_redis_sentinel_t *s;
    int i;

    *ps = NULL;
    if (!u || !u->master || u->nsentinels < 1 || timeout <= 0) {
        return APR_EINVAL;
    }
    s = apr_pcalloc(pool, sizeof(*s));
    s->n = u->nsentinels;
    s->nodes = apr_pcalloc(pool, sizeof(*s->nodes) * (apr_size_t)s->n);
    for (i = 0; i < s->n; i++) {
        s->nodes[i].host = apr_pstrdup(pool, u->sentinels[i].host);
        s->nodes[i].port = u->sentinels[i].port;
    }
    s->master = apr_pstrdup(pool, u->master);
    s->user = u->sentinel_username ? apr_pstrdup(pool, u->sentinel_username)
                                   : NULL;
    s->password = u->sentinel_password
                  ? apr_pstrdup(pool, u->sentinel_password) : NULL;
    s->tv.tv_sec = (long)apr_time_sec(timeout);
    s->tv.tv_usec = (long)apr_time_usec(timeout);
    *ps = s;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ */
/* Replies                                                             */
/* ------------------------------------------------------------------ */

static int is_addr_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'
           || c == ':' || c == '%';
}

apr_status_t dash_redis_sentinel_parse_addr(const redisReply *r,
                                            dash_redis_sentinel_addr_t *a,
                                            const char **why)
{
    const redisReply *h, *pt;
    long port = 0;
    size_t i;

    memset(a, 0, sizeof(*a));
    if (!r) {
        *why = "no reply";
        return APR_EGENERAL;
    }
    if (r->type == REDIS_REPLY_NIL) {
        *why = "the sentinel does not know this master";
        return APR_NOTFOUND;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || !r->element
        || !r->element[0] || !r->element[1]) {
        *why = "the sentinel's answer is not a host and a port";
        return APR_EGENERAL;
    }
    h = r->element[0];
    pt = r->element[1];
    if (h->type != REDIS_REPLY_STRING || !h->str || h->len == 0
        || h->len >= sizeof(a->host)) {
        *why = "the sentinel's answer has no usable host";
        return APR_EGENERAL;
    }
    for (i = 0; i < h->len; i++) {
        /* Also refuses a NUL inside the string, which would cut it. */
        if (!is_addr_char(h->str[i])) {
            *why = "the sentinel's answer has no usable host";
            return APR_EGENERAL;
        }
    }
    if (pt->type != REDIS_REPLY_STRING || !pt->str || pt->len == 0
        || pt->len > 5) {
        *why = "the sentinel's answer has no usable port";
        return APR_EGENERAL;
    }
    for (i = 0; i < pt->len; i++) {
        if (pt->str[i] < '0' || pt->str[i] > '9') {
            *why = "the sentinel's answer has no usable port";
            return APR_EGENERAL;
        }
        port = port * 10 + (pt->str[i] - '0');
    }
    if (port < 1 || port > 65535) {
        *why = "the sentinel's answer has no usable port";
        return APR_EGENERAL;
    }
    memcpy(a->host, h->str, h->len);
    a->host[h->len] = '\0';
    a->port = (int)port;
    return APR_SUCCESS;
}

apr_status_t dash_redis_sentinel_parse_role(const redisReply *r,
                                            const char **why)
{
    const redisReply *e;

    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements < 1 || !r->element
        || !r->element[0]) {
        *why = "ROLE: malformed reply";
        return APR_EGENERAL;
    }
    e = r->element[0];
    if (e->type != REDIS_REPLY_STRING || !e->str) {
        *why = "ROLE: malformed reply";
        return APR_EGENERAL;
    }
    if (e->len == 6 && memcmp(e->str, "master", 6) == 0) {
        return APR_SUCCESS;
    }
    *why = (e->len == 5 && memcmp(e->str, "slave", 5) == 0)
           ? "ROLE: a replica, not the master"
           : "ROLE: not a master";
    return APR_EGENERAL;
}

static int has_prefix(const char *text, apr_size_t len, const char *word)
{
    apr_size_t n = strlen(word);

    return len >= n && memcmp(text, word, n) == 0
           && (len == n || text[n] == ' ');
}

int dash_redis_sentinel_is_lost(const char *text, apr_size_t len)
{
    return text && (has_prefix(text, len, "READONLY")
                    || has_prefix(text, len, "MASTERDOWN")
                    || has_prefix(text, len, "LOADING"));
}

/* ------------------------------------------------------------------ */
/* Asking                                                              */
/* ------------------------------------------------------------------ */

static const char *node_name(apr_pool_t *p, const dash_redis_url_node_t *n)
{
    return strchr(n->host, ':') ? apr_psprintf(p, "[%s]:%d", n->host, n->port)
                                : apr_psprintf(p, "%s:%d", n->host, n->port);
}

static const char *ctx_text(apr_pool_t *p, const redisContext *ctx)
{
    return ctx->errstr[0]
           ? dash_text_log_safe(p, ctx->errstr, strlen(ctx->errstr),
                                DASH_SENTINEL_TEXT_MAX)
           : "I/O error";
}

static const char *error_text(apr_pool_t *p, const redisReply *r)
{
    return r->str && r->len
           ? dash_text_log_safe(p, r->str, r->len, DASH_SENTINEL_TEXT_MAX)
           : "error";
}

/* One sentinel asked: its answer in *a, or a message in *perr. */
static apr_status_t ask_one(dash_redis_sentinel_t *s, apr_pool_t *p,
                            const dash_redis_url_node_t *n,
                            dash_redis_sentinel_addr_t *a, const char **perr)
{
    const char *name = node_name(p, n);
    redisContext *ctx;
    redisReply *r;
    const char *why;
    apr_status_t rv;

    ctx = redisConnectWithTimeout(n->host, n->port, s->tv);
    if (!ctx) {
        *perr = apr_psprintf(p, "sentinel %s: out of memory", name);
        return APR_ENOMEM;
    }
    if (ctx->err) {
        *perr = apr_psprintf(p, "sentinel %s: %s", name, ctx_text(p, ctx));
        redisFree(ctx);
        return APR_EGENERAL;
    }
    /* Without it a sentinel that accepts and then says nothing would hold
     * the request for as long as the kernel keeps the socket. */
    if (redisSetTimeout(ctx, s->tv) != REDIS_OK) {
        *perr = apr_psprintf(p, "sentinel %s: setting the timeout: %s", name,
                             ctx_text(p, ctx));
        redisFree(ctx);
        return APR_EGENERAL;
    }
    if (s->password) {
        r = s->user ? redisCommand(ctx, "AUTH %s %s", s->user, s->password)
                    : redisCommand(ctx, "AUTH %s", s->password);
        if (!r || r->type != REDIS_REPLY_STATUS) {
            /* Never the reply's text: some servers echo arguments. */
            *perr = apr_psprintf(p, "sentinel %s: AUTH failed%s", name,
                                 r ? "" : apr_pstrcat(p, ": ",
                                                      ctx_text(p, ctx), NULL));
            if (r) {
                freeReplyObject(r);
            }
            redisFree(ctx);
            return r ? APR_EACCES : APR_EGENERAL;
        }
        freeReplyObject(r);
    }
    r = redisCommand(ctx, "SENTINEL get-master-addr-by-name %s", s->master);
    if (!r) {
        *perr = apr_psprintf(p, "sentinel %s: %s", name, ctx_text(p, ctx));
        redisFree(ctx);
        return APR_EGENERAL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        *perr = apr_psprintf(p, "sentinel %s: %s", name, error_text(p, r));
        rv = APR_EGENERAL;
    }
    else if ((rv = dash_redis_sentinel_parse_addr(r, a, &why))
             != APR_SUCCESS) {
        *perr = apr_psprintf(p, "sentinel %s: %s", name, why);
    }
    freeReplyObject(r);
    redisFree(ctx);
    return rv;
}

apr_status_t dash_redis_sentinel_discover(dash_redis_sentinel_t *s,
                                          apr_pool_t *p,
                                          dash_redis_sentinel_try_fn try_fn,
                                          void *baton,
                                          dash_redis_sentinel_addr_t *found,
                                          const char **perr)
{
    apr_status_t rv = APR_EGENERAL, best = APR_EGENERAL;
    const char *msg = "no sentinel asked";
    int i, k, known = 0;

    for (k = 0; k < s->n; k++) {
        i = (s->first + k) % s->n;
        rv = ask_one(s, p, &s->nodes[i], found, &msg);
        if (rv == APR_NOTFOUND) {
            continue;
        }
        if (rv != APR_SUCCESS) {
            continue;
        }
        known = 1;
        rv = try_fn(baton, found, &msg);
        if (rv == APR_SUCCESS) {
            /* Sentinels that work keep working: ask it first next time. */
            s->first = i;
            if (perr) {
                *perr = NULL;
            }
            return APR_SUCCESS;
        }
        best = rv;
        msg = apr_psprintf(p, "master %s:%d named by sentinel %s: %s",
                           found->host, found->port,
                           node_name(p, &s->nodes[i]), msg ? msg : "failed");
    }
    if (perr) {
        *perr = apr_pstrcat(p, "no Redis master for \"",
                            dash_text_log_safe(p, s->master, strlen(s->master),
                                               DASH_SENTINEL_TEXT_MAX),
                            "\" (last: ", msg ? msg : "failed", ")", NULL);
    }
    memset(found, 0, sizeof(*found));
    return known ? best : (rv == APR_NOTFOUND ? APR_NOTFOUND : APR_EGENERAL);
}
