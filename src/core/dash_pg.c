/*
 * One statement with a deadline on a libpq connection (see dash_pg.h).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include <apr_strings.h>

#include "dash_pg.h"
#include "dash_text.h"

/* apr_dbd_pgsql prepares every %s parameter as varchar (OID 1043 in
 * PostgreSQL's catalog); a statement prepared again here must be the same
 * statement. */
#define VARCHAR_OID 1043
/* "prepared statement ... does not exist" */
#define SQLSTATE_UNDEFINED_PSTATEMENT "26000"
/* "prepared statement ... already exists": under our label, so ours to run
 * (a session that kept it past what we knew of it). */
#define SQLSTATE_DUPLICATE_PSTATEMENT "42P05"
/* Longest server error copied into a log line. */
#define ERROR_MAX 300
/* Cancel requests in flight at once in one process, and waiting for one
 * of those to end; see cancel_later. */
#define CANCELS_MAX 8
#define CANCELS_QUEUED 64

struct dash_pg_result_t {
    PGresult *res;
};

static apr_status_t clear_result(void *data)
{
    PQclear(data);
    return APR_SUCCESS;
}

static int result_state(const PGresult *res, const char *state)
{
    const char *got = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    return got != NULL && strcmp(got, state) == 0;
}

/* Waits until the socket is ready for events, or the deadline. */
static apr_status_t wait_socket(PGconn *conn, short events, apr_time_t deadline)
{
    for (;;) {
        apr_interval_time_t left = deadline - apr_time_now();
        struct pollfd pfd;
        int rc;

        if (left <= 0) {
            return APR_TIMEUP;
        }
        pfd.fd = PQsocket(conn);
        pfd.events = events;
        pfd.revents = 0;
        if (pfd.fd < 0) {
            return APR_ECONNRESET;
        }
        /* Rounded up: never a busy loop on a sub-millisecond rest. */
        rc = poll(&pfd, 1, (int)((left + 999) / 1000));
        if (rc > 0) {
            return APR_SUCCESS;
        }
        if (rc < 0 && errno != EINTR) {
            return APR_FROM_OS_ERROR(errno);
        }
    }
}

/* Sends what libpq has buffered; it must read while it waits to write. */
static apr_status_t flush(PGconn *conn, apr_time_t deadline)
{
    int rc;

    while ((rc = PQflush(conn)) == 1) {
        apr_status_t rv = wait_socket(conn, POLLIN | POLLOUT, deadline);

        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (!PQconsumeInput(conn)) {
            return APR_ECONNRESET;
        }
    }
    return rc == 0 ? APR_SUCCESS : APR_ECONNRESET;
}

/* The result of the one query sent, read until libpq has no more. */
static apr_status_t read_result(PGresult **out, PGconn *conn,
                                apr_time_t deadline)
{
    PGresult *first = NULL;

    *out = NULL;
    for (;;) {
        apr_status_t rv;

        while (!PQisBusy(conn)) {
            PGresult *res = PQgetResult(conn);

            if (res == NULL) {
                *out = first;
                return first ? APR_SUCCESS : APR_ECONNRESET;
            }
            if (first == NULL) {
                first = res;
            }
            else {
                PQclear(res);
            }
        }
        rv = wait_socket(conn, POLLIN, deadline);
        if (rv == APR_SUCCESS && !PQconsumeInput(conn)) {
            rv = APR_ECONNRESET;
        }
        if (rv != APR_SUCCESS) {
            PQclear(first);
            return rv;
        }
    }
}

/* libpq's text of a failure, on one line: "<label>: <text>". */
static const char *failure(apr_pool_t *p, const char *label, const char *msg)
{
    const char *nl;
    apr_size_t n;

    if (msg == NULL || !*msg) {
        msg = "unknown error";
    }
    /* The first line only: Postgres' DETAIL line quotes the failing row
     * ("Failing row contains (...)"), which for a token write-back holds
     * the tokens, and those never reach a log. */
    nl = strchr(msg, '\n');
    n = nl ? (apr_size_t)(nl - msg) : strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) {
        n--;
    }
    return apr_pstrcat(p, label, ": ",
                       dash_text_log_safe(p, msg, n, ERROR_MAX), NULL);
}

/*
 * Cancel requests of this process. PQcancel waits for the postmaster's
 * answer, which a frozen server never gives: they go out on threads of
 * their own, never the request's, CANCELS_MAX at most. The ones past
 * that wait in a ring for a thread to finish its own, so that requests
 * abandoned together (a table locked under a busy child) all have their
 * statement cancelled; only a full ring, a server that answers none of
 * them, drops one.
 */
static pthread_mutex_t cancel_lock = PTHREAD_MUTEX_INITIALIZER;
static PGcancel *cancel_ring[CANCELS_QUEUED];
static unsigned cancel_first, cancel_waiting, cancel_threads;

static void *cancel_main(void *data)
{
    PGcancel *cancel = data;

    for (;;) {
        char err[256];

        (void)PQcancel(cancel, err, sizeof(err));
        PQfreeCancel(cancel);
        pthread_mutex_lock(&cancel_lock);
        if (cancel_waiting == 0) {
            cancel_threads--;
            pthread_mutex_unlock(&cancel_lock);
            return NULL;
        }
        cancel = cancel_ring[cancel_first];
        cancel_first = (cancel_first + 1) % CANCELS_QUEUED;
        cancel_waiting--;
        pthread_mutex_unlock(&cancel_lock);
    }
}

static int cancel_thread(PGcancel *cancel)
{
    pthread_attr_t attr;
    pthread_t thread;
    int ok;

    if (pthread_attr_init(&attr) != 0) {
        return 0;
    }
    ok = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0
         && pthread_create(&thread, &attr, cancel_main, cancel) == 0;
    pthread_attr_destroy(&attr);
    return ok;
}

/*
 * Asks the server to cancel the statement, so that it does not wait on
 * (behind a lock, say) long after we gave up. NULL once the request is
 * sent or waiting its turn, else why it will not be sent.
 */
static const char *cancel_later(PGconn *conn)
{
    PGcancel *cancel = PQgetCancel(conn);
    int start = 0, queued = 0;

    if (cancel == NULL) {
        return "no cancel request (libpq)";
    }
    pthread_mutex_lock(&cancel_lock);
    if (cancel_threads < CANCELS_MAX) {
        cancel_threads++;
        start = 1;
    }
    else if (cancel_waiting < CANCELS_QUEUED) {
        cancel_ring[(cancel_first + cancel_waiting) % CANCELS_QUEUED] = cancel;
        cancel_waiting++;
        queued = 1;
    }
    pthread_mutex_unlock(&cancel_lock);
    if (queued) {
        return NULL;
    }
    if (!start) {
        PQfreeCancel(cancel);
        return "cancel request not sent, " APR_STRINGIFY(CANCELS_QUEUED)
               " already waiting";
    }
    if (cancel_thread(cancel)) {
        return NULL;
    }
    PQfreeCancel(cancel);
    pthread_mutex_lock(&cancel_lock);
    cancel_threads--;
    pthread_mutex_unlock(&cancel_lock);
    return "no thread for the cancel request";
}

/*
 * A statement past its deadline: cancelled, and the connection closed
 * under libpq so that it reads end-of-file and marks itself
 * CONNECTION_BAD. The socket is shut down, not closed: libpq still owns
 * the descriptor, and a closed number could be reused by another thread.
 */
static void close_under(PGconn *conn)
{
    int i;

    if (PQsocket(conn) >= 0) {
        (void)shutdown(PQsocket(conn), SHUT_RDWR);
    }
    for (i = 0; i < 3 && PQstatus(conn) != CONNECTION_BAD; i++) {
        (void)PQconsumeInput(conn);
    }
}

static const char *abandon(PGconn *conn)
{
    const char *why = cancel_later(conn);

    close_under(conn);
    return why;
}

int dash_pg_state_ends_session(const char *sqlstate)
{
    return sqlstate != NULL
           && (strcmp(sqlstate, "25006") == 0
               || strncmp(sqlstate, "57P", 3) == 0
               || strncmp(sqlstate, "08", 2) == 0);
}

/*
 * A statement failed on res: a session the server will not serve any more
 * (see dash_pg_state_ends_session) is closed, so that mod_dbd reconnects
 * it (to the primary of the moment, with a multi-host DBDParams) instead
 * of handing it to the next request; APR_ECONNRESET lets the caller retry.
 */
static apr_status_t failed(PGconn *conn, const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    if (dash_pg_state_ends_session(state)) {
        close_under(conn);
    }
    return dash_pg_broken(conn) ? APR_ECONNRESET : APR_EGENERAL;
}

/* apr_dbd's %s placeholders as PostgreSQL's $1, $2, ...; *nargs is how
 * many there are. */
static const char *placeholders(apr_pool_t *p, const char *sql, int *nargs)
{
    apr_size_t n = strlen(sql);
    /* "%s" (2 bytes) becomes at most "$NNN..." : room for 10 digits each. */
    char *out = apr_palloc(p, n * 6 + 1), *o = out;
    const char *s;

    *nargs = 0;
    for (s = sql; *s; s++) {
        if (s[0] == '%' && s[1] == 's') {
            o += apr_snprintf(o, 12, "$%d", ++*nargs);
            s++;
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

static apr_status_t prepare(PGconn *conn, apr_pool_t *p, const char *label,
                            const char *sql, apr_time_t deadline,
                            const char **perr)
{
    int nargs, i;
    const char *pgsql = placeholders(p, sql, &nargs);
    Oid *types = apr_palloc(p, sizeof(*types) * (nargs > 0 ? nargs : 1));
    PGresult *res;
    apr_status_t rv;

    for (i = 0; i < nargs; i++) {
        types[i] = VARCHAR_OID;
    }
    if (!PQsendPrepare(conn, label, pgsql, nargs, types)) {
        *perr = failure(p, label, PQerrorMessage(conn));
        return APR_ECONNRESET;
    }
    rv = flush(conn, deadline);
    if (rv == APR_SUCCESS) {
        rv = read_result(&res, conn, deadline);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (PQresultStatus(res) != PGRES_COMMAND_OK
        && !result_state(res, SQLSTATE_DUPLICATE_PSTATEMENT)) {
        *perr = failure(p, label, PQresultErrorMessage(res));
        rv = failed(conn, res);
        PQclear(res);
        return rv;
    }
    PQclear(res);
    return APR_SUCCESS;
}

static apr_status_t run(PGresult **res, PGconn *conn, const char *label,
                        int nargs, const char *const *args,
                        apr_time_t deadline, apr_pool_t *p, const char **perr)
{
    apr_status_t rv;

    if (!PQsendQueryPrepared(conn, label, nargs, args, NULL, NULL, 0)) {
        *perr = failure(p, label, PQerrorMessage(conn));
        return APR_ECONNRESET;
    }
    rv = flush(conn, deadline);
    if (rv == APR_SUCCESS) {
        rv = read_result(res, conn, deadline);
    }
    return rv;
}

/* Prepares label on the session unless it already has it. */
static apr_status_t ensure_prepared(PGconn *conn, apr_pool_t *p,
                                    dash_pg_session_t *session, unsigned slot,
                                    const char *label, const char *sql,
                                    apr_time_t deadline, const char **perr)
{
    int pid = PQbackendPID(conn);
    apr_status_t rv;

    if (session->backend_pid != pid) {
        session->backend_pid = pid;
        session->prepared = 0;
    }
    if (session->prepared & (1u << slot)) {
        return APR_SUCCESS;
    }
    rv = prepare(conn, p, label, sql, deadline, perr);
    if (rv == APR_SUCCESS) {
        session->prepared |= 1u << slot;
    }
    return rv;
}

static apr_status_t exec_on(dash_pg_result_t **out, apr_pool_t *p,
                            PGconn *conn, dash_pg_session_t *session,
                            unsigned slot, const char *label, const char *sql,
                            int nargs, const char *const *args,
                            apr_time_t deadline, const char **perr)
{
    PGresult *res = NULL;
    apr_status_t rv;
    int tries;

    rv = ensure_prepared(conn, p, session, slot, label, sql, deadline, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (tries = 0; tries < 2; tries++) {
        ExecStatusType st;

        rv = run(&res, conn, label, nargs, args, deadline, p, perr);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        st = PQresultStatus(res);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            *out = apr_pcalloc(p, sizeof(**out));
            (*out)->res = res;
            apr_pool_cleanup_register(p, res, clear_result,
                                      apr_pool_cleanup_null);
            return APR_SUCCESS;
        }
        if (tries > 0 || !result_state(res, SQLSTATE_UNDEFINED_PSTATEMENT)) {
            break;
        }
        PQclear(res);
        res = NULL;
        session->prepared &= ~(1u << slot);
        rv = ensure_prepared(conn, p, session, slot, label, sql, deadline,
                             perr);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    *perr = failure(p, label, PQresultErrorMessage(res));
    rv = failed(conn, res);
    PQclear(res);
    return rv;
}

apr_status_t dash_pg_exec(dash_pg_result_t **res, apr_pool_t *p, PGconn *conn,
                          dash_pg_session_t *session, unsigned slot,
                          const char *label, const char *sql, int nargs,
                          const char *const *args,
                          apr_interval_time_t timeout, const char **perr)
{
    apr_time_t deadline = apr_time_now() + timeout;
    apr_status_t rv;

    *res = NULL;
    if (slot >= 32) {
        *perr = apr_pstrcat(p, label, ": no slot for this statement", NULL);
        return APR_EGENERAL;
    }
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        *perr = apr_pstrcat(p, label, ": no database connection", NULL);
        return APR_ECONNRESET;
    }
    /* Non-blocking only while we hold it: apr_dbd's own calls, which other
     * modules sharing the pool make, expect a blocking connection. */
    if (PQsetnonblocking(conn, 1) != 0) {
        *perr = failure(p, label, PQerrorMessage(conn));
        return APR_ECONNRESET;
    }
    rv = exec_on(res, p, conn, session, slot, label, sql, nargs, args,
                 deadline, perr);
    if (rv == APR_TIMEUP) {
        const char *why = abandon(conn);

        *perr = apr_psprintf(p, "%s: no answer within %" APR_TIME_T_FMT
                             " ms%s%s", label, apr_time_as_msec(timeout),
                             why ? "; " : "", why ? why : "");
    }
    (void)PQsetnonblocking(conn, 0);
    return rv;
}

int dash_pg_nrows(const dash_pg_result_t *res)
{
    return res ? PQntuples(res->res) : 0;
}

long dash_pg_affected(const dash_pg_result_t *res)
{
    const char *n = res ? PQcmdTuples(res->res) : "";
    long v = 0;

    return *n && dash_text_number(&v, n, strlen(n), 0, 2147483647L)
                 == APR_SUCCESS ? v : 0;
}

const char *dash_pg_value(const dash_pg_result_t *res, int row, int col)
{
    if (res == NULL || row < 0 || col < 0 || row >= PQntuples(res->res)
        || col >= PQnfields(res->res) || PQgetisnull(res->res, row, col)) {
        return NULL;
    }
    return PQgetvalue(res->res, row, col);
}

int dash_pg_broken(PGconn *conn)
{
    return conn == NULL || PQstatus(conn) == CONNECTION_BAD;
}
