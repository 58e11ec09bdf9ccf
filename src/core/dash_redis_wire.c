/*
 * Commands on one pooled connection (dash_redis_wire.h). Every value goes
 * as an argument of its own (%s or %b, redisCommandArgv, or the caller's
 * own length-prefixed RESP), never pasted into a command's text; the
 * password never reaches a message.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>

#include "dash_redis_sentinel.h"
#include "dash_redis_wire.h"
#include "dash_text.h"

/* Longest text kept from a Redis error reply in a message. */
#define DASH_REPLY_TEXT_MAX 120

/* ---- errors -------------------------------------------------------- */

const char *dash_redis_wire_scrub(apr_pool_t *p, const char *password,
                                  const char *msg)
{
    const char *pw = password;
    const char *hit;
    size_t n;
    char *out = "";

    if (!pw || !*pw || !strstr(msg, pw)) {
        return msg;
    }
    n = strlen(pw);
    while ((hit = strstr(msg, pw)) != NULL) {
        out = apr_pstrcat(p, out, apr_pstrmemdup(p, msg, (size_t)(hit - msg)),
                          "***", NULL);
        msg = hit + n;
    }
    return apr_pstrcat(p, out, msg, NULL);
}

void dash_redis_wire_err(dash_redis_conn_t *cn, const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    if (!cn->perr) {
        return;
    }
    va_start(ap, fmt);
    msg = apr_pvsprintf(cn->p, fmt, ap);
    va_end(ap);
    *cn->perr = dash_redis_wire_scrub(cn->p, cn->password, msg);
}

static int errstr_has(const redisContext *ctx, int err)
{
    char buf[128];

    apr_strerror(APR_FROM_OS_ERROR(err), buf, sizeof(buf));
    return strstr(ctx->errstr, buf) != NULL;
}

/* hiredis reports a socket timeout as an I/O error whose text is the errno
 * string: EAGAIN from SO_RCVTIMEO/SO_SNDTIMEO, ETIMEDOUT from connect. */
int dash_redis_wire_timed_out(const redisContext *ctx)
{
    return ctx->err == REDIS_ERR_IO
           && (errstr_has(ctx, EAGAIN) || errstr_has(ctx, EWOULDBLOCK)
               || errstr_has(ctx, ETIMEDOUT));
}

const char *dash_redis_wire_error(apr_pool_t *p, const redisContext *ctx)
{
    if (dash_redis_wire_timed_out(ctx)) {
        return "timeout";
    }
    return ctx->errstr[0] ? apr_pstrdup(p, ctx->errstr) : "I/O error";
}

/*
 * The text of a Redis error reply, for a message. Cut at the first quote:
 * some replies echo command arguments ("… with args beginning with: 'k'"),
 * and an argument may be a cached value.
 */
static const char *reply_text(apr_pool_t *p, const redisReply *r)
{
    size_t n = r->str ? r->len : 0;
    const char *q;

    if (n && (q = memchr(r->str, '\'', n)) != NULL) {
        n = (size_t)(q - r->str);
    }
    while (n && (r->str[n - 1] == ' ' || r->str[n - 1] == ',')) {
        n--;
    }
    return n ? dash_text_log_safe(p, r->str, n, DASH_REPLY_TEXT_MAX) : "error";
}

/* ---- commands ------------------------------------------------------ */

/*
 * Checks a reply: NULL (the context has the error), an error reply (the
 * connection is fine), or the type the caller expects (type < 0: any).
 * On failure the reply is freed and *perr says "<what>: <why>".
 */
apr_status_t dash_redis_wire_check(dash_redis_conn_t *cn, const char *what,
                                   redisReply *r, int type, redisReply **out)
{
    redisContext *ctx = cn->slot->ctx;
    apr_status_t rv;

    *out = NULL;
    if (r == NULL) {
        if (!ctx->err) {
            /* hiredis promises err is set; if not, trust nothing. */
            cn->broken = 1;
            dash_redis_wire_err(cn, "%s: no reply",
                                    what);
            return APR_EGENERAL;
        }
        /* An idle connection the server closed (restart, client timeout)
         * fails on its first command with EOF or a reset; a timeout means
         * a slow server, where a retry would only double the wait. */
        if (cn->sent == 1 && !dash_redis_wire_timed_out(ctx)
            && (ctx->err == REDIS_ERR_EOF || ctx->err == REDIS_ERR_IO)) {
            cn->stale = 1;
        }
        /* Behind sentinels, a node that stops answering may be a master
         * that died: ask them again before the next connect. */
        cn->lost = 1;
        dash_redis_wire_err(cn, "%s: %s", what,
                                dash_redis_wire_error(cn->p, ctx));
        return dash_redis_wire_timed_out(ctx) ? APR_TIMEUP : APR_EGENERAL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        const char *text = reply_text(cn->p, r);
        rv = (strncmp(text, "NOAUTH", 6) == 0
              || strncmp(text, "WRONGPASS", 9) == 0
              || strncmp(text, "NOPERM", 6) == 0) ? APR_EACCES : APR_EGENERAL;
        if (cn->sentinels && dash_redis_sentinel_is_lost(r->str, r->len)) {
            /* A demoted master (READONLY), one cut off from its replicas
             * (MASTERDOWN) or one loading its data refused the command:
             * nothing ran, so the first command may go again elsewhere. */
            cn->lost = 1;
            cn->broken = 1;
            if (cn->sent == 1) {
                cn->stale = 1;
            }
        }
        dash_redis_wire_err(cn, "%s: %s", what, text);
        freeReplyObject(r);
        return rv;
    }
    if (type >= 0 && r->type != type) {
        dash_redis_wire_err(cn, "%s: unexpected reply type %d", what,
                                r->type);
        freeReplyObject(r);
        return APR_EGENERAL;
    }
    *out = r;
    return APR_SUCCESS;
}

/* redisvCommand with %s / %b arguments only. */
apr_status_t dash_redis_wire_cmd(dash_redis_conn_t *cn, const char *what,
                                 int type, redisReply **out,
                                 const char *fmt, ...)
{
    va_list ap;
    redisReply *r;

    cn->sent++;
    va_start(ap, fmt);
    r = redisvCommand(cn->slot->ctx, fmt, ap);
    va_end(ap);
    return dash_redis_wire_check(cn, what, r, type, out);
}

apr_status_t dash_redis_wire_cmd_argv(dash_redis_conn_t *cn,
                                      const char *what, int type,
                                      redisReply **out, int argc,
                                      const char **argv,
                                      const size_t *argvlen)
{
    redisReply *r;

    cn->sent++;
    r = redisCommandArgv(cn->slot->ctx, argc, argv, argvlen);
    return dash_redis_wire_check(cn, what, r, type, out);
}

redisReply *dash_redis_wire_send_resp(dash_redis_conn_t *cn, const char *cmd,
                                      apr_size_t len)
{
    void *r = NULL;

    cn->sent++;
    if (redisAppendFormattedCommand(cn->slot->ctx, cmd, len) != REDIS_OK
        || redisGetReply(cn->slot->ctx, &r) != REDIS_OK) {
        return NULL;    /* ctx->err says why, as after redisCommandArgv */
    }
    return r;
}

apr_status_t dash_redis_wire_cmd_resp(dash_redis_conn_t *cn,
                                      const char *what, int type,
                                      redisReply **out, const char *cmd,
                                      apr_size_t len)
{
    return dash_redis_wire_check(cn, what, dash_redis_wire_send_resp(cn, cmd, len),
                                 type, out);
}

redisReply *dash_redis_wire_send_argv(dash_redis_conn_t *cn, int argc,
                                      const char **argv,
                                      const size_t *argvlen)
{
    cn->sent++;
    return redisCommandArgv(cn->slot->ctx, argc, argv, argvlen);
}

/* A STATUS reply with exactly this text (OK, PONG). */
apr_status_t dash_redis_wire_expect_status(dash_redis_conn_t *cn,
                                           const char *what, redisReply *r,
                                           const char *want)
{
    apr_status_t rv = APR_SUCCESS;

    if (strlen(want) != r->len || memcmp(r->str, want, r->len) != 0) {
        dash_redis_wire_err(cn, "%s: unexpected reply", what);
        rv = APR_EGENERAL;
    }
    freeReplyObject(r);
    return rv;
}
