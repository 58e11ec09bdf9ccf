/*
 * Parallel HTTP with libcurl's multi interface (see dash_http.h).
 *
 * One CURLM per batch, one easy handle per request. All curl state lives
 * in a sub-pool of the caller's pool whose cleanup removes and frees every
 * handle; the cleanup is registered before the first handle exists, so any
 * return path, early or not, releases everything. Response bodies are
 * copied into the caller's pool before the sub-pool goes.
 *
 * The core does not log: failures are reported through req->rv,
 * req->error and *perr, and the glue decides what reaches the error log.
 * Nothing written there ever contains the bearer token or a form body.
 */
#include <limits.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "dash_http.h"

#define DASH_HTTP_DEFAULT_MAX_BODY ((apr_size_t)4 * 1024 * 1024)
#define DASH_HTTP_USER_AGENT "mod_dashboard/0.1"
/* Connections an agent keeps open: the two Google hosts, or four each
 * where a server speaks only HTTP/1.1. */
#define DASH_HTTP_AGENT_CONNS 16L

/*
 * Warm connections (docs/behaviour.md#analytics-calls). An agent is a
 * curl multi handle kept across requests: its connection cache holds the
 * connections to Google open, so the next batch finds them, and over
 * HTTP/2 the four calls of a batch share one connection (PIPEWAIT makes
 * the first three wait for the connection the fourth is opening instead
 * of opening their own). The agents of a child are kept in a stack: a
 * batch takes the one most recently given back, the warmest, and creates
 * one only when all are busy, so there are never more than the child's
 * concurrent upstream batches. A curl share handle, locked, gives every
 * agent of the child the DNS cache and the TLS sessions, so even a
 * cold agent resumes a session instead of a full handshake.
 */
typedef struct dash_http_agent_t dash_http_agent_t;
struct dash_http_agent_t {
    CURLM *multi;
    dash_http_agent_t *next;       /* in the free stack */
};

struct dash_http_agents_t {
    apr_pool_t *pool;
    apr_thread_mutex_t *lock;      /* the stack */
    apr_thread_mutex_t *share_locks[CURL_LOCK_DATA_LAST];
    CURLSH *share;
    dash_http_agent_t *free;
    dash_http_agent_t *all[DASH_HTTP_MAX_AGENTS];
    int nall;
    long max_age;                  /* seconds an idle connection is reused */
};

/* Per-request curl state; index i belongs to reqs[i]. */
typedef struct {
    CURL *easy;
    struct curl_slist *headers;
    int added;                 /* in the multi handle: must be removed first */
    int done;
    int overflow;              /* the write callback refused data past max */
    apr_pool_t *bp;            /* batch pool: holds the growing buffer */
    char *buf;
    apr_size_t len, cap, max;
    char errbuf[CURL_ERROR_SIZE];
} dash_xfer_t;

typedef struct {
    CURLM *multi;
    dash_http_agents_t *agents;    /* NULL: a multi of this batch alone */
    dash_http_agent_t *agent;      /* the one taken from agents */
    const char *ca_file;
    dash_xfer_t *x;
    int n;
} dash_batch_t;

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access a,
                       void *userp)
{
    dash_http_agents_t *ag = userp;

    (void)h;
    (void)a;
    if (data >= 0 && data < CURL_LOCK_DATA_LAST && ag->share_locks[data]) {
        (void)apr_thread_mutex_lock(ag->share_locks[data]);
    }
}

static void share_unlock(CURL *h, curl_lock_data data, void *userp)
{
    dash_http_agents_t *ag = userp;

    (void)h;
    if (data >= 0 && data < CURL_LOCK_DATA_LAST && ag->share_locks[data]) {
        (void)apr_thread_mutex_unlock(ag->share_locks[data]);
    }
}

/* The multis first: their connections may still hold the share. */
static apr_status_t agents_cleanup(void *data)
{
    dash_http_agents_t *ag = data;
    int i;

    for (i = 0; i < ag->nall; i++) {
        (void)curl_multi_cleanup(ag->all[i]->multi);
        ag->all[i]->multi = NULL;
    }
    ag->nall = 0;
    ag->free = NULL;
    if (ag->share) {
        (void)curl_share_cleanup(ag->share);
        ag->share = NULL;
    }
    return APR_SUCCESS;
}

apr_status_t dash_http_agents_create(dash_http_agents_t **pa, apr_pool_t *p,
                                     long max_age_sec)
{
    static const curl_lock_data shared[] = { CURL_LOCK_DATA_DNS,
                                             CURL_LOCK_DATA_SSL_SESSION };
    dash_http_agents_t *ag = apr_pcalloc(p, sizeof(*ag));
    apr_status_t rv;
    size_t i;

    ag->pool = p;
    ag->max_age = max_age_sec;
    rv = apr_thread_mutex_create(&ag->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
        rv = apr_thread_mutex_create(&ag->share_locks[shared[i]],
                                     APR_THREAD_MUTEX_DEFAULT, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    ag->share = curl_share_init();
    if (ag->share == NULL) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, ag, agents_cleanup, apr_pool_cleanup_null);
    if (curl_share_setopt(ag->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK
        || curl_share_setopt(ag->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK
        || curl_share_setopt(ag->share, CURLSHOPT_USERDATA, (void *)ag) != CURLSHE_OK) {
        return APR_EGENERAL;
    }
    for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
        if (curl_share_setopt(ag->share, CURLSHOPT_SHARE, shared[i]) != CURLSHE_OK) {
            return APR_EGENERAL;
        }
    }
    *pa = ag;
    return APR_SUCCESS;
}

/*
 * The warmest free agent, or a new one; NULL (the batch then uses a multi
 * of its own) when none can be had: more concurrent batches than
 * DASH_HTTP_MAX_AGENTS, or out of memory.
 */
static dash_http_agent_t *agent_take(dash_http_agents_t *ag)
{
    dash_http_agent_t *a = NULL;

    if (apr_thread_mutex_lock(ag->lock) != APR_SUCCESS) {
        return NULL;
    }
    if (ag->free) {
        a = ag->free;
        ag->free = a->next;
        a->next = NULL;
    }
    else if (ag->nall < DASH_HTTP_MAX_AGENTS) {
        CURLM *m = curl_multi_init();

        /* MAXCONNECTS: curl's default follows the handles added, which
         * is 0 between batches; keep the connections regardless. */
        if (m && curl_multi_setopt(m, CURLMOPT_PIPELINING,
                                   (long)CURLPIPE_MULTIPLEX) == CURLM_OK
            && curl_multi_setopt(m, CURLMOPT_MAXCONNECTS,
                                 (long)DASH_HTTP_AGENT_CONNS) == CURLM_OK) {
            a = apr_pcalloc(ag->pool, sizeof(*a));
            a->multi = m;
            ag->all[ag->nall++] = a;
        }
        else if (m) {
            (void)curl_multi_cleanup(m);
        }
    }
    (void)apr_thread_mutex_unlock(ag->lock);
    return a;
}

static void agent_put(dash_http_agents_t *ag, dash_http_agent_t *a)
{
    if (apr_thread_mutex_lock(ag->lock) != APR_SUCCESS) {
        return;                /* lost to this child: its connections idle */
    }
    a->next = ag->free;
    ag->free = a;
    (void)apr_thread_mutex_unlock(ag->lock);
}

/*
 * Pool cleanup of the batch pool: frees every easy handle and the multi
 * handle. Handles are removed from the multi before their cleanup, as
 * curl requires; return codes are not acted on because nothing better
 * can be done while tearing down.
 */
static apr_status_t batch_cleanup(void *data)
{
    dash_batch_t *b = data;
    int i;

    for (i = 0; i < b->n; i++) {
        dash_xfer_t *x = &b->x[i];
        if (x->added && b->multi) {
            (void)curl_multi_remove_handle(b->multi, x->easy);
            x->added = 0;
        }
        if (x->easy) {
            curl_easy_cleanup(x->easy);
            x->easy = NULL;
        }
        if (x->headers) {
            curl_slist_free_all(x->headers);
            x->headers = NULL;
        }
    }
    if (b->agent) {
        /* Back on the stack with its connections. */
        agent_put(b->agents, b->agent);
        b->agent = NULL;
        b->multi = NULL;
    }
    if (b->multi) {
        (void)curl_multi_cleanup(b->multi);
        b->multi = NULL;
    }
    return APR_SUCCESS;
}

/*
 * CURLOPT_WRITEFUNCTION: appends to a buffer in the batch pool, doubling
 * it (so the waste stays below the final size and dies with the batch).
 * Refusing data (returning less than given) makes curl abort the transfer
 * with CURLE_WRITE_ERROR; the overflow flag turns that into APR_ENOSPC.
 */
static size_t write_cb(char *data, size_t size, size_t nmemb, void *userp)
{
    dash_xfer_t *x = userp;
    size_t n = size * nmemb;   /* curl promises size == 1: no overflow */

    if (n == 0) {
        return 0;
    }
    if (n > x->max - x->len) {
        x->overflow = 1;
        return 0;
    }
    if (x->len + n + 1 > x->cap) {
        apr_size_t cap = x->cap ? x->cap : 16384;
        char *nb;
        while (cap < x->len + n + 1) {
            cap *= 2;
        }
        nb = apr_palloc(x->bp, cap);
        if (x->len) {
            memcpy(nb, x->buf, x->len);
        }
        x->buf = nb;
        x->cap = cap;
    }
    memcpy(x->buf + x->len, data, n);
    x->len += n;
    return n;
}

/* A header value must not smuggle a second header line into the request. */
static int has_line_break(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

/*
 * Foreign error codes end here: the rest of the core sees apr_status_t.
 * Timeouts are their own value because docs/api.md#errors answers them with 504.
 */
static apr_status_t curl_status(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return APR_SUCCESS;
    case CURLE_OPERATION_TIMEDOUT:
        return APR_TIMEUP;
    case CURLE_FILESIZE_EXCEEDED:
        return APR_ENOSPC;
    case CURLE_OUT_OF_MEMORY:
        return APR_ENOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
        return APR_EINVAL;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
    case CURLE_UNKNOWN_OPTION:
        return APR_ENOTIMPL;
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return APR_ECONNREFUSED;
    default:
        return APR_EGENERAL;
    }
}

static apr_status_t multi_status(CURLMcode mc)
{
    return mc == CURLM_OUT_OF_MEMORY ? APR_ENOMEM : APR_EGENERAL;
}

/*
 * Sets one option and turns a failure into a message naming the option
 * (never its value: it may be a token or a form with a secret).
 */
#define SETOPT(x, opt, val)                                              \
    do {                                                                 \
        CURLcode rc_ = curl_easy_setopt((x)->easy, opt, val);            \
        if (rc_ != CURLE_OK) {                                           \
            *perr = apr_psprintf(p, "curl_easy_setopt(%s): %s", #opt,    \
                                 curl_easy_strerror(rc_));               \
            return curl_status(rc_);                                     \
        }                                                                \
    } while (0)

static apr_status_t add_header(dash_xfer_t *x, const char *h,
                               const char **perr)
{
    struct curl_slist *l = curl_slist_append(x->headers, h);
    if (l == NULL) {
        *perr = "curl_slist_append failed";
        return APR_ENOMEM;
    }
    x->headers = l;
    return APR_SUCCESS;
}

/*
 * Creates and configures the easy handle of one request. The handle is
 * stored in x before any option is set so the batch cleanup frees it
 * whatever fails next.
 */
static apr_status_t setup_easy(apr_pool_t *p, const dash_batch_t *b,
                               dash_xfer_t *x, dash_http_req_t *req,
                               long timeout_ms, const char **perr)
{
    apr_status_t rv;

    if (req->url == NULL || !*req->url) {
        *perr = "no URL";
        return APR_EINVAL;
    }
    if (req->bearer && has_line_break(req->bearer)) {
        *perr = "bearer token contains a line break";
        return APR_EINVAL;
    }

    x->easy = curl_easy_init();
    if (x->easy == NULL) {
        *perr = "curl_easy_init failed";
        return APR_ENOMEM;
    }
    x->max = req->max_body ? req->max_body : DASH_HTTP_DEFAULT_MAX_BODY;
    /* Keeps the buffer arithmetic of write_cb clear of overflow. */
    if (x->max > APR_SIZE_MAX / 4) {
        x->max = APR_SIZE_MAX / 4;
    }

    SETOPT(x, CURLOPT_ERRORBUFFER, x->errbuf);
    SETOPT(x, CURLOPT_PRIVATE, (void *)req);
    SETOPT(x, CURLOPT_URL, req->url);
    /* Signals would hit an arbitrary httpd thread; NOSIGNAL also keeps
     * curl from using alarm() for DNS timeouts. */
    SETOPT(x, CURLOPT_NOSIGNAL, 1L);
    SETOPT(x, CURLOPT_TIMEOUT_MS, timeout_ms);
    SETOPT(x, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    /* Only http(s): a configured URL must not make us read file:// or
     * talk to anything else libcurl happens to support. */
#if LIBCURL_VERSION_NUM >= 0x075500
    SETOPT(x, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SETOPT(x, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    /* Google's endpoints do not redirect; following one could carry the
     * bearer token to another host. A 3xx is passed through as a status. */
    SETOPT(x, CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(x, CURLOPT_WRITEFUNCTION, write_cb);
    SETOPT(x, CURLOPT_WRITEDATA, (void *)x);
    /* Lets curl refuse early when Content-Length already says too much;
     * the write callback still enforces the cap for chunked answers. */
    SETOPT(x, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max);
    SETOPT(x, CURLOPT_USERAGENT, DASH_HTTP_USER_AGENT);
    /* HTTP/2 where the server offers it over TLS (Google does),
     * multiplexed: wait for a connection being opened rather than open
     * another. Not over plain http, which stays HTTP/1.1: waiting there
     * would put the calls one after the other on one connection. */
    SETOPT(x, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    if (strncasecmp(req->url, "https:", 6) == 0) {
        SETOPT(x, CURLOPT_PIPEWAIT, 1L);
    }
    if (b->agents) {
        SETOPT(x, CURLOPT_SHARE, b->agents->share);
        SETOPT(x, CURLOPT_MAXAGE_CONN, b->agents->max_age);
    }
    if (b->ca_file) {
        /* The file replaces the system's store: libcurl keeps its built-in
         * CA directory (Debian's /etc/ssl/certs) beside a CAINFO unless
         * that is unset too, and would then trust every public CA. */
        SETOPT(x, CURLOPT_CAINFO, b->ca_file);
        SETOPT(x, CURLOPT_CAPATH, (char *)NULL);
    }

    if ((rv = add_header(x, "Accept: application/json", perr)) != APR_SUCCESS) {
        return rv;
    }
    if (req->bearer) {
        rv = add_header(x, apr_pstrcat(x->bp, "Authorization: Bearer ",
                                          req->bearer, NULL), perr);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    if (req->form) {
        rv = add_header(x, "Content-Type: application/x-www-form-urlencoded",
                        perr);
        /* No "Expect: 100-continue" round trip on a body this small. */
        if (rv == APR_SUCCESS) {
            rv = add_header(x, "Expect:", perr);
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        SETOPT(x, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(req->form));
        /* Not copied: req->form outlives the transfer (caller's pool). */
        SETOPT(x, CURLOPT_POSTFIELDS, req->form);
    }
    else {
        SETOPT(x, CURLOPT_HTTPGET, 1L);
    }
    SETOPT(x, CURLOPT_HTTPHEADER, x->headers);
    return APR_SUCCESS;
}

/* The error text of a finished transfer: curl's detailed buffer if set. */
static const char *xfer_error(apr_pool_t *p, const dash_xfer_t *x,
                              CURLcode rc)
{
    if (x->errbuf[0]) {
        apr_size_t len = strlen(x->errbuf);
        /* curl ends some messages with a newline */
        while (len && (x->errbuf[len - 1] == '\n' || x->errbuf[len - 1] == '\r')) {
            len--;
        }
        return apr_pstrmemdup(p, x->errbuf, len);
    }
    return apr_pstrdup(p, curl_easy_strerror(rc));
}

/* Records the outcome of a transfer curl reports as done. */
static void finish(apr_pool_t *p, dash_xfer_t *x, dash_http_req_t *req,
                   CURLcode rc, apr_time_t started)
{
    x->done = 1;
    req->elapsed = apr_time_now() - started;

    if (rc == CURLE_OK) {
        long code = 0;
        CURLcode irc = curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
        if (irc != CURLE_OK) {
            req->rv = curl_status(irc);
            req->error = apr_psprintf(p, "curl_easy_getinfo: %s",
                                      curl_easy_strerror(irc));
            return;
        }
        req->rv = APR_SUCCESS;
        req->status = (int)code;
        req->body = apr_pstrmemdup(p, x->buf ? x->buf : "", x->len);
        req->body_len = x->len;
        return;
    }
    if (x->overflow || rc == CURLE_FILESIZE_EXCEEDED) {
        req->rv = APR_ENOSPC;
        req->error = apr_psprintf(p, "response body larger than %" APR_SIZE_T_FMT
                                  " bytes", x->max);
        return;
    }
    req->rv = curl_status(rc);
    if (req->rv == APR_SUCCESS) {      /* cannot happen; be safe */
        req->rv = APR_EGENERAL;
    }
    req->error = xfer_error(p, x, rc);
}

/* Drains curl's message queue into the requests. */
static apr_status_t collect(apr_pool_t *p, dash_batch_t *b,
                            dash_http_req_t *reqs, apr_time_t started,
                            const char **perr)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(b->multi, &left)) != NULL) {
        char *priv = NULL;
        dash_http_req_t *req;
        CURLcode rc;

        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        rc = curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        if (rc != CURLE_OK || priv == NULL) {
            *perr = "curl_easy_getinfo(CURLINFO_PRIVATE) failed";
            return APR_EGENERAL;
        }
        req = (dash_http_req_t *)(void *)priv;
        if (req < reqs || req >= reqs + b->n) {
            *perr = "curl returned a handle of another batch";
            return APR_EGENERAL;
        }
        finish(p, &b->x[req - reqs], req, msg->data.result, started);
    }
    return APR_SUCCESS;
}

/* Gives every request not done yet the same outcome. */
static void mark_unfinished(dash_batch_t *b, dash_http_req_t *reqs,
                            apr_status_t rv, const char *error,
                            apr_time_t started)
{
    int i;
    for (i = 0; i < b->n; i++) {
        if (!b->x[i].done) {
            b->x[i].done = 1;
            reqs[i].rv = rv;
            reqs[i].error = error;
            reqs[i].elapsed = apr_time_now() - started;
        }
    }
}

/* Creates the handles and runs the transfers until done or the deadline. */
static apr_status_t run_batch(apr_pool_t *p, apr_pool_t *bp, dash_batch_t *b,
                              dash_http_req_t *reqs,
                              apr_interval_time_t timeout, apr_time_t started,
                              const char **perr)
{
    apr_time_t deadline = started + timeout;
    apr_interval_time_t tms = apr_time_as_msec(timeout);
    long timeout_ms = tms < 1 ? 1 : (tms > LONG_MAX ? LONG_MAX : (long)tms);
    apr_status_t rv;
    CURLMcode mc;
    int i, running;

    if (b->agents && (b->agent = agent_take(b->agents)) != NULL) {
        b->multi = b->agent->multi;
    }
    else {
        b->multi = curl_multi_init();
    }
    if (b->multi == NULL) {
        *perr = "curl_multi_init failed";
        return APR_ENOMEM;
    }
    for (i = 0; i < b->n; i++) {
        const char *err = NULL;
        b->x[i].bp = bp;
        rv = setup_easy(bp, b, &b->x[i], &reqs[i], timeout_ms, &err);
        if (rv != APR_SUCCESS) {
            *perr = apr_psprintf(p, "request %d: %s", i, err);
            return rv;
        }
        mc = curl_multi_add_handle(b->multi, b->x[i].easy);
        if (mc != CURLM_OK) {
            *perr = apr_psprintf(p, "curl_multi_add_handle: %s",
                                 curl_multi_strerror(mc));
            return multi_status(mc);
        }
        b->x[i].added = 1;
    }

    for (;;) {
        apr_interval_time_t left;
        int wait_ms;

        mc = curl_multi_perform(b->multi, &running);
        if (mc != CURLM_OK) {
            *perr = apr_psprintf(p, "curl_multi_perform: %s",
                                 curl_multi_strerror(mc));
            return multi_status(mc);
        }
        if ((rv = collect(p, b, reqs, started, perr)) != APR_SUCCESS) {
            return rv;
        }
        if (running == 0) {
            break;
        }
        left = deadline - apr_time_now();
        if (left <= 0) {
            break;
        }
        /* Round up so we do not spin on a sub-millisecond rest; curl
         * shortens the wait further when its own timers are due. */
        left = (left + 999) / 1000;
        wait_ms = left > INT_MAX ? INT_MAX : (int)left;
        mc = curl_multi_poll(b->multi, NULL, 0, wait_ms, NULL);
        if (mc != CURLM_OK) {
            *perr = apr_psprintf(p, "curl_multi_poll: %s",
                                 curl_multi_strerror(mc));
            return multi_status(mc);
        }
    }
    /* Still running at the deadline: abandoned (the cleanup removes them). */
    mark_unfinished(b, reqs, APR_TIMEUP,
                    apr_psprintf(p, "no answer within %" APR_INT64_T_FMT " ms",
                                 (apr_int64_t)apr_time_as_msec(timeout)),
                    started);
    return APR_SUCCESS;
}

apr_status_t dash_http_perform_on(dash_http_agents_t *agents,
                                  const char *ca_file, apr_pool_t *p,
                                  dash_http_req_t *reqs, int n,
                                  apr_interval_time_t timeout,
                                  const char **perr)
{
    apr_time_t started = apr_time_now();
    apr_pool_t *bp;
    dash_batch_t *b;
    const char *err = NULL;
    apr_status_t rv;
    int i;

    if (n < 0 || (n > 0 && reqs == NULL) || timeout <= 0) {
        if (perr) {
            *perr = "dash_http_perform_on: bad arguments";
        }
        return APR_EINVAL;
    }
    /* Until proven otherwise each request failed: callers that only look
     * at req->rv never see stale or zeroed results. */
    for (i = 0; i < n; i++) {
        reqs[i].rv = APR_EGENERAL;
        reqs[i].status = 0;
        reqs[i].body = "";
        reqs[i].body_len = 0;
        reqs[i].error = "not started";
        reqs[i].elapsed = 0;
    }
    if (n == 0) {
        return APR_SUCCESS;
    }

    rv = apr_pool_create(&bp, p);
    if (rv != APR_SUCCESS) {
        if (perr) {
            *perr = "cannot create a pool";
        }
        return rv;
    }
    apr_pool_tag(bp, "dash_http_batch");
    b = apr_pcalloc(bp, sizeof(*b));
    b->agents = agents;
    b->ca_file = ca_file;
    b->n = n;
    b->x = apr_pcalloc(bp, n * sizeof(*b->x));
    /* Before any handle exists: from here on every return path, including
     * the ones inside run_batch, frees all curl state with bp. */
    apr_pool_cleanup_register(bp, b, batch_cleanup, apr_pool_cleanup_null);

    rv = run_batch(p, bp, b, reqs, timeout, started, &err);
    if (rv != APR_SUCCESS) {
        /* The batch could not run as a whole; the requests it did not
         * finish carry the same reason. */
        mark_unfinished(b, reqs, rv, err, started);
        if (perr) {
            *perr = err;
        }
    }
    apr_pool_destroy(bp);
    return rv;
}

static apr_status_t global_cleanup(void *data)
{
    (void)data;
    curl_global_cleanup();
    return APR_SUCCESS;
}

apr_status_t dash_http_global_init(apr_pool_t *pconf)
{
    /* curl counts init/cleanup pairs, so httpd's second configuration
     * pass (pconf cleared and rebuilt) stays balanced. */
    CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK) {
        return curl_status(rc) == APR_ENOMEM ? APR_ENOMEM : APR_EGENERAL;
    }
    apr_pool_cleanup_register(pconf, NULL, global_cleanup,
                              apr_pool_cleanup_null);
    return APR_SUCCESS;
}

const char *dash_http_version(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

    return v && v->version ? v->version : "?";
}
