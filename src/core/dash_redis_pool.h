/*
 * The Redis transport shared by the Redis files of the core (dash_redis.c
 * for the commands): the pool of connections and the running of one
 * operation on one of them (the commands on that connection are
 * dash_redis_wire.h's). Not for callers outside the Redis layer: they use
 * dash_redis.h.
 */
#ifndef DASH_REDIS_POOL_H
#define DASH_REDIS_POOL_H

#include <apr_errno.h>
#include <apr_pools.h>
#include <apr_time.h>

#include <hiredis/hiredis.h>

#include "dash_metrics.h"
#include "dash_redis.h"
#include "dash_redis_wire.h"


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
