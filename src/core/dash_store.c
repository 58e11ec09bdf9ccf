/*
 * The SQL of docs/behaviour.md. Every statement is prepared on each
 * server session before its first use, within DashboardDBTimeout
 * (dash_pg.h); nothing here builds SQL from request data. apr_dbd's %s
 * placeholders become $n for pgsql.
 */
#include <limits.h>
#include <string.h>
#include <apr_strings.h>
#include "dash_pg.h"
#include "dash_store.h"
#include "dash_text.h"

#define STMT_ACCOUNTS    "dashboard_accounts"
#define STMT_CHANNELS    "dashboard_channels"
#define STMT_RECENT      "dashboard_recent"
#define STMT_CREDENTIALS "dashboard_credentials"
#define STMT_SAVE_TOKEN  "dashboard_save_token"

typedef struct {
    const char *label;
    const char *sql;
} stmt_def_t;

/* Terminated by { NULL, NULL }. */
static const stmt_def_t statements[] = {
    /* docs/api.md#accounts: newest connected_at first (NULL last, ties by id descending),
     * then only the first row per platform_user_id. channelTitle is null
     * unless platform_data is a JSON object. */
    { STMT_ACCOUNTS,
      "SELECT id, platform, platform_username, platform_user_id,"
      " channel_title, connected_iso, is_active"
      " FROM (SELECT DISTINCT ON (platform_user_id)"
      "   id, platform, platform_username, platform_user_id,"
      "   CASE WHEN jsonb_typeof(platform_data) = 'object'"
      "        THEN platform_data->>'channel_title' END AS channel_title,"
      "   to_char(connected_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.US') AS connected_iso,"
      "   is_active, connected_at"
      "   FROM social_account"
      "   WHERE user_uuid = %s AND platform = 'youtube' AND is_active"
      "   ORDER BY platform_user_id, connected_at DESC NULLS LAST, id DESC) a"
      " ORDER BY connected_at DESC NULLS LAST, id DESC" },
    /* The account choice and the upload counts of a stats request in one
     * round trip: the channels of STMT_ACCOUNTS (same rows, same order),
     * each with its counts (docs/behaviour.md#upload-counts: whole days
     * on both windows, the seed's <= end_dt dropped the end day,
     * docs/differences.md#differences-from-the-original-service; and the
     * channel's total for docs/behaviour.md#no-uploads). Counted only for
     * the channel asked for, or for every one when none is: the one
     * channel the choice can take, and zeros for the rest. The user and
     * the channel asked for are each passed twice: every %s is a
     * parameter of its own. */
    { STMT_CHANNELS,
      "SELECT a.id, a.platform_user_id, c.cur, c.prev, c.total"
      " FROM (SELECT DISTINCT ON (platform_user_id)"
      "   id, platform_user_id, connected_at"
      "   FROM social_account"
      "   WHERE user_uuid = %s AND platform = 'youtube' AND is_active"
      "   ORDER BY platform_user_id, connected_at DESC NULLS LAST, id DESC) a"
      " CROSS JOIN LATERAL (SELECT"
      "   count(*) FILTER (WHERE d.uploaded_at >= %s::date"
      "                    AND d.uploaded_at < %s::date + 1) AS cur,"
      "   count(*) FILTER (WHERE d.uploaded_at >= %s::date"
      "                    AND d.uploaded_at < %s::date + 1) AS prev,"
      "   count(*) AS total"
      "   FROM dashboard d"
      "   WHERE d.user_uuid = %s AND d.platform = 'youtube'"
      "   AND d.platform_user_id = a.platform_user_id"
      "   AND (%s::varchar IS NULL OR a.platform_user_id = %s)) c"
      " ORDER BY a.connected_at DESC NULLS LAST, a.id DESC" },
    /* A video listed twice must not be sent twice in filters=video==… */
    { STMT_RECENT,
      "SELECT platform_video_id, title, to_char(uploaded_at, 'YYYY.MM.DD')"
      " FROM (SELECT DISTINCT ON (platform_video_id)"
      "   platform_video_id, title, uploaded_at, id FROM dashboard"
      "   WHERE user_uuid = %s AND platform = 'youtube' AND platform_user_id = %s"
      "   ORDER BY platform_video_id, uploaded_at DESC, id DESC) v"
      " ORDER BY uploaded_at DESC, id DESC LIMIT %s::int" },
    /* "now" comes from the server so that "today" (docs/behaviour.md#date-windows) and token expiry
     * (docs/behaviour.md#tokens) read the same clock. */
    { STMT_CREDENTIALS,
      "SELECT access_token, refresh_token,"
      " COALESCE(token_expires_at > %s::timestamp + interval '10 minutes', false)"
      " FROM social_account WHERE id = %s::bigint AND user_uuid = %s" },
    { STMT_SAVE_TOKEN,
      "UPDATE social_account SET access_token = %s,"
      " token_expires_at = %s::timestamp,"
      " refresh_token = COALESCE(%s, refresh_token)"
      " WHERE id = %s::bigint" },
    { NULL, NULL }
};

typedef apr_status_t (*row_cb)(void *ctx, apr_pool_t *p,
                               const dash_pg_result_t *res, int row);

/* The statement's place in statements: its bit in the
 * session's record of what it has prepared. */
static unsigned slot_of(const char *label)
{
    unsigned i;

    for (i = 0; statements[i].label; i++) {
        if (!strcmp(statements[i].label, label)) {
            break;
        }
    }
    return i;
}

static apr_status_t exec(dash_pg_result_t **res, dash_db_t *db,
                         apr_pool_t *p, const char *label, int nargs,
                         const char **args, const char **perr)
{
    unsigned slot = slot_of(label);

    return dash_pg_exec(res, p, db->conn, db->session, slot, label,
                        statements[slot].sql, nargs, args,
                        db->timeout, perr);
}

/* Runs a prepared SELECT and feeds every row to cb. */
static apr_status_t run_select(dash_db_t *db, apr_pool_t *p,
                               const char *label, int nargs,
                               const char **args, row_cb cb, void *ctx,
                               const char **perr)
{
    dash_pg_result_t *res;
    apr_status_t rv = exec(&res, db, p, label, nargs, args, perr);
    int i;

    for (i = 0; rv == APR_SUCCESS && i < dash_pg_nrows(res); i++) {
        rv = cb(ctx, p, res, i);
        if (rv != APR_SUCCESS) {
            *perr = apr_psprintf(p, "%s: unexpected row", label);
        }
    }
    return rv;
}

/* Column n as a string copied into p, or NULL for SQL NULL: the result
 * goes with the connection's next statement's pool, the copy with p. */
static char *column(apr_pool_t *p, const dash_pg_result_t *res, int row,
                    int n)
{
    const char *v = dash_pg_value(res, row, n);

    return v ? apr_pstrdup(p, v) : NULL;
}

/* to_char(…, '….US') always prints microseconds; ISO 8601 as Python's
 * isoformat() writes it shows them only when they are not zero. */
static const char *iso_timestamp(char *s)
{
    size_t n;

    if (s && (n = strlen(s)) > 7 && !strcmp(s + n - 7, ".000000")) {
        s[n - 7] = '\0';
    }
    return s;
}

static apr_status_t account_row(void *ctx, apr_pool_t *p,
                                const dash_pg_result_t *res, int row)
{
    apr_array_header_t *accounts = ctx;
    dash_account_t *a = apr_array_push(accounts);
    const char *active;

    a->id = column(p, res, row, 0);
    a->platform = column(p, res, row, 1);
    a->username = column(p, res, row, 2);
    a->platform_user_id = column(p, res, row, 3);
    a->channel_title = column(p, res, row, 4);
    a->connected_at = iso_timestamp(column(p, res, row, 5));
    active = column(p, res, row, 6);
    a->is_active = active && (*active == 't' || *active == '1');
    return (a->id && a->platform && a->platform_user_id) ? APR_SUCCESS
                                                         : APR_EGENERAL;
}

apr_status_t dash_store_accounts(apr_array_header_t **accounts, apr_pool_t *p,
                                 dash_db_t *db, const char *user,
                                 const char **perr)
{
    const char *args[] = { user };

    *accounts = apr_array_make(p, 4, sizeof(dash_account_t));
    return run_select(db, p, STMT_ACCOUNTS, 1, args, account_row, *accounts,
                      perr);
}

static apr_status_t parse_count(long *out, const char *s)
{
    return s ? dash_text_number(out, s, strlen(s), 0, LONG_MAX) : APR_EGENERAL;
}

static apr_status_t channel_row(void *ctx, apr_pool_t *p,
                                const dash_pg_result_t *res, int row)
{
    apr_array_header_t *channels = ctx;
    dash_channel_t *c = apr_array_push(channels);

    memset(c, 0, sizeof(*c));
    c->account.id = column(p, res, row, 0);
    c->account.platform = "youtube";
    c->account.platform_user_id = column(p, res, row, 1);
    c->account.is_active = 1;
    if (!c->account.id || !c->account.platform_user_id
        || parse_count(&c->current, dash_pg_value(res, row, 2)) != APR_SUCCESS
        || parse_count(&c->previous, dash_pg_value(res, row, 3)) != APR_SUCCESS
        || parse_count(&c->total, dash_pg_value(res, row, 4)) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

apr_status_t dash_store_channels(apr_array_header_t **channels, apr_pool_t *p,
                                 dash_db_t *db, const char *user,
                                 const char *wanted, const dash_windows_t *w,
                                 const char **perr)
{
    char start[11], kpi_end[11], prev_start[11], prev_kpi_end[11];
    const char *args[] = {
        user, dash_dates_fmt(start, w->start), dash_dates_fmt(kpi_end, w->kpi_end),
        dash_dates_fmt(prev_start, w->prev_start),
        dash_dates_fmt(prev_kpi_end, w->prev_kpi_end), user, wanted, wanted
    };

    *channels = apr_array_make(p, 2, sizeof(dash_channel_t));
    return run_select(db, p, STMT_CHANNELS, 8, args, channel_row, *channels,
                      perr);
}

static apr_status_t video_row(void *ctx, apr_pool_t *p,
                              const dash_pg_result_t *res, int row)
{
    apr_array_header_t *videos = ctx;
    dash_video_t *v = apr_array_push(videos);

    v->id = column(p, res, row, 0);
    v->title = column(p, res, row, 1);
    v->date = column(p, res, row, 2);
    return (v->id && v->date) ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t dash_store_recent(apr_array_header_t **videos, apr_pool_t *p,
                               dash_db_t *db, const char *user,
                               const char *channel, int max,
                               const char **perr)
{
    const char *args[] = { user, channel, apr_itoa(p, max) };

    *videos = apr_array_make(p, max > 0 ? max : 1, sizeof(dash_video_t));
    return run_select(db, p, STMT_RECENT, 3, args, video_row, *videos, perr);
}

typedef struct {
    dash_credentials_t *cred;
    int rows;
} cred_ctx_t;

static apr_status_t credentials_row(void *ctx, apr_pool_t *p,
                                    const dash_pg_result_t *res, int row)
{
    cred_ctx_t *c = ctx;
    const char *fresh;

    c->cred->access_token = column(p, res, row, 0);
    c->cred->refresh_token = column(p, res, row, 1);
    if (c->cred->refresh_token && !*c->cred->refresh_token) {
        c->cred->refresh_token = NULL;
    }
    fresh = column(p, res, row, 2);
    c->cred->fresh = fresh && (*fresh == 't' || *fresh == '1');
    c->rows++;
    return APR_SUCCESS;
}

apr_status_t dash_store_credentials(dash_credentials_t *cred, apr_pool_t *p,
                                    dash_db_t *db, const char *account_id,
                                    const char *user, const char *now_local,
                                    const char **perr)
{
    const char *args[] = { now_local, account_id, user };
    cred_ctx_t c = { cred, 0 };
    apr_status_t rv;

    memset(cred, 0, sizeof(*cred));
    rv = run_select(db, p, STMT_CREDENTIALS, 3, args, credentials_row, &c,
                    perr);
    if (rv == APR_SUCCESS && c.rows != 1) {
        /* The account vanished between the two queries. */
        *perr = STMT_CREDENTIALS ": account not found";
        return APR_NOTFOUND;
    }
    return rv;
}

apr_status_t dash_store_save_token(apr_pool_t *p, dash_db_t *db,
                                   const char *account_id,
                                   const char *access_token,
                                   const char *expires_at_local,
                                   const char *refresh_token,
                                   const char **perr)
{
    const char *args[] = { access_token, expires_at_local, refresh_token,
                           account_id };
    dash_pg_result_t *res;
    apr_status_t rv = exec(&res, db, p, STMT_SAVE_TOKEN, 4, args, perr);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (dash_pg_affected(res) != 1) {
        *perr = STMT_SAVE_TOKEN ": account not found";
        return APR_NOTFOUND;
    }
    return APR_SUCCESS;
}
