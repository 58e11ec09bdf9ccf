/*
 * The database through mod_dbd: its optional functions and a pooled
 * connection per group of queries.
 */
#ifndef MOD_DASHBOARD_DB_H
#define MOD_DASHBOARD_DB_H

#include "mod_dashboard_private.h"

#include "dash_store.h"

/* Finds mod_dbd's functions (check_config). APR_ENOTIMPL, logged, when
 * mod_dbd is not loaded. */
apr_status_t dashboard_db_check(server_rec *s);

/* Sets libpq's PGCONNECT_TIMEOUT from DashboardDBTimeout, unless httpd's
 * environment has it (post_config, before the children fork). */
void dashboard_db_bound_connect(apr_pool_t *ptemp, server_rec *s);

/* A gate per mod_dbd configuration in front of ap_dbd_open (child_init). */
void dashboard_db_child_init(apr_pool_t *pchild, server_rec *s);

/*
 * Runs fn on a pooled mod_dbd connection (ap_dbd_open), gives the
 * connection back right after, and retries on a fresh one when the
 * database failed. APR_NOTFOUND from fn is passed through untried.
 * Another error has been logged once: answer DATABASE_UNAVAILABLE.
 */
typedef apr_status_t (*dashboard_db_fn)(void *ctx, apr_pool_t *p,
                                        dash_db_t *db, const char **perr);
apr_status_t dashboard_db_run(request_rec *r, dashboard_db_fn fn, void *ctx);

#endif
