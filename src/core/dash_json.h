/*
 * jansson bound to APR pools: a value handed out here is released by a
 * cleanup on the pool, so nobody counts references by hand.
 */
#ifndef DASH_JSON_H
#define DASH_JSON_H

#include <jansson.h>
#include <apr_errno.h>
#include <apr_pools.h>

/*
 * Ties j's lifetime to p (one json_decref when p is cleared) and returns j.
 * Returns NULL, after releasing nothing, when j is NULL.
 */
json_t *dash_json_pool(apr_pool_t *p, json_t *j);

/*
 * Parses len bytes (no NUL needed) into *pj, owned by p. On a parse error
 * returns APR_EINVAL with a short description in *perr (from p).
 */
apr_status_t dash_json_parse(json_t **pj, apr_pool_t *p, const char *buf,
                             apr_size_t len, const char **perr);

/*
 * Compact, key-order-preserving serialization into memory from p
 * (NUL-terminated; *plen set when plen is non-NULL). NULL on failure.
 * The bytes are json_dumps(JSON_COMPACT)'s, with every real in the
 * shortest form that reads back as the same double (dash_num.h).
 */
char *dash_json_dump(apr_pool_t *p, const json_t *j, apr_size_t *plen);

/*
 * dash_json_dump with the values holes[0..nholes-1] (pointers into j)
 * left out: offsets[i] is where holes[i]'s text would start in the
 * output, for the caller to splice its own text in. NULL also when a
 * hole is not part of j.
 */
char *dash_json_dump_split(apr_pool_t *p, const json_t *j,
                           const json_t *const *holes, int nholes,
                           apr_size_t *offsets, apr_size_t *plen);

/*
 * A JSON number for a value already rounded (docs/behaviour.md#response):
 * an integer when v is integral (so 1520, not 1520.0), else a real
 * printed with the shortest digits that round-trip (81.3, not 81.29999…).
 * Negative zero becomes 0.
 */
json_t *dash_json_number(double v);

/* v rounded to one decimal, half to even on the exact binary value (as
 * printf("%.1f") and Python's round(v, 1) do). */
double dash_json_round1(double v);

/* The object's member as a string, or NULL when absent or not a string. */
const char *dash_json_str(const json_t *obj, const char *key);

/* The jansson in use, e.g. "2.14" (for the start-up line). */
const char *dash_json_version(void);

/* The end of a builder that fills o with "rc |= json_object_set_new(...)"
 * (each call runs; jansson releases a value it could not store): o when
 * every call succeeded, else NULL with o released. */
json_t *dash_json_done(json_t *o, int rc);

#endif
