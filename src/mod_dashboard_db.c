/*
 * The database through mod_dbd: its optional functions, one pooled
 * connection per group of queries, retried after a database restart, what
 * each connection's session has prepared, and a deadline for opening one.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "ap_mpm.h"
#include "apr_dbd.h"
#include "apr_env.h"
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_optional.h"
#include "mod_dbd.h"

#include "mod_dashboard_config.h"
#include "mod_dashboard_db.h"
#include "dash_pg.h"

APLOG_USE_MODULE(dashboard);

static ap_dbd_t *(*dbd_open_fn)(apr_pool_t *, server_rec *);
static void (*dbd_close_fn)(server_rec *, ap_dbd_t *);

/* The gates of this child, one per mod_dbd configuration (see
 * dashboard_db_child_init). */
static module *db_dbd;
static apr_hash_t *db_gates;

/*
 * Runs for `apachectl configtest` too: without mod_dbd the handlers could
 * never reach the database, so refuse to start with a clear reason.
 */
apr_status_t dashboard_db_check(server_rec *s)
{
    dbd_open_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_open_fn || !dbd_close_fn) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     DASHLOGNO(0201) "mod_dbd is not loaded; add "
                     "'LoadModule dbd_module .../mod_dbd.so' (a2enmod dbd) "
                     "and DBDriver pgsql / DBDParams");
        return APR_ENOTIMPL;
    }
    return APR_SUCCESS;
}

/*
 * What the server session of a pooled connection has prepared, kept in the
 * connection's own pool so that it lives and dies with the connection.
 * The statements are not given to mod_dbd (ap_dbd_prepare): it would
 * prepare them on every new connection with libpq's blocking calls, and a
 * connection opened while a migration holds a lock on a table would wait
 * in that prepare for as long as the lock is held
 * (docs/behaviour.md#protecting-the-host-site).
 */
static const char session_key[] = "dashboard_pg_session";

static dash_pg_session_t *session_of(ap_dbd_t *rec)
{
    void *session = NULL;

    apr_pool_userdata_get(&session, session_key, rec->pool);
    if (session == NULL) {
        session = apr_pcalloc(rec->pool, sizeof(dash_pg_session_t));
        apr_pool_userdata_setn(session, session_key, apr_pool_cleanup_null,
                               rec->pool);
    }
    return session;
}

/*
 * mod_dbd opens its connections with libpq's PQconnectdb, which blocks: a
 * server that accepts and never answers (a frozen postmaster, a stalled
 * proxy, a host that drops packets) holds the worker, or a child still
 * starting, for as long as it stays so, unless DBDParams sets
 * connect_timeout. libpq reads a connect_timeout missing from DBDParams
 * from PGCONNECT_TIMEOUT, so unless the site set that variable itself it
 * is set here, before the children fork: the longest DashboardDBTimeout in
 * whole seconds, at least libpq's minimum of 2
 * (docs/behaviour.md#protecting-the-host-site).
 */
#define DB_CONNECT_ENV "PGCONNECT_TIMEOUT"
#define DB_CONNECT_MIN_S 2

/* On the process pool: it outlives the restarts, each of which must know
 * whether the variable is the site's or was set here before. */
static const char db_connect_ours[] = "dashboard_db_connect_timeout";

void dashboard_db_bound_connect(apr_pool_t *ptemp, server_rec *s)
{
    apr_pool_t *pp = s->process->pool;
    void *ours = NULL;
    char *site = NULL;
    const char *secs;
    server_rec *sp;
    long ms = 0, n;
    apr_status_t rv;
    int quiet = ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG;

    apr_pool_userdata_get(&ours, db_connect_ours, pp);
    /* An empty value is no setting: libpq would refuse it. */
    if (!ours && apr_env_get(&site, DB_CONNECT_ENV, ptemp) == APR_SUCCESS
        && *site) {
        if (!quiet) {
            ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, DASHLOGNO(0206)
                         "PGCONNECT_TIMEOUT=%s from httpd's environment bounds "
                         "mod_dbd's connections without connect_timeout",
                         site);
        }
        return;
    }
    for (sp = s; sp; sp = sp->next) {
        const dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(sp);

        if (cfg->db_timeout_ms > ms) {
            ms = cfg->db_timeout_ms;
        }
    }
    n = (ms + 999) / 1000;
    secs = apr_ltoa(ptemp, n > DB_CONNECT_MIN_S ? n : DB_CONNECT_MIN_S);
    /* setenv copies the value: ptemp may go. */
    rv = apr_env_set(DB_CONNECT_ENV, secs, ptemp);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, DASHLOGNO(0207)
                     "cannot set PGCONNECT_TIMEOUT: mod_dbd's connections "
                     "are bounded only by connect_timeout in DBDParams");
        return;
    }
    apr_pool_userdata_set("1", db_connect_ours, apr_pool_cleanup_null, pp);
    if (!quiet) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, DASHLOGNO(0205)
                     "PGCONNECT_TIMEOUT=%s (DashboardDBTimeout) bounds mod_dbd's "
                     "connections without connect_timeout", secs);
    }
}

/*
 * The gate in front of ap_dbd_open, one per mod_dbd configuration in each
 * child. Opening a connection is quick while the database answers; while
 * it does not, mod_dbd's pool makes the threads of a child that need a
 * new connection take turns, each for a whole connection timeout, so the
 * tenth waits ten of them. Behind the gate a thread waits for the one
 * inside at most DashboardDBTimeout, then answers 503
 * (docs/behaviour.md#protecting-the-host-site).
 */
void dashboard_db_child_init(apr_pool_t *pchild, server_rec *s)
{
    module *dbd = ap_find_linked_module("mod_dbd.c");
    server_rec *sp;
    int threads = 1;

    if (!dbd || ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads) != APR_SUCCESS
        || threads < 2) {
        return;
    }
    /* Keyed by mod_dbd's record, not kept in ours: a virtual host without
     * directives of its own shares the main server's record of this
     * module, whatever its mod_dbd settings, so a gate stored there would
     * be overwritten by the next such host's. */
    db_dbd = dbd;
    db_gates = apr_hash_make(pchild);
    for (sp = s; sp; sp = sp->next) {
        const void *group = ap_get_module_config(sp->module_config, dbd);
        apr_thread_mutex_t *gate;
        apr_status_t rv;

        if (apr_hash_get(db_gates, &group, sizeof(group))) {
            continue;
        }
        rv = apr_thread_mutex_create(&gate, APR_THREAD_MUTEX_TIMED, pchild);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, sp, DASHLOGNO(0208)
                         "cannot create the database gate: against a stalled "
                         "database, requests wait their turn to connect");
            continue;
        }
        apr_hash_set(db_gates, apr_pmemdup(pchild, &group, sizeof(group)),
                     sizeof(group), gate);
    }
}

/* This server's gate (NULL: none, as under prefork). The table is only
 * read once child_init has made it. */
static apr_thread_mutex_t *db_gate(server_rec *s)
{
    const void *group;

    if (!db_gates) {
        return NULL;
    }
    group = ap_get_module_config(s->module_config, db_dbd);
    return apr_hash_get(db_gates, &group, sizeof(group));
}

/*
 * Up to three tries: after a database restart every pooled connection
 * fails its next statement once (libpq only notices then), and mod_dbd
 * resets a broken connection the next time it is handed out. A database
 * that cannot be reached at all gets two connection attempts, not three,
 * so a request does not wait for connect_timeout three times. A statement
 * past DashboardDBTimeout, or one that failed on a healthy connection, is
 * not tried again: a stalled database would only stall the retry too.
 */
#define DB_TRIES 3
#define DB_OPEN_TRIES 2

apr_status_t dashboard_db_run(request_rec *r, dashboard_db_fn fn, void *ctx)
{
    const dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(r->server);
    apr_status_t rv = APR_EGENERAL;
    const char *err = "no connection (is the database up and DBDriver/DBDParams set?)";
    apr_thread_mutex_t *gate = db_gate(r->server);
    int i, open_failures = 0, gated_out = 0;

    for (i = 0; i < DB_TRIES && open_failures < DB_OPEN_TRIES; i++) {
        ap_dbd_t *rec;
        dash_db_t db;
        int broken;

        if (gate) {
            rv = apr_thread_mutex_timedlock(gate,
                                   apr_time_from_msec(cfg->db_timeout_ms));
            if (rv != APR_SUCCESS) {
                err = "another request of this child was still opening one";
                rv = APR_TIMEUP;
                gated_out = 1;
                break;
            }
        }
        rec = dbd_open_fn(r->pool, r->server);
        if (gate) {
            apr_thread_mutex_unlock(gate);
        }

        if (!rec) {
            open_failures++;
            rv = APR_EGENERAL;
            continue;
        }
        if (strcmp(apr_dbd_name(rec->driver), "pgsql")) {
            dbd_close_fn(r->server, rec);
            err = "DBDriver must be pgsql";
            rv = APR_ENOTIMPL;
            break;
        }
        db.conn = apr_dbd_native_handle(rec->driver, rec->handle);
        db.session = session_of(rec);
        db.timeout = apr_time_from_msec(cfg->db_timeout_ms);
        rv = fn(ctx, r->pool, &db, &err);
        broken = dash_pg_broken(db.conn);
        /* Given back at once: no connection is held across Google calls.
         * One closed past its deadline is CONNECTION_BAD: mod_dbd's check
         * reconnects it before anyone uses it again, or drops it. */
        dbd_close_fn(r->server, rec);
        if (rv == APR_SUCCESS || rv == APR_NOTFOUND) {
            return rv;
        }
        if (rv == APR_TIMEUP || !broken) {
            break;
        }
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, rv, r,
                      DASHLOGNO(0202) "database try %d failed: %s", i + 1, err);
    }
    if (gated_out) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, DASHLOGNO(0209)
                      "no database connection within DashboardDBTimeout "
                      "(%ld ms): %s", cfg->db_timeout_ms, err);
    }
    else if (rv == APR_TIMEUP) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, DASHLOGNO(0204)
                      "database statement past DashboardDBTimeout (%ld ms), "
                      "connection closed: %s", cfg->db_timeout_ms, err);
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r,
                      DASHLOGNO(0203) "database unavailable: %s", err);
    }
    return rv;
}
