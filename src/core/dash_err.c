/* docs/api.md#errors: the status, code and message of every error. */
#include <apr_strings.h>

#include "dash_err.h"

typedef struct {
    int status;
    const char *code;
    const char *message;
} dash_err_row_t;

/* Indexed by dash_err_e; the order must follow the enum. */
static const dash_err_row_t err_rows[] = {
    { 200, "OK", "OK" },
    { 400, "INVALID_PARAMETER", "A query parameter is missing a valid value." },
    { 400, "YOUTUBE_ACCOUNT_SELECTION_REQUIRED",
      "Several YouTube channels are connected: pass platform_user_id "
      "(see /dashboard/accounts)." },
    { 401, "UNAUTHENTICATED", "Authentication is required." },
    { 401, "YOUTUBE_TOKEN_EXPIRED",
      "The YouTube authorization has expired or was revoked: reconnect the channel." },
    { 403, "FORBIDDEN", "You may only purge your own cached dashboards." },
    { 404, "YOUTUBE_NOT_CONNECTED", "No YouTube channel is connected." },
    { 404, "YOUTUBE_ACCOUNT_NOT_FOUND",
      "That YouTube channel is not connected to your account." },
    { 405, "METHOD_NOT_ALLOWED", "This method is not allowed here." },
    { 502, "YOUTUBE_API_ERROR", "The YouTube Analytics API returned an error." },
    { 502, "YOUTUBE_API_ERROR", "The YouTube Analytics API returned an error." },
    { 503, "DATABASE_UNAVAILABLE", "The database is unavailable." },
    { 503, "CACHE_UNAVAILABLE", "The cache is unavailable." },
    { 503, "UPSTREAM_BUSY",
      "Too many requests are waiting on YouTube here: try again shortly." },
    { 429, "RATE_LIMITED",
      "You have refreshed your dashboards too often: try again later." },
    { 504, "YOUTUBE_API_TIMEOUT", "The YouTube Analytics API did not answer in time." },
    { 500, "INTERNAL_ERROR", "Internal error." }
};

static const dash_err_row_t *err_row(dash_err_e err)
{
    if ((unsigned)err >= sizeof(err_rows) / sizeof(err_rows[0])) {
        err = DASH_ERR_INTERNAL;
    }
    return &err_rows[err];
}

int dash_err_status(dash_err_e err)
{
    return err_row(err)->status;
}

const char *dash_err_code(dash_err_e err)
{
    return err_row(err)->code;
}

const char *dash_err_message(dash_err_e err)
{
    return err_row(err)->message;
}

const char *dash_err_body(apr_pool_t *p, dash_err_e err)
{
    return apr_pstrcat(p, "{\"code\":\"", dash_err_code(err),
                       "\",\"message\":\"", dash_err_message(err), "\"}",
                       NULL);
}
