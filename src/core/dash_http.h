/*
 * Parallel HTTP requests with libcurl's multi interface: all requests of a
 * batch start together and share one deadline.
 */
#ifndef DASH_HTTP_H
#define DASH_HTTP_H

#include <apr_errno.h>
#include <apr_pools.h>
#include <apr_time.h>

/* The most multi handles a process keeps (one per concurrent batch). */
#define DASH_HTTP_MAX_AGENTS 64

typedef struct dash_http_agents_t dash_http_agents_t;

typedef struct {
    /* in */
    const char *url;
    const char *bearer;        /* Authorization: Bearer <bearer>, or NULL */
    const char *form;          /* POST this application/x-www-form-urlencoded body; NULL = GET */
    apr_size_t max_body;       /* cap on the response body; 0 = 4 MiB */
    /* out */
    apr_status_t rv;           /* APR_SUCCESS: a response (of any status) arrived;
                                  APR_TIMEUP: the deadline passed first;
                                  APR_ENOSPC: the body exceeded max_body;
                                  other: could not connect / protocol error */
    int status;                /* HTTP status when rv == APR_SUCCESS */
    char *body;                /* NUL-terminated, from the batch's pool */
    apr_size_t body_len;
    const char *error;         /* curl's reason when rv != APR_SUCCESS */
    apr_interval_time_t elapsed;
} dash_http_req_t;

/*
 * Runs the n requests at once and returns when all have finished or when
 * timeout has passed since the call (those still running are abandoned and
 * marked APR_TIMEUP). Returns APR_SUCCESS when the batch ran (look at each
 * request's rv), or an error when curl could not be set up at all (then
 * *perr says why). Everything, curl handles included, is released before
 * it returns; results live in p.
 *
 * agents (dash_http_agents_create; NULL = a multi handle of this batch
 * alone, closed at the end) keeps the connections open for the next batch
 * and shares DNS and TLS sessions; ca_file (NULL = the system's trust
 * store) is the PEM file of the only trust anchors for https: the
 * system's bundle and CA directory are not consulted beside it.
 */
apr_status_t dash_http_perform_on(dash_http_agents_t *agents,
                                  const char *ca_file, apr_pool_t *p,
                                  dash_http_req_t *reqs, int n,
                                  apr_interval_time_t timeout,
                                  const char **perr);

/*
 * The warm connections of one process (a child), in p: curl multi
 * handles kept across batches, at most DASH_HTTP_MAX_AGENTS at once
 * (a batch past that gets a cold multi of its own), an idle connection
 * reused only while younger than max_age_sec. Thread-safe.
 */
apr_status_t dash_http_agents_create(dash_http_agents_t **pa, apr_pool_t *p,
                                     long max_age_sec);

/* Process-wide curl set-up; call once before any thread starts. */
apr_status_t dash_http_global_init(apr_pool_t *pconf);

/* The libcurl in use, e.g. "7.88.1" (for the start-up line). */
const char *dash_http_version(void);

#endif
