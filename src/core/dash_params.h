/*
 * Query-string parameters and the identifier rule of
 * docs/api.md#errors (INVALID_PARAMETER), kept out of the glue so they can
 * be unit-tested.
 */
#ifndef DASH_PARAMS_H
#define DASH_PARAMS_H

#include <apr_tables.h>
#include <apr_pools.h>

/* Longest identifier accepted in platform_user_id / user_uuid, in bytes. */
#define DASH_MAX_ID_BYTES 128

/*
 * Splits a raw query string ("a=1&b=x%20y") into *params (name -> value,
 * both decoded: '+' is a space, %XX a byte). APR_EINVAL (with *perr) for
 * a malformed %-escape, a decoded NUL byte, or a name given twice (after
 * decoding, whatever its case). args may be NULL.
 */
apr_status_t dash_params_parse(apr_table_t **params, apr_pool_t *p,
                               const char *args, const char **perr);

/*
 * Whether an identifier is acceptable: 1 to DASH_MAX_ID_BYTES bytes of
 * valid UTF-8 without control characters. NULL or a reason.
 */
const char *dash_params_check_id(const char *v);

#endif
