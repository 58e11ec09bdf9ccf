/*
 * Every SQL statement (docs/behaviour.md#account-choice,
 * docs/behaviour.md#upload-counts, docs/behaviour.md#tokens), prepared
 * under the labels below on each server session before its first use, and
 * the functions that run them. The glue hands over a dash_db_t taken from
 * ap_dbd_open (and given back with ap_dbd_close right after).
 */
#ifndef DASH_STORE_H
#define DASH_STORE_H

#include <apr_tables.h>
#include <libpq-fe.h>
#include "dash_dates.h"
#include "dash_pg.h"
#include "dash_report.h"

/*
 * A connection of mod_dbd's pgsql driver (apr_dbd_native_handle), what its
 * session has prepared (kept with the connection), and the longest any
 * one statement may take on it (DashboardDBTimeout). Every
 * function below returns APR_TIMEUP past it, with the connection closed
 * (see dash_pg.h); APR_ECONNRESET when the connection is broken;
 * APR_EGENERAL when a statement failed on a healthy one.
 */
typedef struct {
    PGconn *conn;
    dash_pg_session_t *session;
    apr_interval_time_t timeout;
} dash_db_t;

typedef struct {
    const char *id;                /* social_account.id, as text */
    const char *platform;
    const char *username;          /* may be NULL */
    const char *platform_user_id;
    const char *channel_title;     /* may be NULL */
    const char *connected_at;      /* ISO 8601 without zone, or NULL */
    int is_active;
} dash_account_t;

/* docs/api.md#accounts: the caller's active YouTube channels, deduplicated, newest first.
 * *accounts holds dash_account_t. */
apr_status_t dash_store_accounts(apr_array_header_t **accounts, apr_pool_t *p,
                                 dash_db_t *db, const char *user,
                                 const char **perr);

/* A channel of the caller, as dash_store_accounts lists it (id and
 * platform_user_id set; username, channel_title and connected_at NULL),
 * with the counts of docs/behaviour.md#upload-counts and its total number
 * of uploads (for docs/behaviour.md#no-uploads). */
typedef struct {
    dash_account_t account;
    long current, previous, total;
} dash_channel_t;

/* The caller's channels, in dash_store_accounts' order, for the account
 * choice of docs/behaviour.md#account-choice, and in the same statement
 * the counts: of the channel wanted (a platform_user_id), or of every
 * channel when wanted is NULL; the others' are 0. *channels holds
 * dash_channel_t. */
apr_status_t dash_store_channels(apr_array_header_t **channels, apr_pool_t *p,
                                 dash_db_t *db, const char *user,
                                 const char *wanted, const dash_windows_t *w,
                                 const char **perr);

/* The max most recent uploads, newest first. *videos holds dash_video_t. */
apr_status_t dash_store_recent(apr_array_header_t **videos, apr_pool_t *p,
                               dash_db_t *db, const char *user,
                               const char *channel, int max,
                               const char **perr);

typedef struct {
    const char *access_token;
    const char *refresh_token;     /* NULL when none */
    int fresh;                     /* token_expires_at more than 10 minutes after now */
} dash_credentials_t;

/* The tokens of account id, which must belong to user; now_local is
 * "YYYY-MM-DD HH:MM:SS" in the server's local time. APR_NOTFOUND when the
 * row is gone. */
apr_status_t dash_store_credentials(dash_credentials_t *cred, apr_pool_t *p,
                                    dash_db_t *db, const char *account_id,
                                    const char *user, const char *now_local,
                                    const char **perr);

/* Writes a refreshed token back; refresh_token NULL keeps the stored one. */
apr_status_t dash_store_save_token(apr_pool_t *p, dash_db_t *db,
                                   const char *account_id,
                                   const char *access_token,
                                   const char *expires_at_local,
                                   const char *refresh_token,
                                   const char **perr);

#endif
