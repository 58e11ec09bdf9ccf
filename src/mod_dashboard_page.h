/*
 * Security headers on the API's answers and on the dashboard page
 * (docs/api.md#headers, docs/configuration.md#dashboardpage).
 */
#ifndef MOD_DASHBOARD_PAGE_H
#define MOD_DASHBOARD_PAGE_H

#include "mod_dashboard_private.h"

/* X-Content-Type-Options, Content-Security-Policy and Referrer-Policy of
 * an API answer, kept on error answers too. */
void dashboard_page_api_headers(request_rec *r);

/* Whether r's Location says DashboardPage On. */
int dashboard_page_marked(request_rec *r);

void dashboard_page_register_hooks(apr_pool_t *p);

#endif
