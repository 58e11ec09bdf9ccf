/*
 * The per-child count of requests waiting on Google, and the answer past
 * DashboardMaxUpstream (docs/behaviour.md#protecting-the-host-site).
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "apr_atomic.h"
#include "apr_strings.h"

#include "mod_dashboard_request.h"
#include "mod_dashboard_upstream.h"

APLOG_USE_MODULE(dashboard);

/* One count for the whole child: the workers it protects are the child's,
 * whichever virtual host a request is for. */
static volatile apr_uint32_t in_flight;

static const char slot_key[] = "dashboard_upstream_slot";

static apr_status_t release_slot(void *data)
{
    (void)data;
    apr_atomic_dec32(&in_flight);
    return APR_SUCCESS;
}

int dashboard_upstream_enter(request_rec *r, const dashboard_srv_cfg_t *cfg)
{
    apr_uint32_t before = apr_atomic_inc32(&in_flight);

    if (before >= (apr_uint32_t)cfg->max_upstream) {
        apr_atomic_dec32(&in_flight);
        return 0;
    }
    /* The cleanup frees the slot on every path out of the request; the
     * note lets dashboard_upstream_leave run it early, once. */
    apr_pool_cleanup_register(r->pool, NULL, release_slot,
                              apr_pool_cleanup_null);
    apr_table_setn(r->notes, slot_key, "1");
    return 1;
}

void dashboard_upstream_leave(request_rec *r)
{
    if (apr_table_get(r->notes, slot_key)) {
        apr_table_unset(r->notes, slot_key);
        apr_pool_cleanup_run(r->pool, NULL, release_slot);
    }
}

void dashboard_upstream_busy_stale(request_rec *r,
                                   const dashboard_srv_cfg_t *cfg,
                                   const char *channel)
{
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, DASHLOGNO(0802)
                  "%ld requests of this child already wait on Google "
                  "(DashboardMaxUpstream): answering the expired value of "
                  "channel %s as stale", cfg->max_upstream, channel);
}

/*
 * A holder keeps its slot for the token refresh (one
 * DashboardUpstreamTimeout), the write of the new token (one statement,
 * DashboardDBTimeout) and the Analytics calls (one more
 * DashboardUpstreamTimeout): their sum, in whole seconds rounded up, is
 * when a slot is surely free again unless the database stops accepting
 * connections, whose attempts come on top
 * (docs/behaviour.md#protecting-the-host-site).
 */
static long retry_after_secs(const dashboard_srv_cfg_t *cfg)
{
    long ms = 2 * cfg->upstream_timeout_ms + cfg->db_timeout_ms;

    return ms > 0 ? (ms + 999) / 1000 : 1;
}

int dashboard_upstream_busy(request_rec *r, const dashboard_srv_cfg_t *cfg)
{
    long secs = retry_after_secs(cfg);

    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, DASHLOGNO(0801)
                  "%ld requests of this child already wait on Google "
                  "(DashboardMaxUpstream): answering 503",
                  cfg->max_upstream);
    apr_table_setn(r->headers_out, "Retry-After", apr_ltoa(r->pool, secs));
    return dashboard_reply_error(r, DASH_ERR_UPSTREAM_BUSY);
}
