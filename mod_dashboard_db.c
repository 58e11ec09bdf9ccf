/*
 * The database through mod_dbd: its optional functions, the statements of
 * src/dash_store.c registered at start-up, and one pooled connection per
 * group of queries, retried after a database restart.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_dbd.h"
#include "apr_optional.h"
#include "mod_dbd.h"

#include "mod_dashboard_config.h"
#include "mod_dashboard_db.h"
#include "dash_pg.h"

APLOG_USE_MODULE(dashboard);

static ap_dbd_t *(*dbd_open_fn)(apr_pool_t *, server_rec *);
static void (*dbd_close_fn)(server_rec *, ap_dbd_t *);
static void (*dbd_prepare_fn)(server_rec *, const char *, const char *);

/*
 * Runs for `apachectl configtest` too: without mod_dbd the handlers could
 * never reach the database, so refuse to start with a clear reason.
 */
apr_status_t dashboard_db_check(server_rec *s)
{
    dbd_open_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    dbd_prepare_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    if (!dbd_open_fn || !dbd_close_fn || !dbd_prepare_fn) {
        ap_log_error(APLOG_MARK, APLOG_EMERG, 0, s,
                     DASHLOGNO(0201) "mod_dbd is not loaded; add "
                     "'LoadModule dbd_module .../mod_dbd.so' (a2enmod dbd) "
                     "and DBDriver pgsql / DBDParams");
        return APR_ENOTIMPL;
    }
    return APR_SUCCESS;
}

/*
 * A virtual host without DBD directives shares the main server's mod_dbd
 * configuration (and its statement list), so the statements go once to
 * each distinct configuration: a second ap_dbd_prepare of a label on the
 * same list makes mod_dbd warn (AH02653) at every start.
 */
void dashboard_db_register(server_rec *s)
{
    module *dbd = ap_find_linked_module("mod_dbd.c");
    server_rec *sp, *prev;

    for (sp = s; sp; sp = sp->next) {
        const void *cfg = dbd ? ap_get_module_config(sp->module_config, dbd)
                              : NULL;
        const dash_stmt_def_t *st;

        for (prev = s; cfg && prev != sp; prev = prev->next) {
            if (ap_get_module_config(prev->module_config, dbd) == cfg) {
                break;
            }
        }
        if (cfg && prev != sp) {
            continue;
        }
        for (st = dash_store_statements; st->label; st++) {
            dbd_prepare_fn(sp, st->sql, st->label);
        }
    }
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
    int i, open_failures = 0;

    for (i = 0; i < DB_TRIES && open_failures < DB_OPEN_TRIES; i++) {
        ap_dbd_t *rec = dbd_open_fn(r->pool, r->server);
        dash_db_t db;
        int broken;

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
    if (rv == APR_TIMEUP) {
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
