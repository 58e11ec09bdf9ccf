/*
 * The Redis transport shared by the Redis files of the core (dash_redis.c
 * for the commands): the pool of connections, one operation's hold on a
 * connection, and the helpers that check replies and write messages. Not
 * for callers outside the Redis layer: they use dash_redis.h.
 */
#ifndef DASH_REDIS_POOL_H
#define DASH_REDIS_POOL_H

#include <apr_errno.h>
#include <apr_pools.h>
#include <apr_time.h>

#include <hiredis/hiredis.h>

#include "dash_metrics.h"
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
} dash_redis_conn_t;

/* What dash_redis_create promises (dash_redis.h). */
apr_status_t dash_redis_pool_create(dash_redis_t **pc, apr_pool_t *pool,
                                    const dash_redis_url_t *u,
                                    apr_interval_time_t timeout,
                                    int max_conns);

void dash_redis_pool_set_metrics(dash_redis_t *c, dash_metrics_t *m);

void dash_redis_pool_set_events(dash_redis_t *c, dash_redis_event_fn fn,
                                void *baton);

/* *perr = the formatted message with the password scrubbed (perr NULL:
 * nothing). */
void dash_redis_pool_set_err(dash_redis_t *c, apr_pool_t *p,
                             const char **perr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Checks a reply: NULL (the context has the error), an error reply (the
 * connection is fine), or the type the caller expects (type < 0: any).
 * On failure the reply is freed and *perr says "<what>: <why>".
 */
apr_status_t dash_redis_pool_check(dash_redis_conn_t *cn, const char *what,
                                   redisReply *r, int type, redisReply **out);

/* redisvCommand with %s / %b arguments only, then dash_redis_pool_check. */
apr_status_t dash_redis_pool_cmd(dash_redis_conn_t *cn, const char *what,
                                 int type, redisReply **out,
                                 const char *fmt, ...);

/* redisCommandArgv, then dash_redis_pool_check. */
apr_status_t dash_redis_pool_cmd_argv(dash_redis_conn_t *cn,
                                      const char *what, int type,
                                      redisReply **out, int argc,
                                      const char **argv,
                                      const size_t *argvlen);

/* A command the caller wrote in RESP itself (len bytes at cmd), sent
 * with redisAppendFormattedCommand and answered with redisGetReply, then
 * dash_redis_pool_check: for a command so frequent that hiredis'
 * formatting shows in a profile. */
apr_status_t dash_redis_pool_cmd_resp(dash_redis_conn_t *cn,
                                      const char *what, int type,
                                      redisReply **out, const char *cmd,
                                      apr_size_t len);

/* The same, the raw reply (NULL on an I/O error), for a caller that looks
 * at an error reply before dash_redis_pool_check does. */
redisReply *dash_redis_pool_send_resp(dash_redis_conn_t *cn, const char *cmd,
                                      apr_size_t len);

/* redisCommandArgv, the raw reply (NULL on an I/O error), for a caller
 * that looks at an error reply before dash_redis_pool_check does. */
redisReply *dash_redis_pool_send_argv(dash_redis_conn_t *cn, int argc,
                                      const char **argv,
                                      const size_t *argvlen);

/* A STATUS reply with exactly this text (OK, PONG); frees r. */
apr_status_t dash_redis_pool_expect_status(dash_redis_conn_t *cn,
                                           const char *what, redisReply *r,
                                           const char *want);

/* One operation on a connection; its errors go to cn->perr. */
typedef apr_status_t (*dash_redis_op_fn)(dash_redis_conn_t *cn, void *baton);

/*
 * Runs op on a pooled connection. If its first command dies of I/O or EOF
 * on a connection that had been sitting in the pool (Redis restarted
 * meanwhile), the op runs once more on a fresh connection: nothing was
 * executed, so the retry is safe, and the caller never sees the restart.
 * A failure the caller sees is counted in the metrics.
 */
apr_status_t dash_redis_pool_run(dash_redis_t *c, apr_pool_t *p,
                                 const char **perr, dash_redis_op_fn op,
                                 void *baton);

#endif
