/*
 * The counters of docs/metrics.md, seen from httpd: their shared memory,
 * the dashboard-metrics handler and mod_status's page. Counting itself
 * is the core's (src/core/dash_metrics.c), through each server's
 * dashboard_srv_cfg_t.metrics.
 */
#ifndef MOD_DASHBOARD_METRICS_H
#define MOD_DASHBOARD_METRICS_H

#include "mod_dashboard_private.h"

/*
 * post_config: creates the block (anonymous shared memory on pconf) when
 * any server has DashboardMetrics On, and points those servers' records
 * at it. The children inherit it when they are forked; a restart creates
 * a new one (the counters start over).
 */
int dashboard_metrics_post_config(apr_pool_t *pconf, server_rec *s);

/* SetHandler dashboard-metrics: GET and HEAD, the Prometheus text format. */
int dashboard_handle_metrics(request_rec *r);

/* mod_status's status_hook, if mod_status is loaded. */
void dashboard_metrics_register_hooks(apr_pool_t *p);

#endif
