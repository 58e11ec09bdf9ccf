/*
 * Commands on one pooled connection of the Redis layer, and what their
 * replies and errors say: a reply checked against the type the caller
 * expects, an error reply or an I/O error turned into an apr_status_t and
 * a message without the password, and the marks (stale, broken, lost) the
 * pool reads when the operation ends. Not for callers outside the Redis
 * layer: they use dash_redis.h.
 */
#ifndef DASH_REDIS_WIRE_H
#define DASH_REDIS_WIRE_H

#include <apr_errno.h>
#include <apr_pools.h>

#include <hiredis/hiredis.h>

#include "dash_redis.h"

/*
 * A slot of the reslist. The reslist bounds how many exist and hands them
 * out; the hiredis connection inside is made by the thread that acquired
 * the slot, outside the reslist's lock. apr-util calls the constructor with
 * the list locked, so a connect there would stall every other worker for
 * up to the timeout while Redis is unreachable, and the constructor has no
 * way to hand the error text back to the request that wants to log it.
 */
typedef struct {
    redisContext *ctx;         /* NULL until connected, and after an error */
    int taken;                 /* owned by the reslist (idle or leased) */
    unsigned int gen;          /* behind sentinels: the master's generation */
} dash_redis_slot_t;

/* One operation's hold on a connection. */
typedef struct {
    dash_redis_t *c;
    apr_pool_t *p;
    const char **perr;
    dash_redis_slot_t *slot;
    int reused;                /* the connection came idle from the pool */
    int sent;                  /* commands sent by this operation */
    int stale;                 /* its first command died of I/O or EOF */
    int broken;                /* state unknown: do not pool it */
    int lost;                  /* its node may be no master (any I/O
                                * error, READONLY, MASTERDOWN, LOADING) */
    const char *password;      /* the pool's, scrubbed from messages */
    int sentinels;             /* the pool finds its master through them */
} dash_redis_conn_t;

/* msg with every occurrence of password replaced by "***" (a server's
 * error reply is foreign text and might quote it). */
const char *dash_redis_wire_scrub(apr_pool_t *p, const char *password,
                                  const char *msg);

/* *cn->perr = the formatted message, scrubbed (perr NULL: nothing). */
void dash_redis_wire_err(dash_redis_conn_t *cn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Whether the context's I/O error is a timeout (hiredis reports one as
 * the errno's text). */
int dash_redis_wire_timed_out(const redisContext *ctx);

/* The context's error for a message: "timeout", hiredis' text, or
 * "I/O error". */
const char *dash_redis_wire_error(apr_pool_t *p, const redisContext *ctx);

/*
 * Checks a reply: NULL (the context has the error), an error reply (the
 * connection is fine), or the type the caller expects (type < 0: any).
 * On failure the reply is freed and *perr says "<what>: <why>".
 */
apr_status_t dash_redis_wire_check(dash_redis_conn_t *cn, const char *what,
                                   redisReply *r, int type, redisReply **out);

/* redisvCommand with %s / %b arguments only, then dash_redis_wire_check. */
apr_status_t dash_redis_wire_cmd(dash_redis_conn_t *cn, const char *what,
                                 int type, redisReply **out,
                                 const char *fmt, ...);

/* redisCommandArgv, then dash_redis_wire_check. */
apr_status_t dash_redis_wire_cmd_argv(dash_redis_conn_t *cn,
                                      const char *what, int type,
                                      redisReply **out, int argc,
                                      const char **argv,
                                      const size_t *argvlen);

/* A command the caller wrote in RESP itself (len bytes at cmd), sent
 * with redisAppendFormattedCommand and answered with redisGetReply, then
 * dash_redis_wire_check: for a command so frequent that hiredis'
 * formatting shows in a profile. */
apr_status_t dash_redis_wire_cmd_resp(dash_redis_conn_t *cn,
                                      const char *what, int type,
                                      redisReply **out, const char *cmd,
                                      apr_size_t len);

/* The same, the raw reply (NULL on an I/O error), for a caller that looks
 * at an error reply before dash_redis_wire_check does. */
redisReply *dash_redis_wire_send_resp(dash_redis_conn_t *cn, const char *cmd,
                                      apr_size_t len);

/* redisCommandArgv, the raw reply (NULL on an I/O error), for a caller
 * that looks at an error reply before dash_redis_wire_check does. */
redisReply *dash_redis_wire_send_argv(dash_redis_conn_t *cn, int argc,
                                      const char **argv,
                                      const size_t *argvlen);

/* A STATUS reply with exactly this text (OK, PONG); frees r. */
apr_status_t dash_redis_wire_expect_status(dash_redis_conn_t *cn,
                                           const char *what, redisReply *r,
                                           const char *want);

#endif
