/*
 * The counters' shared memory, the dashboard-metrics handler (Prometheus
 * text format) and mod_status's status_hook. The layout and the
 * formatting are src/core/dash_metrics.c; docs/metrics.md lists every metric.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "apr_optional.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "mod_status.h"

#include "mod_dashboard_config.h"
#include "mod_dashboard_metrics.h"
#include "mod_dashboard_page.h"
#include "mod_dashboard_request.h"
#include "dash_metrics.h"

APLOG_USE_MODULE(dashboard);

/*
 * The block every child counts into. Anonymous shared memory made by the
 * parent in post_config, on pconf: the children inherit the mapping when
 * they are forked. A restart (graceful included) clears pconf and runs
 * post_config again, so the counters start over with the new generation,
 * as docs/metrics.md says; children of the old generation finishing their last
 * requests keep the old block, which nobody reads any more. NULL when no
 * server has DashboardMetrics On.
 */
static dash_metrics_t *block;

int dashboard_metrics_post_config(apr_pool_t *pconf, server_rec *s)
{
    server_rec *sp;
    apr_shm_t *shm;
    apr_status_t rv;

    block = NULL;
    for (sp = s; sp && !dashboard_srv_cfg(sp)->metrics_on; sp = sp->next) {
    }
    if (sp) {
        rv = apr_shm_create(&shm, dash_metrics_size(), NULL, pconf);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, rv, s, DASHLOGNO(0701)
                         "cannot create %" APR_SIZE_T_FMT " bytes of "
                         "anonymous shared memory for DashboardMetrics",
                         dash_metrics_size());
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        block = dash_metrics_init(apr_shm_baseaddr_get(shm));
    }
    for (sp = s; sp; sp = sp->next) {
        dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(sp);

        cfg->metrics = cfg->metrics_on ? block : NULL;
    }
    return OK;
}

/* ---- the dashboard-metrics handler ------------------------------------- */

#define PROMETHEUS_TYPE "text/plain; version=0.0.4"

int dashboard_handle_metrics(request_rec *r)
{
    apr_size_t len;
    char *body;

    /* No user needed: the Location's own access rules protect it. */
    r->allowed |= AP_METHOD_BIT << M_GET;
    dashboard_page_api_headers(r);
    if (r->method_number != M_GET) {
        apr_table_setn(r->headers_out, "Allow", "GET, HEAD");
        return dashboard_reply_error(r, DASH_ERR_METHOD_NOT_ALLOWED);
    }
    /* The whole server's figures, whichever vhost is asked; with no
     * counters kept anywhere, build_info alone (docs/metrics.md). */
    body = dash_metrics_text(block, DASHBOARD_VERSION, r->pool, &len);
    ap_set_content_type(r, PROMETHEUS_TYPE);
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-store");
    ap_set_content_length(r, len);
    if (!r->header_only) {
        ap_rwrite(body, (int)len, r);
    }
    return OK;
}

/* ---- mod_status --------------------------------------------------------- */

typedef struct {
    request_rec *r;
    int flags;
} status_ctx_t;

static void status_family(void *ctx, const dash_metrics_family_t *f)
{
    status_ctx_t *c = ctx;

    if (c->flags & AP_STATUS_SHORT) {
        return;
    }
    if (c->flags & AP_STATUS_NOTABLE) {
        ap_rprintf(c->r, "<dt><b>%s</b> (%s)</dt>\n",
                   ap_escape_html(c->r->pool, f->name),
                   ap_escape_html(c->r->pool, f->help));
        return;
    }
    ap_rprintf(c->r, "<tr><th colspan=\"2\" align=\"left\">%s "
               "<small>%s</small></th></tr>\n",
               ap_escape_html(c->r->pool, f->name),
               ap_escape_html(c->r->pool, f->help));
}

/* ?auto: "name{labels}: value", the exposition's sample names, one a
 * line, so a script can take either source. */
static void status_sample(void *ctx, const char *name, const char *labels,
                          const char *value)
{
    status_ctx_t *c = ctx;
    const char *full = *labels
        ? apr_pstrcat(c->r->pool, name, "{", labels, "}", NULL) : name;

    if (c->flags & AP_STATUS_SHORT) {
        ap_rprintf(c->r, "%s: %s\n", full, value);
    }
    else if (c->flags & AP_STATUS_NOTABLE) {
        ap_rprintf(c->r, "<dd>%s %s</dd>\n",
                   ap_escape_html(c->r->pool, full), value);
    }
    else {
        ap_rprintf(c->r, "<tr><td>%s</td><td align=\"right\">%s</td></tr>\n",
                   ap_escape_html(c->r->pool, full), value);
    }
}

static int dashboard_status_hook(request_rec *r, int flags)
{
    static const dash_metrics_visitor_t visitor = { status_family,
                                                    status_sample };
    status_ctx_t c;

    if (!block) {
        return OK;
    }
    c.r = r;
    c.flags = flags;
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs("<hr />\n<h2>mod_dashboard</h2>\n", r);
        ap_rputs(flags & AP_STATUS_NOTABLE ? "<dl>\n" : "<table border=\"0\">\n",
                 r);
    }
    dash_metrics_visit(block, DASHBOARD_VERSION, r->pool, &visitor, &c);
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs(flags & AP_STATUS_NOTABLE ? "</dl>\n" : "</table>\n", r);
    }
    return OK;
}

void dashboard_metrics_register_hooks(apr_pool_t *p)
{
    (void)p;
    /* mod_status may be absent or loaded after us: an optional hook is
     * kept and run only if mod_status runs it. */
    APR_OPTIONAL_HOOK(ap, status_hook, dashboard_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
}
