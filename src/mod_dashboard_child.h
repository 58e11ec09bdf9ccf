/*
 * The per-child set-up of every server's record (src/mod_dashboard_child.c).
 */
#ifndef MOD_DASHBOARD_CHILD_H
#define MOD_DASHBOARD_CHILD_H

#include "mod_dashboard_private.h"

/* From child_init: the memo, the Google connections, the fetch budget,
 * DashboardMaxUpstream's default and the Redis pools of every server. */
void dashboard_child_setup(apr_pool_t *pchild, server_rec *s);

#endif
