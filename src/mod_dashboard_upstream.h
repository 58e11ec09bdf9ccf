/*
 * The bulkhead in front of Google (docs/behaviour.md#protecting-the-host-site):
 * at most DashboardMaxUpstream requests of a child wait on Google at once,
 * so a slow Google never holds every worker of the site; past the limit a
 * request answers its expired value if it has one, else 503.
 */
#ifndef MOD_DASHBOARD_UPSTREAM_H
#define MOD_DASHBOARD_UPSTREAM_H

#include "mod_dashboard_private.h"

#include "mod_dashboard_config.h"

/*
 * Takes one of the child's upstream slots for r, given back when r's pool
 * goes (or earlier with dashboard_upstream_leave). 0 when all
 * cfg->max_upstream are taken: the caller answers without calling Google.
 */
int dashboard_upstream_enter(request_rec *r, const dashboard_srv_cfg_t *cfg);

/* Gives r's slot back now, once its Google calls are over. */
void dashboard_upstream_leave(request_rec *r);

/* Logs that r, past the limit, answers channel's expired value instead
 * (the caller answers it). */
void dashboard_upstream_busy_stale(request_rec *r,
                                   const dashboard_srv_cfg_t *cfg,
                                   const char *channel);

/* Answers 503 UPSTREAM_BUSY with a Retry-After of the longest a slot's
 * holder takes while the database accepts connections. */
int dashboard_upstream_busy(request_rec *r, const dashboard_srv_cfg_t *cfg);

#endif
