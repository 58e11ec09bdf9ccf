/*
 * The security headers of docs/api.md#headers: on every answer of the
 * API, and on the dashboard page's static files where its Location says
 * DashboardPage On, so that a site gets them from our configuration alone,
 * without mod_headers.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_request.h"

#include "mod_dashboard_config.h"
#include "mod_dashboard_page.h"

APLOG_USE_MODULE(dashboard);

/* The page: its own scripts and styles only (no inline code, no eval),
 * the API it calls, the video thumbnails; no framing. */
#define PAGE_CSP "default-src 'none'; script-src 'self'; style-src 'self'; " \
                 "img-src 'self' data: https://i.ytimg.com; " \
                 "connect-src 'self'; base-uri 'none'; form-action 'none'; " \
                 "frame-ancestors 'none'"
/* JSON is never a document to render, frame or run. */
#define API_CSP "default-src 'none'; frame-ancestors 'none'"

/* Set name unless the site set it already (mod_headers' Header set, in
 * either table): the site's choice wins. */
static void set_default(request_rec *r, const char *name, const char *value)
{
    if (!apr_table_get(r->headers_out, name)
        && !apr_table_get(r->err_headers_out, name)) {
        apr_table_setn(r->err_headers_out, name, value);
    }
}

void dashboard_page_api_headers(request_rec *r)
{
    /* err_headers_out: they stay on error answers too. */
    apr_table_setn(r->err_headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->err_headers_out, "Content-Security-Policy", API_CSP);
    apr_table_setn(r->err_headers_out, "Referrer-Policy", "no-referrer");
}

int dashboard_page_marked(request_rec *r)
{
    const dashboard_dir_cfg_t *d = dashboard_dir_cfg(r);

    return d && d->page == 1;
}

/*
 * A fixup, after mod_headers' (see the hook's order), for the page's files:
 * the page is behind the site's login and changes with each upgrade, so
 * browsers keep it privately and ask again each time (a 304 when
 * unchanged).
 */
static int page_fixups(request_rec *r)
{
    if (!dashboard_page_marked(r)) {
        return DECLINED;
    }
    set_default(r, "X-Content-Type-Options", "nosniff");
    set_default(r, "Content-Security-Policy", PAGE_CSP);
    set_default(r, "Referrer-Policy", "no-referrer");
    set_default(r, "Cache-Control", "private, no-cache");
    return DECLINED;
}

void dashboard_page_register_hooks(apr_pool_t *p)
{
    static const char *const after_headers[] = { "mod_headers.c", NULL };

    (void)p;
    ap_hook_fixups(page_fixups, after_headers, NULL, APR_HOOK_LAST);
}
