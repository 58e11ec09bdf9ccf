/*
 * The Redis transport: a per-child pool of hiredis connections to one
 * Redis, each made with timeouts, AUTH and SELECT as the URL says, handed
 * out to one operation at a time and put back or thrown away after it.
 * The commands themselves are dash_redis.c's.
 *
 * Lessons taken from mod_auth_openidc's Redis history: every value (key,
 * data, password, cursor) is an argument of its own (redisCommand's %s or
 * %b, redisCommandArgv, or a length-prefixed bulk string of the caller's
 * own RESP), never pasted into the command's text, and anything that may
 * hold binary bytes goes as %b or with its length; a
 * connection with c->err set
 * is thrown away, never put back; an I/O error on a connection that sat
 * idle in the pool gets one retry on a fresh connection; the password
 * never reaches a message.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <apr_allocator.h>
#include <apr_reslist.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>

#include "dash_redis_pool.h"
#include "dash_redis_sentinel.h"
#include "dash_text.h"

/* A pooled connection that sat idle longer than this is closed rather than
 * reused: a NAT or firewall may have dropped it silently, which would cost
 * a full command timeout instead of the quick EOF the retry handles. */
#define DASH_REDIS_IDLE_TTL apr_time_from_sec(60)

/* ------------------------------------------------------------------ */
/* The pool                                                            */
/* ------------------------------------------------------------------ */

struct dash_redis_t {
    apr_pool_t *pool;
    apr_reslist_t *rl;
    dash_redis_url_t u;        /* deep copy in pool */
    const char *where;         /* host:port or socket path, for messages */
    const char *db;            /* u.db as text, for SELECT */
    struct timeval tv;
    apr_interval_time_t timeout;
    dash_redis_slot_t *slots;
    int nslots;
    dash_metrics_t *metrics;   /* failed operations are counted here */
#if APR_HAS_THREADS
    apr_thread_mutex_t *slot_lock;
#endif

    /*
     * redis-sentinel://: where the master is. All under mlock. gen counts
     * every change (found, lost), and each connection remembers the gen
     * it was made in, so that connections to a master that is gone are
     * dropped at checkout instead of failing one request each. At most
     * one thread discovers; the others wait for it (mcond) up to the
     * timeout instead of asking the sentinels too.
     */
    dash_redis_sentinel_t *sentinel;   /* NULL: u.host or u.path */
    dash_redis_sentinel_addr_t master;
    int master_known;
    int discovering;
    unsigned int gen;
    dash_redis_event_fn on_event;
    void *event_baton;
#if APR_HAS_THREADS
    apr_thread_mutex_t *mlock;
    apr_thread_cond_t *mcond;
#endif
};

static void master_lock(dash_redis_t *c)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(c->mlock);
#else
    (void)c;
#endif
}

static void master_unlock(dash_redis_t *c)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(c->mlock);
#else
    (void)c;
#endif
}

/*
 * apr-util 1.6 happens to call these with the list locked, but says
 * nothing about it, so the slot table has a lock of its own. Slots are
 * preallocated: nothing is allocated per connection, so a Redis that
 * flaps for weeks cannot grow the child's memory.
 */
static apr_status_t slot_construct(void **res, void *params, apr_pool_t *pool)
{
    dash_redis_t *c = params;
    apr_status_t rv = APR_EGENERAL;   /* unreachable: ntotal <= nslots */
    int i;

    (void)pool;
#if APR_HAS_THREADS
    apr_thread_mutex_lock(c->slot_lock);
#endif
    for (i = 0; i < c->nslots; i++) {
        if (!c->slots[i].taken) {
            c->slots[i].taken = 1;
            c->slots[i].ctx = NULL;
            *res = &c->slots[i];
            rv = APR_SUCCESS;
            break;
        }
    }
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(c->slot_lock);
#endif
    return rv;
}

static apr_status_t slot_destruct(void *res, void *params, apr_pool_t *pool)
{
    dash_redis_t *c = params;
    dash_redis_slot_t *s = res;

    (void)pool;
    /* The slot is ours alone here (idle in the list, or being invalidated
     * by its holder), so closing needs no lock; freeing it does. */
    if (s->ctx) {
        redisFree(s->ctx);
        s->ctx = NULL;
    }
#if APR_HAS_THREADS
    apr_thread_mutex_lock(c->slot_lock);
#endif
    s->taken = 0;
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(c->slot_lock);
#endif
    return APR_SUCCESS;
}

apr_status_t dash_redis_pool_create(dash_redis_t **pc, apr_pool_t *pool,
                                    const dash_redis_url_t *u,
                                    apr_interval_time_t timeout,
                                    int max_conns)
{
    apr_allocator_t *alloc;
    apr_pool_t *cp;
    dash_redis_t *c;
    apr_status_t rv;

    *pc = NULL;
    /* A zero timeout would mean "block forever" to both hiredis and the
     * reslist, which is exactly what must never happen on a request. */
    if (!u || (u->host != NULL) + (u->path != NULL) + (u->master != NULL) != 1
        || timeout <= 0 || max_conns <= 0) {
        return APR_EINVAL;
    }

    /*
     * Our own allocator, guarded by a mutex: the reslist allocates its
     * containers from this pool in whatever worker thread acquires, and the
     * child pool's allocator may not be thread-safe. The pool is still a
     * child of the caller's, so it goes away with it.
     */
    rv = apr_allocator_create(&alloc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_pool_create_ex(&cp, pool, NULL, alloc);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    apr_allocator_owner_set(alloc, cp);
#if APR_HAS_THREADS
    {
        apr_thread_mutex_t *mutex;
        rv = apr_thread_mutex_create(&mutex, APR_THREAD_MUTEX_DEFAULT, cp);
        if (rv != APR_SUCCESS) {
            apr_pool_destroy(cp);
            return rv;
        }
        apr_allocator_mutex_set(alloc, mutex);
    }
#endif
    apr_pool_tag(cp, "dash_redis");

    c = apr_pcalloc(cp, sizeof(*c));
#if APR_HAS_THREADS
    rv = apr_thread_mutex_create(&c->slot_lock, APR_THREAD_MUTEX_DEFAULT, cp);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(cp);
        return rv;
    }
#endif
    c->pool = cp;
    c->u.host = u->host ? apr_pstrdup(cp, u->host) : NULL;
    c->u.port = u->port;
    c->u.path = u->path ? apr_pstrdup(cp, u->path) : NULL;
    c->u.username = u->username ? apr_pstrdup(cp, u->username) : NULL;
    c->u.password = u->password ? apr_pstrdup(cp, u->password) : NULL;
    c->u.db = u->db;
    if (u->master) {
        rv = dash_redis_sentinel_create(&c->sentinel, cp, u, timeout);
#if APR_HAS_THREADS
        if (rv == APR_SUCCESS) {
            rv = apr_thread_mutex_create(&c->mlock, APR_THREAD_MUTEX_DEFAULT,
                                         cp);
        }
        if (rv == APR_SUCCESS) {
            rv = apr_thread_cond_create(&c->mcond, cp);
        }
#endif
        if (rv != APR_SUCCESS) {
            apr_pool_destroy(cp);
            return rv;
        }
        c->where = "the Redis master";
    }
    else if (c->u.path) {
        c->where = c->u.path;
    }
    else if (strchr(c->u.host, ':')) {
        c->where = apr_psprintf(cp, "[%s]:%d", c->u.host, c->u.port);
    }
    else {
        c->where = apr_psprintf(cp, "%s:%d", c->u.host, c->u.port);
    }
    c->db = apr_itoa(cp, c->u.db);
    c->timeout = timeout;
    c->tv.tv_sec = (long)apr_time_sec(timeout);
    c->tv.tv_usec = (long)apr_time_usec(timeout);
    c->nslots = max_conns;
    c->slots = apr_pcalloc(cp, sizeof(*c->slots) * (apr_size_t)max_conns);

    rv = apr_reslist_create(&c->rl, 0, max_conns, max_conns,
                            DASH_REDIS_IDLE_TTL, slot_construct,
                            slot_destruct, c, cp);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(cp);
        return rv;
    }
    /* A saturated pool answers "no connection" after the Redis timeout
     * instead of parking the worker (mod_dbd's mistake). */
    apr_reslist_timeout_set(c->rl, timeout);
    *pc = c;
    return APR_SUCCESS;
}

/* The pool's own messages, with its password scrubbed. */
void dash_redis_pool_set_err(dash_redis_t *c, apr_pool_t *p,
                             const char **perr, const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    if (!perr) {
        return;
    }
    va_start(ap, fmt);
    msg = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    *perr = dash_redis_wire_scrub(p, c->u.password, msg);
}

/*
 * Connects the slot to one node (host and port, or path): timeouts,
 * keepalive, AUTH, SELECT, and behind sentinels ROLE, since a sentinel's
 * answer can be out of date and a demoted master still accepts reads.
 * On failure the slot is left without a connection.
 */
static apr_status_t conn_connect_node(dash_redis_conn_t *cn, const char *host,
                                      int port, const char *path)
{
    dash_redis_t *c = cn->c;
    const char *where = c->where;
    redisContext *ctx;
    redisReply *r;
    apr_status_t rv;

    if (c->sentinel) {
        where = strchr(host, ':') ? apr_psprintf(cn->p, "[%s]:%d", host, port)
                                  : apr_psprintf(cn->p, "%s:%d", host, port);
    }
    ctx = path ? redisConnectUnixWithTimeout(path, c->tv)
               : redisConnectWithTimeout(host, port, c->tv);
    if (ctx == NULL) {
        dash_redis_pool_set_err(c, cn->p, cn->perr,
                                "connect %s: out of memory", where);
        return APR_ENOMEM;
    }
    if (ctx->err) {
        rv = dash_redis_wire_timed_out(ctx) ? APR_TIMEUP : APR_EGENERAL;
        dash_redis_pool_set_err(c, cn->p, cn->perr, "connect %s: %s",
                                where, dash_redis_wire_error(cn->p, ctx));
        redisFree(ctx);
        return rv;
    }
    /* The connect timeout does not cover commands: without this a stalled
     * Redis would hold the worker for as long as the kernel likes. */
    if (redisSetTimeout(ctx, c->tv) != REDIS_OK) {
        dash_redis_pool_set_err(c, cn->p, cn->perr,
                                "connect %s: setting the timeout: %s",
                                where, dash_redis_wire_error(cn->p, ctx));
        redisFree(ctx);
        return APR_EGENERAL;
    }
    /* Pooled connections sit idle; keepalive notices a peer that vanished
     * without a FIN (host down, NAT state lost). */
    if (!c->u.path && redisEnableKeepAlive(ctx) != REDIS_OK) {
        dash_redis_pool_set_err(c, cn->p, cn->perr,
                                "connect %s: enabling keepalive: %s",
                                where, dash_redis_wire_error(cn->p, ctx));
        redisFree(ctx);
        return APR_EGENERAL;
    }
    cn->slot->ctx = ctx;

    if (c->u.password) {
        rv = c->u.username
             ? dash_redis_wire_cmd(cn, "AUTH", REDIS_REPLY_STATUS, &r,
                                   "AUTH %s %s", c->u.username,
                                   c->u.password)
             : dash_redis_wire_cmd(cn, "AUTH", REDIS_REPLY_STATUS, &r,
                                   "AUTH %s", c->u.password);
        if (rv == APR_SUCCESS) {
            rv = dash_redis_wire_expect_status(cn, "AUTH", r, "OK");
        }
        if (rv != APR_SUCCESS) {
            goto fail;
        }
    }
    if (c->u.db > 0) {
        rv = dash_redis_wire_cmd(cn, "SELECT", REDIS_REPLY_STATUS, &r,
                                 "SELECT %s", c->db);
        if (rv == APR_SUCCESS) {
            rv = dash_redis_wire_expect_status(cn, "SELECT", r, "OK");
        }
        if (rv != APR_SUCCESS) {
            goto fail;
        }
    }
    if (c->sentinel) {
        const char *why;

        rv = dash_redis_wire_cmd(cn, "ROLE", REDIS_REPLY_ARRAY, &r, "ROLE");
        if (rv == APR_SUCCESS) {
            rv = dash_redis_sentinel_parse_role(r, &why);
            freeReplyObject(r);
            if (rv != APR_SUCCESS) {
                dash_redis_pool_set_err(c, cn->p, cn->perr, "%s: %s", where,
                                        why);
            }
        }
        if (rv != APR_SUCCESS) {
            goto fail;
        }
    }
    /* The set-up commands are not the operation's: a failure of its first
     * real command is what marks a pooled connection stale (or, behind
     * sentinels, its master lost). */
    cn->sent = 0;
    cn->lost = 0;
    cn->broken = 0;
    return APR_SUCCESS;

fail:
    /* Half set up (not authenticated, wrong db): never pool it. */
    redisFree(cn->slot->ctx);
    cn->slot->ctx = NULL;
    cn->stale = 0;
    cn->sent = 0;
    cn->lost = 0;
    cn->broken = 0;
    return rv;
}

/* Forgets the master of generation gen (a connection to it failed or was
 * refused), unless another thread already did or found a new one. */
static void master_lost(dash_redis_conn_t *cn, unsigned int gen,
                        const char *why)
{
    dash_redis_t *c = cn->c;
    dash_redis_sentinel_addr_t was;
    int forgot = 0;

    master_lock(c);
    if (c->master_known && c->gen == gen) {
        was = c->master;
        c->master_known = 0;
        c->gen++;
        forgot = 1;
    }
    master_unlock(c);
    if (forgot && c->on_event) {
        c->on_event(c->event_baton, 0, was.host, was.port, why);
    }
}

/* dash_redis_sentinel_discover's check of a candidate: the connection,
 * ROLE included, made into the slot of the request that discovers. */
static apr_status_t try_master(void *baton,
                               const dash_redis_sentinel_addr_t *a,
                               const char **perr)
{
    dash_redis_conn_t *cn = baton;
    const char **mine = cn->perr;
    apr_status_t rv;

    cn->perr = perr;
    rv = conn_connect_node(cn, a->host, a->port, NULL);
    cn->perr = mine;
    return rv;
}

/*
 * Connects the slot to the master behind the sentinels: the one known, or
 * a new one found by the single discovery of the moment, which others
 * wait for up to the timeout rather than asking the sentinels themselves.
 */
static apr_status_t conn_connect_master(dash_redis_conn_t *cn)
{
    dash_redis_t *c = cn->c;
    dash_redis_sentinel_addr_t a;
    unsigned int gen;
    apr_status_t rv;
    int waited = 0;

    master_lock(c);
    while (!c->master_known && c->discovering && !waited) {
#if APR_HAS_THREADS
        apr_thread_cond_timedwait(c->mcond, c->mlock, c->timeout);
#endif
        waited = 1;
    }
    if (c->master_known) {
        a = c->master;
        gen = c->gen;
        master_unlock(c);
        rv = conn_connect_node(cn, a.host, a.port, NULL);
        if (rv == APR_SUCCESS) {
            cn->slot->gen = gen;
        }
        else {
            master_lost(cn, gen, cn->perr && *cn->perr ? *cn->perr
                                                        : "connect failed");
        }
        return rv;
    }
    if (waited) {
        master_unlock(c);
        dash_redis_pool_set_err(c, cn->p, cn->perr, "no Redis master known "
                                "yet (another request is asking the "
                                "sentinels)");
        return APR_TIMEUP;
    }
    c->discovering = 1;
    master_unlock(c);

    rv = dash_redis_sentinel_discover(c->sentinel, cn->p, try_master, cn, &a,
                                      cn->perr);
    if (rv == APR_NOTFOUND) {
        /* No sentinel knows the master: an error, not a cache miss. */
        rv = APR_EGENERAL;
    }

    master_lock(c);
    c->discovering = 0;
    if (rv == APR_SUCCESS) {
        c->master = a;
        c->master_known = 1;
        cn->slot->gen = ++c->gen;
    }
#if APR_HAS_THREADS
    apr_thread_cond_broadcast(c->mcond);
#endif
    master_unlock(c);
    if (rv == APR_SUCCESS && c->on_event) {
        c->on_event(c->event_baton, 1, a.host, a.port, NULL);
    }
    return rv;
}

static apr_status_t conn_connect(dash_redis_conn_t *cn)
{
    dash_redis_t *c = cn->c;

    return c->sentinel ? conn_connect_master(cn)
                       : conn_connect_node(cn, c->u.host, c->u.port,
                                           c->u.path);
}

/* Takes a slot and makes sure it holds a connection; fresh = close any
 * pooled one first (the retry after a stale connection). */
static apr_status_t conn_open(dash_redis_conn_t *cn, dash_redis_t *c,
                              apr_pool_t *p, const char **perr, int fresh)
{
    void *res;
    apr_status_t rv;

    memset(cn, 0, sizeof(*cn));
    cn->c = c;
    cn->p = p;
    cn->perr = perr;
    cn->password = c->u.password;
    cn->sentinels = c->sentinel != NULL;
    if (perr) {
        *perr = NULL;
    }

    rv = apr_reslist_acquire(c->rl, &res);
    if (rv != APR_SUCCESS) {
        if (APR_STATUS_IS_TIMEUP(rv)) {
            dash_redis_pool_set_err(c, p, perr,
                                    "no free Redis connection within %"
                                    APR_TIME_T_FMT " ms (all %d in use)",
                                    apr_time_as_msec(c->timeout), c->nslots);
            return APR_TIMEUP;
        }
        dash_redis_pool_set_err(c, p, perr, "connection pool: error %d", rv);
        return rv;
    }
    cn->slot = res;
    if (c->sentinel && cn->slot->ctx) {
        master_lock(c);
        if (cn->slot->gen != c->gen) {
            /* Made to a master that is gone or demoted since. */
            fresh = 1;
        }
        master_unlock(c);
    }
    if (fresh && cn->slot->ctx) {
        redisFree(cn->slot->ctx);
        cn->slot->ctx = NULL;
    }
    if (cn->slot->ctx) {
        cn->reused = 1;
        return APR_SUCCESS;
    }
    rv = conn_connect(cn);
    if (rv != APR_SUCCESS) {
        /* The slot holds nothing; give it back for the next try. */
        apr_reslist_release(c->rl, cn->slot);
        cn->slot = NULL;
    }
    return rv;
}

/* Returns a healthy connection to the pool; destroys a failed one. */
static void conn_close(dash_redis_conn_t *cn)
{
    if (!cn->slot) {
        return;
    }
    if (cn->lost && cn->c->sentinel) {
        master_lost(cn, cn->slot->gen, cn->perr && *cn->perr ? *cn->perr
                                                             : "lost");
    }
    if (cn->slot->ctx && (cn->slot->ctx->err || cn->broken)) {
        /* Its stream may hold half a reply: reusing it would hand the next
         * request someone else's answer. */
        apr_reslist_invalidate(cn->c->rl, cn->slot);
    }
    else {
        apr_reslist_release(cn->c->rl, cn->slot);
    }
    cn->slot = NULL;
}

/*
 * Runs op on a pooled connection. If its first command dies of I/O or EOF
 * on a connection that had been sitting in the pool (Redis restarted
 * meanwhile), the op runs once more on a fresh connection: nothing was
 * executed, so the retry is safe, and the caller never sees the restart.
 */
apr_status_t dash_redis_pool_run(dash_redis_t *c, apr_pool_t *p,
                                 const char **perr, dash_redis_op_fn op,
                                 void *baton)
{
    dash_redis_conn_t cn;
    apr_status_t rv;
    int fresh = 0;

    for (;;) {
        int retry;

        rv = conn_open(&cn, c, p, perr, fresh);
        if (rv != APR_SUCCESS) {
            break;
        }
        rv = op(&cn, baton);
        /* Behind sentinels a fresh connection retries too: its master
         * may have been demoted a moment ago, and the retry asks again. */
        retry = rv != APR_SUCCESS && cn.stale && !fresh
                && (cn.reused || (c->sentinel && cn.lost));
        conn_close(&cn);
        if (!retry) {
            break;
        }
        fresh = 1;
    }
    /* What the caller sees: the transparent retry above is no error. */
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        dash_metrics_redis_error(c->metrics);
    }
    return rv;
}

void dash_redis_pool_set_metrics(dash_redis_t *c, dash_metrics_t *m)
{
    c->metrics = m;
}

void dash_redis_pool_set_events(dash_redis_t *c, dash_redis_event_fn fn,
                                void *baton)
{
    c->on_event = fn;
    c->event_baton = baton;
}
