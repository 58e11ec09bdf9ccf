/*
 * The two modes of a stats request (docs/api.md#stats): the one place that
 * turns the word into the enum and back.
 */
#ifndef DASH_MODE_H
#define DASH_MODE_H

#include <apr_errno.h>
#include <apr_pools.h>

typedef enum {
    DASH_MODE_DAY = 0,
    DASH_MODE_MONTH = 1
} dash_mode_e;

/* "day" / "month" */
const char *dash_mode_name(dash_mode_e mode);

/* Exactly "day" or "month" in s[0..len): APR_SUCCESS with *mode, else
 * APR_EINVAL (*mode untouched). */
apr_status_t dash_mode_parse(dash_mode_e *mode, const char *s, apr_size_t len);

#endif
