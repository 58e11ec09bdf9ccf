/*
 * mod_dashboard glue: the module record every glue file refers to (for its
 * configuration and for APLOG_USE_MODULE). The glue files are
 * mod_dashboard*.c, their names dashboard_*; the core in src/core/ never sees
 * an httpd header (docs/architecture.md).
 */
#ifndef MOD_DASHBOARD_H
#define MOD_DASHBOARD_H

#include "httpd.h"
#include "http_config.h"
#include "http_log.h"

extern module AP_MODULE_DECLARE_DATA dashboard_module;

/*
 * The module's version (the DASH0001 start-up line, mod_dashboard_build_info
 * of docs/metrics.md). It lives in the first line of debian/changelog
 * alone, and the Makefile passes it to the compiler.
 */
#ifndef DASHBOARD_VERSION
#error "DASHBOARD_VERSION comes from debian/changelog: build with make"
#endif

/*
 * The tag that starts every log message, the way httpd's APLOGNO does:
 * DASHLOGNO(0101) "text" -> "DASH0101: text". Each number is used once
 * (make check) and listed in docs/log-messages.md with what an operator
 * should do. Each glue file has its block of a hundred.
 */
#define DASHLOGNO(n) "DASH" #n ": "

/*
 * A virtual host without a directive of this module gets the main
 * server's configuration record itself, not a copy. Per-child state kept
 * in that record is therefore set up once per record, not once per
 * server_rec walked (dashboard_child_setup skips a record it has seen),
 * and state that belongs to another module's pool is keyed by that
 * module's record (the database gates, by mod_dbd's).
 */

#endif
