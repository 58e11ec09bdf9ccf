/*
 * The Redis commands the module needs (GET, SET, PING, any command with
 * binary arguments, Lua scripts, SCAN-and-delete), with no knowledge of
 * what is stored: what the keys and values mean is dash_cache.c's
 * business. Connections, timeouts, AUTH and SELECT are
 * dash_redis_pool.c's.
 */
#include <string.h>

#include <apr_sha1.h>
#include <apr_strings.h>

#include <hiredis/hiredis.h>

#include "dash_redis.h"
#include "dash_redis_pool.h"

/* SCAN COUNT hint (docs/behaviour.md#cache-purge): big enough to finish a
 * purge in few round trips, small enough that one SCAN never blocks Redis
 * noticeably. */
#define DASH_SCAN_COUNT "500"

/*
 * The value only when it is at most ARGV[1] bytes long, else its length:
 * a value too large never crosses the network, nor is it read into the
 * child's memory. STRLEN of a key of another type is WRONGTYPE.
 */
static const char capped_get_lua[] =
    "local n = redis.call('STRLEN', KEYS[1])\n"
    "if n > tonumber(ARGV[1]) then return n end\n"
    "return redis.call('GET', KEYS[1])\n";

/* Its SHA-1, computed once per process in dash_redis_create (before any
 * thread exists: a child's pools are made in child_init). */
static dash_redis_script_t capped_get;

apr_status_t dash_redis_create(dash_redis_t **pr, apr_pool_t *pool,
                               const dash_redis_url_t *u,
                               apr_interval_time_t timeout, int max_conns)
{
    dash_redis_script_init(&capped_get, capped_get_lua);
    return dash_redis_pool_create(pr, pool, u, timeout, max_conns);
}

void dash_redis_set_metrics(dash_redis_t *r, dash_metrics_t *m)
{
    dash_redis_pool_set_metrics(r, m);
}

void dash_redis_set_events(dash_redis_t *r, dash_redis_event_fn fn,
                           void *baton)
{
    dash_redis_pool_set_events(r, fn, baton);
}

/* ------------------------------------------------------------------ */
/* GET, SET, PING                                                      */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *key;
    const char *val;
    apr_size_t len;
    const char *ttl;
    char *out;
    apr_size_t outlen;
} dash_kv_t;

static apr_status_t free_reply(void *data)
{
    freeReplyObject(data);
    return APR_SUCCESS;
}

/*
 * The commands every cache hit sends are written here in RESP, as
 * redisCommandArgv would write them, not by hiredis: its formatting
 * ("GET %b" parsed, or an argument vector through sds) was 8 % and then
 * 3 % of a hit's instructions in httpd (docs/benchmarks.md). Every value
 * is a bulk string with its length first, as with an argument vector.
 */

/* v in decimal at out; returns the digits written (at most 20). */
static apr_size_t resp_decimal(char *out, apr_size_t v)
{
    char digits[24];
    apr_size_t n = 0;
    int nd = 0;

    do {
        digits[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (nd > 0) {
        out[n++] = digits[--nd];
    }
    return n;
}

/* A header ("*" or "$") and a count, then CRLF; at most 23 bytes. */
static apr_size_t resp_head(char *out, char kind, apr_size_t v)
{
    apr_size_t n = 1;

    out[0] = kind;
    n += resp_decimal(out + n, v);
    out[n++] = '\r';
    out[n++] = '\n';
    return n;
}

/* The len bytes at s as a bulk string; at most len + 25 bytes. */
static apr_size_t resp_bulk(char *out, const char *s, apr_size_t len)
{
    apr_size_t n = resp_head(out, '$', len);

    memcpy(out + n, s, len);
    n += len;
    out[n++] = '\r';
    out[n++] = '\n';
    return n;
}

static apr_status_t get_op(dash_redis_conn_t *cn, void *baton)
{
    dash_kv_t *kv = baton;
    apr_size_t klen = strlen(kv->key), n;
    char *cmd = apr_palloc(cn->p, klen + 64);
    redisReply *r;
    apr_status_t rv;

    n = resp_head(cmd, '*', 2);
    n += resp_bulk(cmd + n, "GET", 3);
    n += resp_bulk(cmd + n, kv->key, klen);
    rv = dash_redis_wire_cmd_resp(cn, "GET", -1, &r, cmd, n);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (r->type == REDIS_REPLY_NIL) {
        rv = APR_NOTFOUND;
    }
    else if (r->type == REDIS_REPLY_STRING) {
        /* hiredis' copy (NUL-terminated) is the caller's, freed with its
         * pool: a hit's value is not copied once more. */
        apr_pool_cleanup_register(cn->p, r, free_reply,
                                  apr_pool_cleanup_null);
        kv->out = r->str;
        kv->outlen = (apr_size_t)r->len;
        return APR_SUCCESS;
    }
    else {
        dash_redis_pool_set_err(cn->c, cn->p, cn->perr,
                                "GET: unexpected reply type %d", r->type);
        rv = APR_EGENERAL;
    }
    freeReplyObject(r);
    return rv;
}

apr_status_t dash_redis_get(dash_redis_t *c, apr_pool_t *p, const char *key,
                            char **val, apr_size_t *len, const char **perr)
{
    dash_kv_t kv;
    apr_status_t rv;

    memset(&kv, 0, sizeof(kv));
    kv.key = key;
    *val = NULL;
    if (len) {
        *len = 0;
    }
    rv = dash_redis_pool_run(c, p, perr, get_op, &kv);
    if (rv == APR_SUCCESS) {
        *val = kv.out;
        if (len) {
            *len = kv.outlen;
        }
    }
    return rv;
}

typedef struct {
    const char *key;
    const char *max;
    char *out;
    apr_size_t outlen;
    int too_large;
    int wrong_type;
} dash_capped_t;

static apr_status_t get_capped_op(dash_redis_conn_t *cn, void *baton)
{
    dash_capped_t *g = baton;
    const char *argv[5];
    size_t argvlen[5];
    const char *what = "EVALSHA";
    apr_size_t klen = strlen(g->key), mlen = strlen(g->max), n;
    char *cmd = apr_palloc(cn->p, klen + mlen + 64 + sizeof(capped_get.sha1) + 8);
    redisReply *r, *ok;
    apr_status_t rv;

    n = resp_head(cmd, '*', 5);
    n += resp_bulk(cmd + n, "EVALSHA", 7);
    n += resp_bulk(cmd + n, capped_get.sha1, strlen(capped_get.sha1));
    n += resp_bulk(cmd + n, "1", 1);
    n += resp_bulk(cmd + n, g->key, klen);
    n += resp_bulk(cmd + n, g->max, mlen);
    r = dash_redis_wire_send_resp(cn, cmd, n);
    if (r && r->type == REDIS_REPLY_ERROR && r->len >= 8
        && memcmp(r->str, "NOSCRIPT", 8) == 0) {
        /* A new or restarted Redis: the body once, kept for the next. */
        freeReplyObject(r);
        argv[0] = what = "EVAL";
        argvlen[0] = 4;
        argv[1] = capped_get.body;
        argvlen[1] = strlen(capped_get.body);
        argv[2] = "1";
        argvlen[2] = 1;
        argv[3] = g->key;
        argvlen[3] = klen;
        argv[4] = g->max;
        argvlen[4] = mlen;
        r = dash_redis_wire_send_argv(cn, 5, argv, argvlen);
    }
    if (r && r->type == REDIS_REPLY_ERROR && strstr(r->str, "WRONGTYPE")) {
        /* The key holds a list, a hash...: a fact about the value, not a
         * Redis failure (the connection is fine and nothing is counted). */
        freeReplyObject(r);
        g->wrong_type = 1;
        return APR_SUCCESS;
    }
    rv = dash_redis_wire_check(cn, what, r, -1, &ok);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (ok->type == REDIS_REPLY_INTEGER) {
        g->too_large = 1;
    }
    else if (ok->type == REDIS_REPLY_STRING) {
        /* hiredis' copy (NUL-terminated) is the caller's, freed with its
         * pool: a hit's value is not copied once more. */
        apr_pool_cleanup_register(cn->p, ok, free_reply,
                                  apr_pool_cleanup_null);
        g->out = ok->str;
        g->outlen = (apr_size_t)ok->len;
        return APR_SUCCESS;
    }
    else if (ok->type != REDIS_REPLY_NIL) {
        dash_redis_pool_set_err(cn->c, cn->p, cn->perr,
                                "%s: unexpected reply type %d", what,
                                ok->type);
        rv = APR_EGENERAL;
    }
    freeReplyObject(ok);
    return rv;
}

apr_status_t dash_redis_get_capped(dash_redis_t *c, apr_pool_t *p,
                                   const char *key, apr_size_t max,
                                   char **val, apr_size_t *len,
                                   const char **perr)
{
    dash_capped_t g;
    char max_text[24];
    const char *err = NULL;
    apr_status_t rv;

    memset(&g, 0, sizeof(g));
    g.key = key;
    /* 0: no limit but Redis's own on a string. */
    g.max = max_text;
    max_text[resp_decimal(max_text, max ? max : (apr_size_t)512 * 1024 * 1024)] = '\0';
    *val = NULL;
    *len = 0;
    rv = dash_redis_pool_run(c, p, &err, get_capped_op, &g);
    if (perr) {
        *perr = err;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (g.wrong_type) {
        return APR_EINVAL;
    }
    if (g.too_large) {
        return APR_ENOSPC;
    }
    /* An empty value is no value either. */
    if (g.outlen == 0) {
        return APR_NOTFOUND;
    }
    *val = g.out;
    *len = g.outlen;
    return APR_SUCCESS;
}

static apr_status_t set_op(dash_redis_conn_t *cn, void *baton)
{
    dash_kv_t *kv = baton;
    redisReply *r;
    apr_status_t rv;

    rv = dash_redis_wire_cmd(cn, "SET", REDIS_REPLY_STATUS, &r,
                             "SET %b %b EX %s", kv->key, strlen(kv->key),
                             kv->val, (size_t)kv->len, kv->ttl);
    return rv == APR_SUCCESS
           ? dash_redis_wire_expect_status(cn, "SET", r, "OK") : rv;
}

apr_status_t dash_redis_set(dash_redis_t *c, apr_pool_t *p, const char *key,
                            const char *val, apr_size_t len, long ttl_sec,
                            const char **perr)
{
    dash_kv_t kv;

    if (perr) {
        *perr = NULL;
    }
    /* EX 0 is an error to Redis, and no TTL at all would keep the entry
     * forever. */
    if (ttl_sec <= 0) {
        dash_redis_pool_set_err(c, p, perr, "SET: the TTL must be positive");
        return APR_EINVAL;
    }
    memset(&kv, 0, sizeof(kv));
    kv.key = key;
    kv.val = val;
    kv.len = len;
    kv.ttl = apr_ltoa(p, ttl_sec);
    return dash_redis_pool_run(c, p, perr, set_op, &kv);
}

static apr_status_t ping_op(dash_redis_conn_t *cn, void *baton)
{
    redisReply *r;
    apr_status_t rv;

    (void)baton;
    rv = dash_redis_wire_cmd(cn, "PING", REDIS_REPLY_STATUS, &r, "PING");
    return rv == APR_SUCCESS
           ? dash_redis_wire_expect_status(cn, "PING", r, "PONG") : rv;
}

apr_status_t dash_redis_ping(dash_redis_t *c, apr_pool_t *p, const char **perr)
{
    return dash_redis_pool_run(c, p, perr, ping_op, NULL);
}

/* ------------------------------------------------------------------ */
/* Any command, scripts                                                */
/* ------------------------------------------------------------------ */

/* A deep copy of r into p, so no hiredis object outlives the call. */
static dash_redis_reply_t *reply_copy(apr_pool_t *p, const redisReply *r)
{
    dash_redis_reply_t *out = apr_pcalloc(p, sizeof(*out));
    size_t i;

    switch (r->type) {
    case REDIS_REPLY_INTEGER:
        out->type = DASH_REDIS_INTEGER;
        out->integer = r->integer;
        break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
        out->type = r->type == REDIS_REPLY_STRING ? DASH_REDIS_STRING
                                                  : DASH_REDIS_STATUS;
        out->str = apr_pstrmemdup(p, r->str ? r->str : "", r->len);
        out->len = r->len;
        break;
    case REDIS_REPLY_ARRAY:
        out->type = DASH_REDIS_ARRAY;
        out->nelem = r->elements;
        out->elem = apr_pcalloc(p, sizeof(*out->elem) * (r->elements + 1));
        for (i = 0; i < r->elements; i++) {
            out->elem[i] = *reply_copy(p, r->element[i]);
        }
        break;
    default:
        out->type = DASH_REDIS_NIL;
        break;
    }
    return out;
}

typedef struct {
    int argc;
    const char **argv;
    size_t *argvlen;
    const char *script;        /* EVAL's body when argv is an EVALSHA */
    dash_redis_reply_t *out;
} dash_cmd_t;

static apr_status_t command_op(dash_redis_conn_t *cn, void *baton)
{
    dash_cmd_t *cmd = baton;
    const char *what = apr_pstrmemdup(cn->p, cmd->argv[0], cmd->argvlen[0]);
    redisReply *r, *ok;
    apr_status_t rv;

    r = dash_redis_wire_send_argv(cn, cmd->argc, cmd->argv, cmd->argvlen);
    if (cmd->script && r && r->type == REDIS_REPLY_ERROR && r->len >= 8
        && memcmp(r->str, "NOSCRIPT", 8) == 0) {
        /* Not cached by this server yet (or flushed, or a restart): send
         * the body once; Redis keeps it for the next EVALSHA. */
        freeReplyObject(r);
        cmd->argv[0] = "EVAL";
        cmd->argvlen[0] = 4;
        cmd->argv[1] = cmd->script;
        cmd->argvlen[1] = strlen(cmd->script);
        what = "EVAL";
        r = dash_redis_wire_send_argv(cn, cmd->argc, cmd->argv,
                                      cmd->argvlen);
    }
    rv = dash_redis_wire_check(cn, what, r, -1, &ok);
    if (rv == APR_SUCCESS) {
        cmd->out = reply_copy(cn->p, ok);
        freeReplyObject(ok);
    }
    return rv;
}

static apr_status_t run_command(dash_redis_t *c, apr_pool_t *p,
                                dash_cmd_t *cmd, dash_redis_reply_t **reply,
                                const char **perr)
{
    apr_status_t rv = dash_redis_pool_run(c, p, perr, command_op, cmd);

    if (reply) {
        *reply = rv == APR_SUCCESS ? cmd->out : NULL;
    }
    return rv;
}

static void argv_copy(dash_cmd_t *cmd, apr_pool_t *p, int argc,
                      const char *const *argv, const apr_size_t *argvlen)
{
    int i;

    memset(cmd, 0, sizeof(*cmd));
    cmd->argc = argc;
    cmd->argv = apr_palloc(p, sizeof(*cmd->argv) * (apr_size_t)argc);
    cmd->argvlen = apr_palloc(p, sizeof(*cmd->argvlen) * (apr_size_t)argc);
    for (i = 0; i < argc; i++) {
        cmd->argv[i] = argv[i];
        cmd->argvlen[i] = argvlen ? argvlen[i] : strlen(argv[i]);
    }
}

apr_status_t dash_redis_command(dash_redis_t *c, apr_pool_t *p, int argc,
                                const char *const *argv,
                                const apr_size_t *argvlen,
                                dash_redis_reply_t **reply, const char **perr)
{
    dash_cmd_t cmd;

    if (reply) {
        *reply = NULL;
    }
    if (argc < 1 || !argv) {
        dash_redis_pool_set_err(c, p, perr, "command: no arguments");
        return APR_EINVAL;
    }
    argv_copy(&cmd, p, argc, argv, argvlen);
    return run_command(c, p, &cmd, reply, perr);
}

void dash_redis_script_init(dash_redis_script_t *s, const char *body)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digest[APR_SHA1_DIGESTSIZE];
    apr_sha1_ctx_t ctx;
    int i;

    s->body = body;
    apr_sha1_init(&ctx);
    apr_sha1_update_binary(&ctx, (const unsigned char *)body,
                           (unsigned int)strlen(body));
    apr_sha1_final(digest, &ctx);
    for (i = 0; i < APR_SHA1_DIGESTSIZE; i++) {
        s->sha1[2 * i] = hex[digest[i] >> 4];
        s->sha1[2 * i + 1] = hex[digest[i] & 15];
    }
    s->sha1[2 * APR_SHA1_DIGESTSIZE] = '\0';
}

apr_status_t dash_redis_script_run(dash_redis_t *c, apr_pool_t *p,
                                   const dash_redis_script_t *s, int nkeys,
                                   int nargs, const char *const *keys_args,
                                   const apr_size_t *lens,
                                   dash_redis_reply_t **reply,
                                   const char **perr)
{
    int n = nkeys + nargs, i;
    const char **argv;
    apr_size_t *argvlen;
    dash_cmd_t cmd;

    if (reply) {
        *reply = NULL;
    }
    if (nkeys < 0 || nargs < 0 || (n > 0 && !keys_args)) {
        dash_redis_pool_set_err(c, p, perr, "script: bad arguments");
        return APR_EINVAL;
    }
    argv = apr_palloc(p, sizeof(*argv) * (apr_size_t)(n + 3));
    argvlen = apr_palloc(p, sizeof(*argvlen) * (apr_size_t)(n + 3));
    argv[0] = "EVALSHA";
    argv[1] = s->sha1;
    argv[2] = apr_itoa(p, nkeys);
    for (i = 0; i < n; i++) {
        argv[3 + i] = keys_args[i];
        argvlen[3 + i] = lens ? lens[i] : strlen(keys_args[i]);
    }
    argvlen[0] = 7;
    argvlen[1] = strlen(s->sha1);
    argvlen[2] = strlen(argv[2]);
    argv_copy(&cmd, p, n + 3, argv, argvlen);
    cmd.script = s->body;
    return run_command(c, p, &cmd, reply, perr);
}

/* ------------------------------------------------------------------ */
/* SCAN and delete                                                     */
/* ------------------------------------------------------------------ */

typedef struct {
    const char *pattern;
    dash_redis_match_fn match;
    void *baton;
    long deleted;
    const char **argv;         /* "DEL" and a page of keys, grown as needed */
    size_t *argvlen;
    size_t cap;
} dash_scan_t;

static apr_status_t scan_delete_op(dash_redis_conn_t *cn, void *baton)
{
    dash_scan_t *pg = baton;
    char cursor[32] = "0";
    redisReply *r, *d;
    apr_status_t rv;

    pg->deleted = 0;
    do {
        redisReply *keys;
        size_t i, n = 0;

        rv = dash_redis_wire_cmd(cn, "SCAN", REDIS_REPLY_ARRAY, &r,
                                 "SCAN %s MATCH %b COUNT " DASH_SCAN_COUNT,
                                 cursor, pg->pattern, strlen(pg->pattern));
        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING
            || r->element[0]->len == 0
            || r->element[0]->len >= sizeof(cursor)
            || strspn(r->element[0]->str, "0123456789")
               != r->element[0]->len
            || r->element[1]->type != REDIS_REPLY_ARRAY) {
            freeReplyObject(r);
            dash_redis_pool_set_err(cn->c, cn->p, cn->perr,
                                    "SCAN: malformed reply");
            return APR_EGENERAL;
        }
        memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
        keys = r->element[1];

        if (keys->elements + 1 > pg->cap) {
            /* Grows only when a page is larger than any before, so a long
             * purge does not pile up arrays in the request pool. */
            pg->cap = keys->elements + 1;
            pg->argv = apr_palloc(cn->p, pg->cap * sizeof(*pg->argv));
            pg->argvlen = apr_palloc(cn->p, pg->cap * sizeof(*pg->argvlen));
        }
        pg->argv[0] = "DEL";
        pg->argvlen[0] = 3;
        for (i = 0; i < keys->elements; i++) {
            redisReply *k = keys->element[i];
            if (k->type == REDIS_REPLY_STRING
                && pg->match(pg->baton, k->str, k->len)) {
                pg->argv[++n] = k->str;
                pg->argvlen[n] = k->len;
            }
        }
        if (n > 0) {
            /* SCAN may return a key twice; DEL counts only what it removed,
             * so the sum stays exact. */
            rv = dash_redis_wire_cmd_argv(cn, "DEL", REDIS_REPLY_INTEGER,
                                          &d, (int)(n + 1), pg->argv,
                                          pg->argvlen);
            if (rv != APR_SUCCESS) {
                freeReplyObject(r);
                return rv;
            }
            pg->deleted += (long)d->integer;
            freeReplyObject(d);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    return APR_SUCCESS;
}

apr_status_t dash_redis_scan_delete(dash_redis_t *c, apr_pool_t *p,
                                    const char *pattern,
                                    dash_redis_match_fn match, void *baton,
                                    long *deleted, const char **perr)
{
    dash_scan_t pg;
    apr_status_t rv;

    memset(&pg, 0, sizeof(pg));
    pg.pattern = pattern;
    pg.match = match;
    pg.baton = baton;
    rv = dash_redis_pool_run(c, p, perr, scan_delete_op, &pg);
    /* Keys deleted before a failure are gone all the same. */
    *deleted = pg.deleted;
    return rv;
}

const char *dash_redis_glob_escape(apr_pool_t *p, const char *s)
{
    char *d = apr_palloc(p, strlen(s) * 2 + 1);
    char *o = d;

    for (; *s; s++) {
        if (strchr("*?[]\\", *s)) {
            *o++ = '\\';
        }
        *o++ = *s;
    }
    *o = '\0';
    return d;
}

#define DASH_STR(x) #x
#define DASH_XSTR(x) DASH_STR(x)

const char *dash_redis_version(void)
{
    return DASH_XSTR(HIREDIS_MAJOR) "." DASH_XSTR(HIREDIS_MINOR) "."
           DASH_XSTR(HIREDIS_PATCH);
}
