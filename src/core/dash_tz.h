/*
 * A time zone of the system's tz database (a TZif file, RFC 8536), read
 * once and then only looked at: "today" in DashboardReportTimeZone
 * (docs/behaviour.md#date-windows).
 *
 * Why not the C library: localtime_r knows one zone per process, the one
 * of TZ, and changing TZ (setenv + tzset) in a process whose other threads
 * are converting times is a data race glibc does not guard against, and
 * would move the server's own local time (token_expires_at) too. A zone
 * read into memory at configuration time, before any thread exists, and
 * never written again is safe to read from every thread.
 */
#ifndef DASH_TZ_H
#define DASH_TZ_H

#include <apr_errno.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "dash_dates.h"

typedef struct dash_tz_t dash_tz_t;

/* Where zone names are looked up, as glibc does without TZDIR. */
#define DASH_TZ_DIR "/usr/share/zoneinfo"

/*
 * The zone named name ("America/Los_Angeles") from the file of that name
 * under dir, into p. APR_EINVAL with a reason in *perr for a name that is
 * not a zone name (empty, absolute, with "." or ".." parts or characters
 * no zone name has), for a file that cannot be read, and for one that is
 * not a TZif file.
 */
apr_status_t dash_tz_load(dash_tz_t **ptz, apr_pool_t *p, const char *dir,
                          const char *name, const char **perr);

/*
 * The same from the bytes of a TZif file (for tests and fuzzing); the zone
 * keeps no pointer into data.
 */
apr_status_t dash_tz_parse(dash_tz_t **ptz, apr_pool_t *p, const char *name,
                           const unsigned char *data, apr_size_t len,
                           const char **perr);

/* The zone's name as given. */
const char *dash_tz_name(const dash_tz_t *tz);

/* The zone's offset from UTC at t, in seconds east of Greenwich. */
long dash_tz_offset(const dash_tz_t *tz, apr_time_t t);

/* The calendar date at t in the zone; NULL tz = the server's local date
 * (dash_dates_local). */
dash_date_t dash_tz_date(const dash_tz_t *tz, apr_time_t t);

#endif
