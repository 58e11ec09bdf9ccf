/*
 * mod_dashboard core: types shared by every src/dash_*.c file.
 *
 * The core is written against APR, apr_dbd, jansson, libcurl and hiredis
 * only. It never includes an httpd header, so it can be unit-tested and
 * reused without a server; mod_dashboard*.c is the glue.
 */
#ifndef DASH_H
#define DASH_H

#include <apr_pools.h>
#include <apr_errno.h>
#include <apr_time.h>

typedef enum {
    DASH_MODE_DAY = 0,
    DASH_MODE_MONTH = 1
} dash_mode_e;

/* "day" / "month" */
const char *dash_mode_name(dash_mode_e mode);

/*
 * The SPEC §7 errors. The core reports failures as one of these; the glue
 * turns it into the status, the code and the JSON body (dash_err_status,
 * dash_err_code).
 */
typedef enum {
    DASH_OK = 0,
    DASH_ERR_INVALID_PARAMETER,          /* 400 */
    DASH_ERR_ACCOUNT_SELECTION_REQUIRED, /* 400 */
    DASH_ERR_UNAUTHENTICATED,            /* 401 */
    DASH_ERR_TOKEN_EXPIRED,              /* 401 */
    DASH_ERR_FORBIDDEN,                  /* 403 */
    DASH_ERR_NOT_CONNECTED,              /* 404 */
    DASH_ERR_ACCOUNT_NOT_FOUND,          /* 404 */
    DASH_ERR_METHOD_NOT_ALLOWED,         /* 405 */
    DASH_ERR_API_ERROR,                  /* 502 */
    DASH_ERR_DATABASE_UNAVAILABLE,       /* 503 */
    DASH_ERR_CACHE_UNAVAILABLE,          /* 503 */
    DASH_ERR_API_TIMEOUT,                /* 504 */
    DASH_ERR_INTERNAL                    /* 500: a bug or out of memory */
} dash_err_e;

int dash_err_status(dash_err_e err);
const char *dash_err_code(dash_err_e err);
/* A message for the client: fixed text, never data from upstream. */
const char *dash_err_message(dash_err_e err);

#endif
