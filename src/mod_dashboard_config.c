/*
 * The directives of docs/configuration.md#directives: the table, the
 * per-server and per-directory records with their merge and defaults, and
 * the per-child Redis pools they describe.
 */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "ap_mpm.h"
#include "apr_lib.h"
#include "apr_strings.h"
#include "apr_uri.h"
#include "apr_file_io.h"

#include "mod_dashboard_config.h"
#include "dash_text.h"

APLOG_USE_MODULE(dashboard);

#define DASHBOARD_DEFAULT_REDIS_TIMEOUT_MS    200
#define DASHBOARD_DEFAULT_CACHE_TTL           43200
#define DASHBOARD_DEFAULT_ANALYTICS_URL \
    "https://youtubeanalytics.googleapis.com/v2/reports"
#define DASHBOARD_DEFAULT_TOKEN_URL           "https://oauth2.googleapis.com/token"
#define DASHBOARD_DEFAULT_UPSTREAM_TIMEOUT_MS 10000
#define DASHBOARD_DEFAULT_MAX_VIDEOS          30
#define DASHBOARD_DEFAULT_STALE_TTL           604800
#define DASHBOARD_DEFAULT_DB_TIMEOUT_MS       3000
#define DASHBOARD_DEFAULT_FETCH_LIMIT         20
#define DASHBOARD_DEFAULT_FETCH_WINDOW        3600
/* YouTube Analytics counts Pacific days (docs/behaviour.md#date-windows). */
#define DASHBOARD_DEFAULT_REPORT_TZ           "America/Los_Angeles"
#define DASHBOARD_DEFAULT_MAX_VALUE_SIZE      1048576

dashboard_srv_cfg_t *dashboard_srv_cfg(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &dashboard_module);
}

const dashboard_dir_cfg_t *dashboard_dir_cfg(const request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &dashboard_module);
}

/* ---- configuration records ------------------------------------------- */

void *dashboard_create_srv_cfg(apr_pool_t *p, server_rec *s)
{
    dashboard_srv_cfg_t *cfg = apr_pcalloc(p, sizeof(*cfg));

    (void)s;
    cfg->redis_timeout_ms = -1;
    cfg->cache_ttl = -1;
    cfg->upstream_timeout_ms = -1;
    cfg->max_videos = -1;
    cfg->stale_ttl = -1;
    cfg->lock_wait_ms = -1;
    cfg->metrics_on = -1;
    cfg->db_timeout_ms = -1;
    cfg->max_upstream = -1;
    cfg->fetch_limit = -1;
    cfg->fetch_window = -1;
    cfg->max_value_size = -1;
    return cfg;
}

#define MERGE_NUM(f) cfg->f = (add->f != -1) ? add->f : base->f
#define MERGE_PTR(f) cfg->f = add->f ? add->f : base->f

/* A vhost inherits every directive it does not set itself. */
void *dashboard_merge_srv_cfg(apr_pool_t *p, void *basev, void *addv)
{
    const dashboard_srv_cfg_t *base = basev, *add = addv;
    dashboard_srv_cfg_t *cfg = apr_pcalloc(p, sizeof(*cfg));

    if (add->redis_set) {
        cfg->redis_set = 1;
        cfg->redis_url = add->redis_url;
        cfg->redis_display = add->redis_display;
    }
    else {
        cfg->redis_set = base->redis_set;
        cfg->redis_url = base->redis_url;
        cfg->redis_display = base->redis_display;
    }
    if (add->sentinel_password) {
        cfg->sentinel_user = add->sentinel_user;
        cfg->sentinel_password = add->sentinel_password;
    }
    else {
        cfg->sentinel_user = base->sentinel_user;
        cfg->sentinel_password = base->sentinel_password;
    }
    MERGE_NUM(redis_timeout_ms);
    MERGE_NUM(cache_ttl);
    MERGE_PTR(analytics_url);
    MERGE_PTR(token_url);
    MERGE_PTR(upstream_ca);
    if (add->client_id) {
        cfg->client_id = add->client_id;
        cfg->client_secret = add->client_secret;
    }
    else {
        cfg->client_id = base->client_id;
        cfg->client_secret = base->client_secret;
    }
    MERGE_NUM(upstream_timeout_ms);
    MERGE_NUM(max_videos);
    MERGE_NUM(stale_ttl);
    MERGE_NUM(lock_wait_ms);
    MERGE_NUM(metrics_on);
    MERGE_NUM(db_timeout_ms);
    MERGE_NUM(max_upstream);
    /* N and SECONDS are one setting: a vhost that gives N alone gets the
     * default window, not its parent's. */
    if (add->fetch_limit != -1) {
        cfg->fetch_limit = add->fetch_limit;
        cfg->fetch_window = add->fetch_window;
    }
    else {
        cfg->fetch_limit = base->fetch_limit;
        cfg->fetch_window = base->fetch_window;
    }
    if (add->report_tz_set) {
        cfg->report_tz_set = 1;
        cfg->report_tz = add->report_tz;
    }
    else {
        cfg->report_tz_set = base->report_tz_set;
        cfg->report_tz = base->report_tz;
    }
    MERGE_NUM(max_value_size);
    return cfg;
}

void *dashboard_create_dir_cfg(apr_pool_t *p, char *dir)
{
    dashboard_dir_cfg_t *cfg = apr_pcalloc(p, sizeof(*cfg));

    (void)dir;
    cfg->cache_admin = -1;
    cfg->page = -1;
    return cfg;
}

void *dashboard_merge_dir_cfg(apr_pool_t *p, void *basev, void *addv)
{
    const dashboard_dir_cfg_t *base = basev, *add = addv;
    dashboard_dir_cfg_t *cfg = apr_pcalloc(p, sizeof(*cfg));

    MERGE_NUM(cache_admin);
    MERGE_NUM(page);
    return cfg;
}

/* Defaults are applied once every vhost is merged (post_config), so an
 * unset value can still be told from one set to the default. */
static void resolve_defaults(dashboard_srv_cfg_t *cfg)
{
    if (cfg->redis_timeout_ms < 0) {
        cfg->redis_timeout_ms = DASHBOARD_DEFAULT_REDIS_TIMEOUT_MS;
    }
    if (cfg->cache_ttl < 0) {
        cfg->cache_ttl = DASHBOARD_DEFAULT_CACHE_TTL;
    }
    if (!cfg->analytics_url) {
        cfg->analytics_url = DASHBOARD_DEFAULT_ANALYTICS_URL;
    }
    if (!cfg->token_url) {
        cfg->token_url = DASHBOARD_DEFAULT_TOKEN_URL;
    }
    if (cfg->upstream_timeout_ms < 0) {
        cfg->upstream_timeout_ms = DASHBOARD_DEFAULT_UPSTREAM_TIMEOUT_MS;
    }
    if (cfg->max_videos < 0) {
        cfg->max_videos = DASHBOARD_DEFAULT_MAX_VIDEOS;
    }
    if (cfg->stale_ttl < 0) {
        cfg->stale_ttl = DASHBOARD_DEFAULT_STALE_TTL;
    }
    if (cfg->metrics_on < 0) {
        cfg->metrics_on = 1;
    }
    if (cfg->db_timeout_ms < 0) {
        cfg->db_timeout_ms = DASHBOARD_DEFAULT_DB_TIMEOUT_MS;
    }
    if (cfg->fetch_limit < 0) {
        cfg->fetch_limit = DASHBOARD_DEFAULT_FETCH_LIMIT;
    }
    if (cfg->fetch_window < 0) {
        cfg->fetch_window = DASHBOARD_DEFAULT_FETCH_WINDOW;
    }
    if (cfg->max_value_size < 0) {
        cfg->max_value_size = DASHBOARD_DEFAULT_MAX_VALUE_SIZE;
    }
    /* The lock holder's worst case, so that waiters do not give up on a
     * holder that is alive and start fetches of their own
     * (docs/configuration.md#dashboardlockwait): a token refresh and the
     * Analytics calls (one DashboardUpstreamTimeout each), the token's
     * write-back (DashboardDBTimeout), the budget's count and the store
     * (one DashboardRedisTimeout each), and a second to spare. */
    if (cfg->lock_wait_ms < 0) {
        cfg->lock_wait_ms = 2 * cfg->upstream_timeout_ms + cfg->db_timeout_ms
                            + 2 * cfg->redis_timeout_ms + 1000;
    }
}

/*
 * The default report zone, read once for every server that did not set
 * one. The tz database is part of every Debian system; should the file
 * still be missing, the days are the server's (as "local") and the error
 * log says so, rather than a site failing to start over a default.
 */
static void resolve_report_tz(server_rec *s)
{
    dash_tz_t *tz = NULL;
    const char *err = NULL;
    int loaded = 0;

    for (; s; s = s->next) {
        dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(s);

        if (cfg->report_tz_set) {
            continue;
        }
        if (!loaded) {
            loaded = 1;
            if (dash_tz_load(&tz, s->process->pconf, DASH_TZ_DIR,
                             DASHBOARD_DEFAULT_REPORT_TZ, &err) != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                             DASHLOGNO(0130) "DashboardReportTimeZone: the "
                             "default zone " DASHBOARD_DEFAULT_REPORT_TZ
                             " cannot be read (%s); counting the server's "
                             "local days instead", err ? err : "?");
                tz = NULL;
            }
        }
        cfg->report_tz = tz;
    }
}

void dashboard_config_resolve(server_rec *s)
{
    server_rec *v;

    for (v = s; v; v = v->next) {
        resolve_defaults(dashboard_srv_cfg(v));
    }
    resolve_report_tz(s);
}

void dashboard_google_settings(dash_google_cfg_t *g,
                               const dashboard_srv_cfg_t *cfg)
{
    g->analytics_url = cfg->analytics_url;
    g->token_url = cfg->token_url;
    g->client_id = cfg->client_id;
    g->client_secret = cfg->client_secret;
    g->timeout = apr_time_from_msec(cfg->upstream_timeout_ms);
    g->metrics = cfg->metrics;
    g->ca_file = cfg->upstream_ca;
    g->agents = cfg->http;
}

/* ---- directives -------------------------------------------------------- */

/*
 * Every message names the directive, so `apachectl configtest` points at
 * the line to fix.
 */
static const char *bad_value(cmd_parms *cmd, const char *arg, const char *why)
{
    return apr_psprintf(cmd->pool, "%s: invalid value '%s': %s",
                        cmd->cmd->name, arg, why);
}

/* Field offsets for the numeric directives, with their bounds. */
typedef struct {
    apr_size_t offset;
    long min, max;
} dashboard_num_directive_t;

#define NUM_DIRECTIVE(field, lo, hi) \
    { APR_OFFSETOF(dashboard_srv_cfg_t, field), (lo), (hi) }

static const dashboard_num_directive_t num_redis_timeout = NUM_DIRECTIVE(redis_timeout_ms, 1, 600000);
static const dashboard_num_directive_t num_cache_ttl = NUM_DIRECTIVE(cache_ttl, 1, 31536000);
static const dashboard_num_directive_t num_upstream_timeout = NUM_DIRECTIVE(upstream_timeout_ms, 1, 600000);
static const dashboard_num_directive_t num_max_videos = NUM_DIRECTIVE(max_videos, 1, 50);
static const dashboard_num_directive_t num_stale_ttl = NUM_DIRECTIVE(stale_ttl, 0, 31536000);
static const dashboard_num_directive_t num_lock_wait = NUM_DIRECTIVE(lock_wait_ms, 0, 600000);
static const dashboard_num_directive_t num_db_timeout = NUM_DIRECTIVE(db_timeout_ms, 1, 600000);
static const dashboard_num_directive_t num_max_upstream = NUM_DIRECTIVE(max_upstream, 1, 100000);

/* Redis's own ceiling on a string. */
static const dashboard_num_directive_t num_max_value_size = NUM_DIRECTIVE(max_value_size, 1, 536870912);

#define FETCH_LIMIT_MAX  1000000
#define FETCH_WINDOW_MAX 2678400           /* 31 days */

static const char *cmd_number(cmd_parms *cmd, void *dconf, const char *arg)
{
    const dashboard_num_directive_t *d = cmd->info;
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(cmd->server);
    long v;

    (void)dconf;
    if (dash_text_number(&v, arg, strlen(arg), d->min, d->max)
        != APR_SUCCESS) {
        return bad_value(cmd, arg, apr_psprintf(cmd->temp_pool,
                         "expected a whole number from %ld to %ld",
                         d->min, d->max));
    }
    *(long *)((char *)cfg + d->offset) = v;
    return NULL;
}

/* DashboardUserFetchLimit N [SECONDS]. */
static const char *cmd_fetch_limit(cmd_parms *cmd, void *dconf,
                                   const char *n, const char *secs)
{
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(cmd->server);
    long limit, window = DASHBOARD_DEFAULT_FETCH_WINDOW;

    (void)dconf;
    if (dash_text_number(&limit, n, strlen(n), 0, FETCH_LIMIT_MAX)
        != APR_SUCCESS) {
        return bad_value(cmd, n, apr_psprintf(cmd->temp_pool,
                         "expected a number of fetches from 0 (unlimited) "
                         "to %d", FETCH_LIMIT_MAX));
    }
    if (secs && dash_text_number(&window, secs, strlen(secs), 1,
                                 FETCH_WINDOW_MAX) != APR_SUCCESS) {
        return bad_value(cmd, secs, apr_psprintf(cmd->temp_pool,
                         "expected a window in seconds from 1 to %d",
                         FETCH_WINDOW_MAX));
    }
    cfg->fetch_limit = limit;
    cfg->fetch_window = window;
    return NULL;
}

static const char *cmd_redis(cmd_parms *cmd, void *dconf, const char *arg)
{
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(cmd->server);
    const char *err;

    (void)dconf;
    cfg->redis_set = 1;
    if (!strcasecmp(arg, "Off")) {
        cfg->redis_url = NULL;
        cfg->redis_display = "Off";
        return NULL;
    }
    cfg->redis_url = apr_pcalloc(cmd->pool, sizeof(*cfg->redis_url));
    err = dash_redis_url_parse(cfg->redis_url, cmd->pool, arg);
    if (err) {
        /* The argument may hold a password: never echo it. */
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    }
    cfg->redis_display = dash_redis_url_redacted(cmd->pool, cfg->redis_url);
    return NULL;
}

static const char *cmd_url(cmd_parms *cmd, void *dconf, const char *arg)
{
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(cmd->server);
    apr_uri_t uri;

    (void)dconf;
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https"))
        || !uri.hostname || !*uri.hostname) {
        return bad_value(cmd, arg, "expected an http:// or https:// URL");
    }
    if (!strcmp(cmd->cmd->name, "DashboardAnalyticsURL")) {
        cfg->analytics_url = arg;
    }
    else {
        cfg->token_url = arg;
    }
    return NULL;
}

/*
 * DashboardUpstreamCA: checked here so that configtest names a file the
 * children could not read, rather than every Google call failing later.
 * A trust store with no certificate in it is as wrong as a missing one.
 */
static const char *cmd_upstream_ca(cmd_parms *cmd, void *dconf,
                                   const char *arg)
{
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(cmd->server);
    const char *full = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;
    apr_file_t *f;
    apr_size_t n;
    char *buf;
    apr_status_t rv;

    (void)dconf;
    if (!full) {
        return bad_value(cmd, arg, "not a valid path");
    }
    rv = apr_file_open(&f, full, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT,
                       cmd->temp_pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
        if (rv == APR_SUCCESS && (fi.size <= 0 || fi.size > 16 * 1024 * 1024)) {
            apr_file_close(f);
            return bad_value(cmd, arg, "not a PEM file of certificates "
                             "(empty or larger than 16 MiB)");
        }
    }
    if (rv == APR_SUCCESS) {
        n = (apr_size_t)fi.size;
        buf = apr_palloc(cmd->temp_pool, n + 1);
        rv = apr_file_read_full(f, buf, n, &n);
        buf[n] = '\0';
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read '%s': %pm",
                            cmd->cmd->name, full, &rv);
    }
    if (!strstr(buf, "-----BEGIN CERTIFICATE-----")) {
        return bad_value(cmd, arg, "no PEM certificate in the file");
    }
    cfg->upstream_ca = full;
    return NULL;
}

/* The first line of a file, for secrets kept out of httpd.conf. */
static const char *read_first_line(cmd_parms *cmd, const char *path,
                                   const char **out)
{
    const char *full = ap_server_root_relative(cmd->temp_pool, path);
    apr_file_t *f;
    char line[4096];
    apr_status_t rv;
    apr_size_t n;

    if (!full) {
        return apr_psprintf(cmd->pool, "%s: invalid secret file path '%s'",
                            cmd->cmd->name, path);
    }
    rv = apr_file_open(&f, full, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT,
                       cmd->temp_pool);
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read secret file '%s': %pm",
                            cmd->cmd->name, full, &rv);
    }
    rv = apr_file_gets(line, sizeof(line), f);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return apr_psprintf(cmd->pool, "%s: cannot read secret file '%s': %pm",
                            cmd->cmd->name, full, &rv);
    }
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) {
        line[--n] = '\0';
    }
    if (n == 0) {
        return apr_psprintf(cmd->pool, "%s: secret file '%s' has an empty "
                            "first line", cmd->cmd->name, full);
    }
    *out = apr_pstrdup(cmd->pool, line);
    return NULL;
}

static const char *cmd_oauth_client(cmd_parms *cmd, void *dconf,
                                    const char *id, const char *secret)
{
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(cmd->server);
    const char *err;

    (void)dconf;
    if (!*id) {
        return apr_psprintf(cmd->pool, "%s: the client ID is empty",
                            cmd->cmd->name);
    }
    if (!strncmp(secret, "file:", 5)) {
        err = read_first_line(cmd, secret + 5, &secret);
        if (err) {
            return err;
        }
    }
    else if (!*secret) {
        return apr_psprintf(cmd->pool, "%s: the client secret is empty",
                            cmd->cmd->name);
    }
    cfg->client_id = id;
    cfg->client_secret = secret;
    return NULL;
}

/* DashboardRedisSentinelAuth [USER] PASSWORD: one argument is the
 * password alone, as with a sentinel's requirepass. */
static const char *cmd_sentinel_auth(cmd_parms *cmd, void *dconf,
                                     const char *a1, const char *a2)
{
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(cmd->server);
    const char *user = a2 ? a1 : NULL;
    const char *password = a2 ? a2 : a1;
    const char *err;

    (void)dconf;
    if (user && !*user) {
        return apr_psprintf(cmd->pool, "%s: the user name is empty",
                            cmd->cmd->name);
    }
    if (!strncmp(password, "file:", 5)) {
        err = read_first_line(cmd, password + 5, &password);
        if (err) {
            return err;
        }
    }
    else if (!*password) {
        return apr_psprintf(cmd->pool, "%s: the password is empty",
                            cmd->cmd->name);
    }
    cfg->sentinel_user = user;
    cfg->sentinel_password = password;
    return NULL;
}

/* A zone of the tz database, read now: an unknown one stops configtest,
 * and no thread ever reads the file (dash_tz.h). */
static const char *cmd_report_tz(cmd_parms *cmd, void *dconf, const char *arg)
{
    dashboard_srv_cfg_t *cfg = dashboard_srv_cfg(cmd->server);
    dash_tz_t *tz = NULL;
    const char *err = NULL;

    (void)dconf;
    if (!strcasecmp(arg, "local")) {
        cfg->report_tz_set = 1;
        cfg->report_tz = NULL;
        return NULL;
    }
    if (dash_tz_load(&tz, cmd->pool, DASH_TZ_DIR, arg, &err) != APR_SUCCESS) {
        return bad_value(cmd, arg, apr_pstrcat(cmd->temp_pool, "not a time "
                         "zone of the tz database (", err ? err : "?",
                         "); give a name such as America/Los_Angeles, or "
                         "local", NULL));
    }
    cfg->report_tz_set = 1;
    cfg->report_tz = tz;
    return NULL;
}

static const char *cmd_cache_admin(cmd_parms *cmd, void *dconf, int flag)
{
    dashboard_dir_cfg_t *cfg = dconf;

    (void)cmd;
    cfg->cache_admin = flag;
    return NULL;
}

static const char *cmd_page(cmd_parms *cmd, void *dconf, int flag)
{
    dashboard_dir_cfg_t *cfg = dconf;

    (void)cmd;
    cfg->page = flag;
    return NULL;
}

static const char *cmd_metrics(cmd_parms *cmd, void *dconf, int flag)
{
    (void)dconf;
    dashboard_srv_cfg(cmd->server)->metrics_on = flag;
    return NULL;
}

const command_rec dashboard_cmds[] = {
    AP_INIT_TAKE1("DashboardRedis", cmd_redis, NULL, RSRC_CONF,
        "redis://[[user]:password@]host[:port][/db], unix:/path[?db=N], "
        "redis-sentinel://[[user]:password@]host1[:port1][,host2[:port2]...]"
        "/MASTER[/db], or Off"),
    AP_INIT_TAKE12("DashboardRedisSentinelAuth", cmd_sentinel_auth, NULL,
        RSRC_CONF, "[USER] PASSWORD (or file:/path holding it) for the "
        "sentinels of a redis-sentinel:// DashboardRedis"),
    AP_INIT_TAKE1("DashboardRedisTimeout", cmd_number,
        (void *)&num_redis_timeout, RSRC_CONF,
        "Redis connect, command and pooled-connection wait timeout, in "
        "milliseconds (default 200)"),
    AP_INIT_TAKE1("DashboardCacheTTL", cmd_number, (void *)&num_cache_ttl,
        RSRC_CONF, "Seconds a cached stats response is fresh (default 43200)"),
    AP_INIT_TAKE1("DashboardAnalyticsURL", cmd_url, NULL, RSRC_CONF,
        "YouTube Analytics reports.query endpoint"),
    AP_INIT_TAKE1("DashboardTokenURL", cmd_url, NULL, RSRC_CONF,
        "OAuth 2.0 token endpoint"),
    AP_INIT_TAKE2("DashboardOAuthClient", cmd_oauth_client, NULL, RSRC_CONF,
        "OAuth client ID and secret (or file:/path holding the secret)"),
    AP_INIT_TAKE1("DashboardUpstreamTimeout", cmd_number,
        (void *)&num_upstream_timeout, RSRC_CONF,
        "Deadline of the token refresh, and of the Analytics calls "
        "together, in milliseconds (default 10000)"),
    AP_INIT_TAKE1("DashboardMaxVideos", cmd_number, (void *)&num_max_videos,
        RSRC_CONF, "Most recent uploads passed to the Analytics API, 1-50 (default 30)"),
    AP_INIT_FLAG("DashboardPage", cmd_page, NULL, ACCESS_CONF,
        "Whether this Location serves the dashboard page: its security "
        "headers and Cache-Control, and TRACE answered 405 (default Off)"),
    AP_INIT_FLAG("DashboardCacheAdmin", cmd_cache_admin, NULL, ACCESS_CONF,
        "Whether DELETE of the cache here may purge other users' entries"),
    AP_INIT_TAKE1("DashboardStaleTTL", cmd_number, (void *)&num_stale_ttl,
        RSRC_CONF, "Seconds past DashboardCacheTTL a stored response is kept "
        "and may be answered stale, 0 = never (default 604800)"),
    AP_INIT_TAKE1("DashboardReportTimeZone", cmd_report_tz, NULL, RSRC_CONF,
        "Time zone whose calendar days the date windows count: a zone of "
        "the tz database, or local for the server's (default "
        "America/Los_Angeles, YouTube Analytics' days)"),
    AP_INIT_TAKE1("DashboardUpstreamCA", cmd_upstream_ca, NULL, RSRC_CONF,
        "PEM file of the only trust anchors for the Google calls, instead "
        "of the system's trust store (default: the system's)"),
    AP_INIT_TAKE1("DashboardLockWait", cmd_number, (void *)&num_lock_wait,
        RSRC_CONF, "Longest wait for another request's fetch of the same "
        "answer, in milliseconds, 0 = no wait (default 2 x "
        "DashboardUpstreamTimeout + DashboardDBTimeout + 2 x "
        "DashboardRedisTimeout + 1000: the holder's worst case)"),
    AP_INIT_FLAG("DashboardMetrics", cmd_metrics, NULL, RSRC_CONF,
        "Whether this server's requests are counted (docs/metrics.md; "
        "default On)"),
    AP_INIT_TAKE1("DashboardDBTimeout", cmd_number, (void *)&num_db_timeout,
        RSRC_CONF, "Longest wait for one database statement, and for another "
        "request opening a connection, in milliseconds (default 3000)"),
    AP_INIT_TAKE1("DashboardMaxUpstream", cmd_number,
        (void *)&num_max_upstream, RSRC_CONF, "Most requests of one child "
        "waiting on Google at once (default half the child's threads, at "
        "least 1)"),
    AP_INIT_TAKE12("DashboardUserFetchLimit", cmd_fetch_limit, NULL,
        RSRC_CONF, "Google fetches one user may cause per window, across "
        "every host sharing the Redis, and the window in seconds; 0 = "
        "unlimited (default 20 3600)"),
    AP_INIT_TAKE1("DashboardMaxValueSize", cmd_number,
        (void *)&num_max_value_size, RSRC_CONF, "Largest cached value read, "
        "in bytes; a larger one is a miss, never read nor parsed "
        "(default 1048576)"),
    { NULL, { NULL }, NULL, 0, RAW_ARGS, NULL }
};
