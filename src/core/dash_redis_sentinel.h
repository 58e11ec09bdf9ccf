/*
 * Redis Sentinel discovery for the pool of dash_redis_pool.c (hiredis 0.14
 * has none): ask the sentinels of a redis-sentinel:// URL in turn for the
 * master's address, and read the replies that decide where writes may go
 * (the sentinel's address, ROLE, and the errors of a node that is no
 * longer the master). Never a thread of its own: the pool runs one
 * discovery at a time, on the thread of a request that needs a master.
 */
#ifndef DASH_REDIS_SENTINEL_H
#define DASH_REDIS_SENTINEL_H

#include <apr_errno.h>
#include <apr_pools.h>
#include <apr_time.h>

#include <hiredis/hiredis.h>

#include "dash_redis_url.h"

typedef struct dash_redis_sentinel_t dash_redis_sentinel_t;

/* A data node's address as a sentinel gave it. Fixed size, so that a
 * child that sees thousands of failovers does not grow. */
typedef struct {
    char host[256];            /* a host name or address, IPv6 unbracketed */
    int port;
} dash_redis_sentinel_addr_t;

/*
 * The sentinels, the master's name and the sentinels' credentials of u
 * (u->master set), copied into pool; timeout bounds each connect and each
 * reply of one sentinel.
 */
apr_status_t dash_redis_sentinel_create(dash_redis_sentinel_t **ps,
                                        apr_pool_t *pool,
                                        const dash_redis_url_t *u,
                                        apr_interval_time_t timeout);

/* Connects to a candidate master and checks it (ROLE); APR_SUCCESS keeps
 * the connection for the caller. */
typedef apr_status_t (*dash_redis_sentinel_try_fn)(
    void *baton, const dash_redis_sentinel_addr_t *a, const char **perr);

/*
 * Asks the sentinels in turn, the one that answered last first, for the
 * master's address, and hands each answer to try_fn until one passes:
 * *found is then its address. APR_NOTFOUND when no sentinel knows the
 * master, another status when none could be asked or no answer passed;
 * *perr says why (the last failure, from p). Not reentrant for one s: the
 * caller runs one discovery at a time.
 */
apr_status_t dash_redis_sentinel_discover(dash_redis_sentinel_t *s,
                                          apr_pool_t *p,
                                          dash_redis_sentinel_try_fn try_fn,
                                          void *baton,
                                          dash_redis_sentinel_addr_t *found,
                                          const char **perr);

/*
 * The reply to SENTINEL get-master-addr-by-name: a two-element array of
 * a host and a port. APR_NOTFOUND for nil (a master the sentinel does not
 * monitor); APR_EGENERAL with *why (static text) for anything else.
 */
apr_status_t dash_redis_sentinel_parse_addr(const redisReply *r,
                                            dash_redis_sentinel_addr_t *a,
                                            const char **why);

/* The reply to ROLE: APR_SUCCESS when its first element is "master",
 * else APR_EGENERAL with *why (static text). */
apr_status_t dash_redis_sentinel_parse_role(const redisReply *r,
                                            const char **why);

/* Whether an error reply of a data node says that it takes no writes
 * (READONLY: a replica now; MASTERDOWN; LOADING: restarting). */
int dash_redis_sentinel_is_lost(const char *text, apr_size_t len);

#endif
