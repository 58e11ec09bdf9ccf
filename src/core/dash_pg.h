/*
 * One SQL statement on a libpq connection, with a deadline
 * (docs/behaviour.md#protecting-the-host-site).
 *
 * mod_dbd's pgsql driver runs statements with libpq's blocking calls: a
 * stalled server (frozen, or a lock held by a migration) holds the worker
 * for as long as the stall lasts. Here the statement is prepared, sent and
 * read with libpq's asynchronous calls on the connection mod_dbd hands over
 * (apr_dbd_native_handle), polling its socket until the deadline.
 */
#ifndef DASH_PG_H
#define DASH_PG_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_time.h>
#include <libpq-fe.h>

typedef struct dash_pg_result_t dash_pg_result_t;

/*
 * Which statements a server session has prepared: kept with the
 * connection (mod_dbd's per-connection pool), zeroed at first. A session
 * is told apart by its backend's process id, so one libpq re-established
 * (PQreset after a restart, or after a deadline closed it) starts empty.
 */
typedef struct {
    int backend_pid;
    apr_uint32_t prepared;     /* bit n: the statement of slot n */
} dash_pg_session_t;

/*
 * Runs the statement prepared under label with the nargs text args.
 * The session prepares it first, from sql (written with apr_dbd's %s
 * placeholders), when session says it has not yet: within the same
 * deadline, so that a new connection never waits behind a lock to prepare
 * (mod_dbd's own prepare at connection time would). slot (0 to 31) is the
 * statement's bit in session. A session that lost the statement anyway
 * answers "does not exist": it is prepared and run once more.
 *
 *  APR_SUCCESS   *res holds the answer (freed with p).
 *  APR_TIMEUP    timeout passed first: the statement's cancel request
 *                is sent or waiting its turn (else *perr says why not),
 *                and the connection is closed; PQstatus is CONNECTION_BAD,
 *                so mod_dbd reconnects it or drops it before any reuse.
 *  APR_ECONNRESET the connection is broken (a database restart, say),
 *                or closed here because the server will not serve the
 *                session any more (dash_pg_state_ends_session).
 *  APR_EGENERAL  the statement failed on a healthy connection.
 * *perr names the statement and says why, fit for one log line.
 */
apr_status_t dash_pg_exec(dash_pg_result_t **res, apr_pool_t *p, PGconn *conn,
                          dash_pg_session_t *session, unsigned slot,
                          const char *label, const char *sql, int nargs,
                          const char *const *args,
                          apr_interval_time_t timeout, const char **perr);

int dash_pg_nrows(const dash_pg_result_t *res);

/* Rows an UPDATE touched. */
long dash_pg_affected(const dash_pg_result_t *res);

/* The value at (row, col) as text, NULL for SQL NULL or out of range. It
 * lives as long as res. */
const char *dash_pg_value(const dash_pg_result_t *res, int row, int col);

/*
 * Whether a statement's SQLSTATE means the server will not do this
 * session's work any more, so that the session is closed rather than
 * reused: 25006 (read_only_sql_transaction: a standby, or a primary
 * demoted or set read-only), class 57P (the server shutting down or not
 * accepting sessions) and class 08 (connection exceptions). The caller's
 * next connection then reaches the primary of the moment where DBDParams
 * lists several hosts with target_session_attrs=read-write.
 */
int dash_pg_state_ends_session(const char *sqlstate);

/* Whether the connection is gone (libpq noticed a failure). */
int dash_pg_broken(PGconn *conn);

#endif
