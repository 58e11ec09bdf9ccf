/*
 * The three handlers (docs/api.md), one file each, dispatched by
 * mod_dashboard.c on r->handler once the method gate
 * (dashboard_request_gate) has let the request through.
 */
#ifndef MOD_DASHBOARD_HANDLERS_H
#define MOD_DASHBOARD_HANDLERS_H

#include "mod_dashboard_private.h"

int dashboard_handle_accounts(request_rec *r);   /* mod_dashboard_accounts.c */
int dashboard_handle_stats(request_rec *r);      /* mod_dashboard_stats.c */
int dashboard_handle_cache(request_rec *r);      /* mod_dashboard_cache.c */

#endif
