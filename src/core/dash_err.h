/*
 * The error answers of docs/api.md#errors. Core functions report a failure
 * as one of these; the glue turns it into the status and the JSON body.
 */
#ifndef DASH_ERR_H
#define DASH_ERR_H

#include <apr_pools.h>

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
    DASH_ERR_API_UNAVAILABLE,            /* 502 too, but Google failing in a
                                            way that passes: 5xx, connection
                                            refused, quota or rate limit */
    DASH_ERR_DATABASE_UNAVAILABLE,       /* 503 */
    DASH_ERR_CACHE_UNAVAILABLE,          /* 503 */
    DASH_ERR_UPSTREAM_BUSY,              /* 503, with Retry-After */
    DASH_ERR_RATE_LIMITED,               /* 429, with Retry-After */
    DASH_ERR_API_TIMEOUT,                /* 504 */
    DASH_ERR_INTERNAL                    /* 500: a bug or out of memory */
} dash_err_e;

int dash_err_status(dash_err_e err);
const char *dash_err_code(dash_err_e err);
/* A message for the client: fixed text, never data from upstream. */
const char *dash_err_message(dash_err_e err);

/*
 * The JSON body of err without jansson, for when jansson cannot allocate:
 * {"code":"…","message":"…"}. The fixed texts need no escaping.
 */
const char *dash_err_body(apr_pool_t *p, dash_err_e err);

#endif
