#!/usr/bin/env bash
# `make demo` / `make demo-stop`: the dashboard on http://127.0.0.1:8080
# with demo data, over a throw-away Postgres, Redis and Google stand-in.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# Under /tmp: the children (www-data) read the password file at each
# request, which a checkout under /root would not let them.
run=${DASH_DEMO_DIR:-/tmp/mod_dashboard-demo}
port=${DASH_DEMO_PORT:-8080}
export DASH_STACK_DIR=$run/stack
export DASH_PG_PORT=${DASH_DEMO_PG_PORT:-54339}
export DASH_REDIS_PORT=${DASH_DEMO_REDIS_PORT:-63809}
export DASH_GOOGLE_PORT=${DASH_DEMO_GOOGLE_PORT:-18099}
export DASH_CLIENT_ID=demo-client.apps.googleusercontent.com
export DASH_CLIENT_SECRET=demo-secret
export DASH_GOOGLE_SEED=$top/demo/google_seed.json
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

stop() {
    httpd_stop
    "$top/t/stack.sh" stop
}

write_conf() {
    {
        conf_head event "warn dashboard:info" authn_file authz_host status alias dir mime
        cat <<CONF
CustomLog "$run/access_log" "%h %u \"%r\" %>s %b %D"
DashboardOAuthClient $DASH_CLIENT_ID file:$run/oauth-secret

# The dashboard page, under /dashboard/ and so behind the same login, with
# Debian's Chart.js (libjs-chart.js) under it as conf-available/dashboard.conf
# maps it (this Alias first).
TypesConfig /etc/mime.types
Alias /dashboard/ui/vendor/chart.js /usr/share/javascript/chart.js
<Directory /usr/share/javascript/chart.js>
    Options None
    AllowOverride None
    Require all granted
</Directory>
Alias /dashboard/ui "$run/ui"
<Directory "$run/ui">
    Options None
    AllowOverride None
    DirectoryIndex index.html
    Require all granted
</Directory>
# The page's own headers (Content-Security-Policy and the others of
# docs/configuration.md#dashboardpage) and TRACE refused, from the module.
<Location /dashboard/ui>
    DashboardPage On
</Location>

<Location /dashboard/>
    AuthType Basic
    AuthName "mod_dashboard demo"
    AuthBasicProvider file
    AuthUserFile "$run/htpasswd"
    Require valid-user
</Location>

# The counters of docs/metrics.md, for this host only.
<Location /dashboard-metrics>
    SetHandler dashboard-metrics
    Require ip 127.0.0.1
</Location>
<Location /server-status>
    SetHandler server-status
    Require ip 127.0.0.1
</Location>
CONF
        conf_handlers /dashboard
    } >"$run/httpd.conf"
}

start() {
    stop >/dev/null 2>&1 || true
    rm -rf "$run"
    mkdir -p "$run"
    "$top/t/stack.sh" start
    psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DASH_PG_PORT" -U dashboard \
        -d dashboard -f "$top/demo/seed.sql" >/dev/null
    # The children (www-data) read the page: a copy under $run, like the
    # password file below.
    cp -R "$top/ui" "$run/ui"
    printf '%s\n' "$DASH_CLIENT_SECRET" >"$run/oauth-secret"
    chmod 600 "$run/oauth-secret"
    : >"$run/htpasswd"
    for u in han min kim; do
        htpasswd -b -B -C 5 "$run/htpasswd" "$u" demo 2>/dev/null
    done
    write_conf
    httpd_start
    cat <<MSG

mod_dashboard demo is running on http://127.0.0.1:$port

  The dashboard page:  http://127.0.0.1:$port/dashboard/ui/
  Users (password "demo"): han (one channel), min (two channels), kim (none)

  curl -u han:demo http://127.0.0.1:$port/dashboard/accounts
  curl -u han:demo http://127.0.0.1:$port/dashboard/stats
  curl -u han:demo 'http://127.0.0.1:$port/dashboard/stats?mode=day'
  curl -u min:demo http://127.0.0.1:$port/dashboard/stats          # 400: pick a channel
  curl -u min:demo 'http://127.0.0.1:$port/dashboard/stats?platform_user_id=UCdemoMinGames0000003'
  curl -u kim:demo http://127.0.0.1:$port/dashboard/stats          # 404: no channel
  curl -u han:demo -X DELETE http://127.0.0.1:$port/dashboard/cache

Metrics (docs/metrics.md), after a few requests:
  curl -s http://127.0.0.1:$port/dashboard-metrics | grep -v '^#'
  curl -s 'http://127.0.0.1:$port/server-status?auto' | grep ^mod_dashboard_

Logs: $run/error_log   Stop: make demo-stop
MSG
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
