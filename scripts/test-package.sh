#!/usr/bin/env bash
# make test-package: the Debian package for real, as root, on this
# machine's Debian apache2. Builds the .deb (make deb, lintian included)
# and a second one with a higher version; installs the first with apt;
# follows docs/operations.md#installing step by step (the database, the
# role with exactly its grants, the auth file, the conf edits,
# a2enmod/a2enconf, configtest, reload); expects 200s from accounts,
# stats, the page and its Chart.js; upgrades under a steady request loop
# (no failed request, the edited conf kept, the new module serving);
# removes (Apache starts clean) and purges (no file of the package left).
# Prints TAP; fails on any "not ok".
#
# Apache runs as an instance of its own: APACHE_CONFDIR points apache2ctl
# at a folder whose apache2.conf, mods-* and conf-* are /etc/apache2's
# (so the package's files and a2enmod/a2enconf act on it as on the
# system's) but whose ports.conf, envvars, pid file and logs are its own.
# The system's apache2 is never started, stopped or reloaded: for the
# length of the test /usr/sbin/policy-rc.d sends the package scripts'
# apache2 reload or restart to this instance instead and answers "not
# allowed" for the system's service; anything else it hands to the
# original policy-rc.d. Postgres, Redis and the Google stand-in are
# throw-away ones on loopback. Everything is put back as it was at the
# end, which the last test checks.
#   DASH_PKG_HTTPD_PORT, DASH_PKG_PG_PORT, DASH_PKG_REDIS_PORT,
#   DASH_PKG_GOOGLE_PORT: the ports (default: free ones, picked at start)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

pkg=libapache2-mod-dashboard
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=${DASH_PKG_HTTPD_PORT:-$(free_port)}
pg_port=${DASH_PKG_PG_PORT:-$(free_port)}
redis_port=${DASH_PKG_REDIS_PORT:-$(free_port)}
google_port=${DASH_PKG_GOOGLE_PORT:-$(free_port)}
client_id=test-client.apps.googleusercontent.com
client_secret=test-client-secret
# The user of docs/operations.md's examples, and a channel of theirs.
user=0b6f6a1e-5a4c-4f00-9d3b-2f1c6e7a8d90
password=pkg-test-password
channel=UCpackageTest000000001
policy=/usr/sbin/policy-rc.d
authfile=/etc/apache2/dashboard.htpasswd
opsfile=/etc/apache2/dashboard-ops.htpasswd
secretfile=/etc/apache2/dashboard-oauth-secret
modconf=/etc/apache2/mods-available/dashboard.conf
broken=/etc/apache2/conf-enabled/zz-dashboard-test-broken.conf

die() { echo "test-package: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root (apt, /etc/apache2)"
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -Eq 'installed|config-files'; then
    die "$pkg is already on this machine: not touching it"
fi
for f in "$authfile" "$opsfile" "$secretfile" "$broken" /etc/apache2/mods-available/dashboard.load "$modconf" \
         /etc/apache2/conf-available/dashboard.conf; do
    [ ! -e "$f" ] || die "$f exists (an install from source?): not touching it"
done
if dpkg-statoverride --list "$modconf" >/dev/null 2>&1; then
    die "a statoverride for $modconf is left from an earlier install: not touching it"
fi
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || die "no PostgreSQL server binaries (scripts/deps.sh package)"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { # description, command...
    local what=$1; shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}
diag() { sed 's/^/#   /'; }
t0=$(date +%s)
mark() { echo "# $(( $(date +%s) - t0 )) s: $*"; }

# What the test may change and must put back: /etc/apache2 and apache2's
# module state (files, links, owners, modes, contents), dpkg's
# statoverrides, policy-rc.d.
snapshot() {
    find /etc/apache2 /var/lib/apache2 -printf '%p %y %m %u:%g %l\n' 2>/dev/null | sort
    find /etc/apache2 -type f -exec md5sum {} + 2>/dev/null | sort -k 2
    dpkg-statoverride --list | sort
    md5sum "$policy" 2>/dev/null || echo "no $policy"
}

work=$(mktemp -d /tmp/mod_dashboard-pkg.XXXXXX)
chmod 755 "$work"
inst=$work/apache2
snapshot >"$work/before"
dbd_before=$(a2query -m dbd >/dev/null 2>&1 && echo on || echo off)

# ---- the throw-away services --------------------------------------------

export PGHOST=127.0.0.1 PGPORT=$pg_port PGUSER=postgres
httpd_pids() { # the instance's parent and its children
    local pid
    pid=$(cat "$inst/run/apache2.pid" 2>/dev/null) || return 0
    echo "$pid"; pgrep -P "$pid" || true
}
instance() { APACHE_CONFDIR=$inst APACHE_STARTED_BY_SYSTEMD=1 apache2ctl "$@"; }

cleanup() {
    set +e
    [ -n "${deb2_build:-}" ] && kill -- -"$deb2_build" 2>/dev/null
    [ -f "$work/policy.orig" ] && cp -p "$work/policy.orig" "$policy"
    [ -f "$work/policy.none" ] && rm -f "$policy"
    [ -f "$inst/run/apache2.pid" ] && instance stop >/dev/null 2>&1
    for _ in $(seq 1 50); do [ -f "$inst/run/apache2.pid" ] || break; sleep 0.1; done
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -Eq 'installed|config-files'; then
        apt-get purge -y -qq -o DPkg::Lock::Timeout=300 "$pkg" >/dev/null 2>&1
    fi
    rm -f "$authfile" "$opsfile" "$secretfile" "$broken"
    [ "$dbd_before" = off ] && a2query -m dbd >/dev/null 2>&1 && a2dismod -q -f -p dbd >/dev/null 2>&1
    [ -f "$work/google.pid" ] && kill "$(cat "$work/google.pid")" 2>/dev/null
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
    [ -d "$work/pg/data" ] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/pg" && chown postgres: "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 \
    --locale=C.UTF-8 >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; exit 1; }
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/server.log" -w \
    -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$work" --pidfile "$work/redis.pid" --logfile "$work/redis.log"
/usr/bin/python3 t/standin/google_standin.py --port "$google_port" --client-id "$client_id" \
    --client-secret "$client_secret" >"$work/google.log" 2>&1 &
echo $! >"$work/google.pid"
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$google_port/_control/health" >/dev/null \
        && redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
done

# ---- the two packages ----------------------------------------------------

mark "make deb"
# (The unit tests that the package build runs are make check's already.)
DEB_BUILD_OPTIONS=nocheck make --no-print-directory deb >"$work/deb.log" 2>&1 || { cat "$work/deb.log"; exit 1; }
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb1=$top/${pkg}_${version}_${arch}.deb
grep -q '^lintian: no error, no warning' "$work/deb.log" \
    && ok "make deb: $(basename "$deb1"), lintian: no error, no warning" \
    || not_ok "make deb: lintian did not run or complained"

# The same sources with a higher version, and a changed module conf, so
# that dpkg meets an edited conffile the new package changes too.
version2=$version+pkgtest1
mark "the upgrade's package, $version2, built meanwhile"
cp -a build/deb/src "$work/deb2"
(
    cd "$work/deb2"
    { printf '%s (%s) unstable; urgency=medium\n\n  * The upgrade test'"'"'s build.\n\n -- %s  %s\n\n' \
          "$pkg" "$version2" "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
      cat debian/changelog; } >debian/changelog.new
    mv debian/changelog.new debian/changelog
    echo '# (the upgrade test'"'"'s build)' >>conf/mods-available/dashboard.conf
)
# In a session of its own, so that the cleanup can stop all of it.
DEB_BUILD_OPTIONS=nocheck setsid nice bash -c 'cd "$1" && exec dpkg-buildpackage -b -us -uc' \
    _ "$work/deb2" >"$work/deb2.log" 2>&1 &
deb2_build=$!
deb2=$work/${pkg}_${version2}_${arch}.deb

# ---- the instance, before the package -----------------------------------

mkdir -p "$inst/sites-enabled" "$inst/log"
ln -s /etc/apache2/apache2.conf "$inst/apache2.conf"
for d in mods-available mods-enabled conf-available conf-enabled sites-available magic; do
    [ -e "/etc/apache2/$d" ] && ln -s "/etc/apache2/$d" "$inst/$d"
done
printf 'Listen 127.0.0.1:%s\n' "$port" >"$inst/ports.conf"
printf 'ServerName 127.0.0.1\n' >"$inst/sites-enabled/local.conf"
cat >"$inst/envvars" <<EOF
unset HOME
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=$inst/run/apache2.pid
export APACHE_RUN_DIR=$inst/run
export APACHE_LOCK_DIR=$inst/lock
export APACHE_LOG_DIR=$inst/log
export LANG=C
export LANG
EOF
instance start >"$work/start.log" 2>&1 || { cat "$work/start.log" "$inst/log/error.log"; exit 1; }

url=http://127.0.0.1:$port
# The status of a request, 000 when there is none (curl says why in its
# exit status, e.g. 52 for a connection closed without an answer).
code() { curl -s -o /dev/null -w '%{http_code}' -u "$user:$password" "$@" || true; }
# Waits until URL answers CODE (a reload is asynchronous), 30 s at most.
wait_code() { # code url
    for _ in $(seq 1 300); do
        [ "$(code "$2")" = "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
wait_code 404 "$url/dashboard/accounts" || { echo "the instance does not answer"; exit 1; }
configtest_before=$(apache2ctl configtest 2>&1)

# The package scripts' reload or restart of apache2, on this instance.
if [ -e "$policy" ]; then cp -p "$policy" "$work/policy.orig"; else touch "$work/policy.none"; fi
cat >"$policy.dashboard-test" <<EOF
#!/bin/sh
# Written by mod_dashboard's scripts/test-package.sh for the length of
# the test, and put back when it ends: apache2's reload or restart goes to
# the test's own instance, never to the system's service.
id=; act=
for a; do
    case \$a in --quiet|--list) ;; *) if [ -z "\$id" ]; then id=\$a; elif [ -z "\$act" ]; then act=\$a; fi ;; esac
done
if [ "\$id" = apache2 ] && [ -f "$inst/envvars" ]; then
    act=\$(echo "\$act" | tr -d '()')
    echo "\$act" >>"$work/rcd.log"
    case \$act in
        reload|force-reload) APACHE_CONFDIR=$inst apache2ctl graceful >>"$work/rcd.out" 2>&1 ;;
        restart) APACHE_CONFDIR=$inst apache2ctl restart >>"$work/rcd.out" 2>&1 ;;
    esac
    exit 101
fi
if [ -x "$work/policy.orig" ]; then exec "$work/policy.orig" "\$@"; fi
exit 0
EOF
chmod 755 "$policy.dashboard-test"
mv -f "$policy.dashboard-test" "$policy"

apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

# ---- 1. the package --------------------------------------------------------

mark "apt install $(basename "$deb1")"
apt_get install "$deb1" >"$work/apt1.log" 2>&1 || { cat "$work/apt1.log"; exit 1; }
dpkg -L "$pkg" | while read -r f; do [ -d "$f" ] || echo "$f"; done >"$work/files"
check "installed: the module, its two conf files, the conf-available Locations, the page, schema.sql" \
    test -f /usr/lib/apache2/modules/mod_dashboard.so -a -f /etc/apache2/mods-available/dashboard.load \
    -a -f "$modconf" -a -f /etc/apache2/conf-available/dashboard.conf \
    -a -f /usr/share/mod_dashboard/ui/index.html \
    -a -f /usr/share/doc/$pkg/schema.sql
check "every file of ui/ is in the package's page" \
    sh -c 'for f in ui/*; do cmp -s "$f" "/usr/share/mod_dashboard/$f" || exit 1; done'
check "dashboard.load says '# Depends: dbd'" grep -qx '# Depends: dbd' /etc/apache2/mods-available/dashboard.load
check "the page's Chart.js is Debian's, not a copy" \
    sh -c '! grep -rl "Chart.js v" /usr/share/mod_dashboard && dpkg -s '"$pkg"' | grep -q "^Depends:.*libjs-chart.js"'
# What the package pulls in, all the way down: runtime libraries, no
# compiler, no Node, no database or Redis server, no browser.
deps=$(dpkg-query -W -f='${Depends}' "$pkg" | tr ',|' '\n\n' | sed 's/(.*)//; s/ //g' | grep .)
# shellcheck disable=SC2086
closure=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances $deps 2>/dev/null | grep -v '^ ' | tr -d '<>' | sort -u)
heavy=$(grep -xE 'gcc(-[0-9]+)?|cpp(-[0-9]+)?|g\+\+(-[0-9]+)?|clang(-[0-9]+)?|make|build-essential|nodejs|npm|postgresql(-[0-9]+)?|redis-server|chromium' \
    <<<"$closure" || true)
check "its dependencies, all the way down ($(wc -l <<<"$closure") packages): no compiler, Node, Postgres or Redis server, browser" \
    test -z "$heavy"
[ -z "$heavy" ] || echo "$heavy" | diag
check "the module's conf is 0640 root:www-data" \
    test "$(stat -c '%a %U:%G' "$modconf")" = "640 root:www-data"
check "the install enabled the module and mod_dbd, not the Locations" \
    sh -c 'a2query -m dashboard >/dev/null && a2query -m dbd >/dev/null && ! a2query -c dashboard >/dev/null 2>&1'
check "the install asked for a graceful reload, not a restart" test "$(cat "$work/rcd.log" 2>/dev/null)" = reload
configtest_after=$(apache2ctl configtest 2>&1)
if [ "$configtest_after" = "$configtest_before" ]; then
    ok "configtest with the module enabled: as before, no new warning"
else
    not_ok "configtest with the module enabled: as before, no new warning"
    { echo "before:"; echo "$configtest_before"; echo "after:"; echo "$configtest_after"; } | diag
fi
wait_code 404 "$url/dashboard/accounts" || true
sleep 1
check "the module enabled alone changes no answer (/dashboard/accounts still 404)" \
    test "$(code "$url/dashboard/accounts")" = 404
# Every established TCP connection of the instance's processes: none, so
# no database, Redis or Google connection was opened.
conns=$(ss -Htnp state established 2>/dev/null | grep -E "pid=($(httpd_pids | paste -sd '|'))," || true)
check "the module enabled alone opens no connection" test -z "$conns"
[ -z "$conns" ] || echo "$conns" | diag
check "no warning from the module or mod_dbd in the error log" \
    sh -c "! grep -E '\\[(dashboard|dbd):(warn|error|crit|alert|emerg)\\]' '$inst/log/error.log'"

# ---- 2. the database (docs/operations.md#2-the-database) -----------------

psql -q -d postgres -c 'CREATE DATABASE site' >/dev/null
psql -q -v ON_ERROR_STOP=1 -d site -f /usr/share/doc/$pkg/schema.sql >/dev/null
role_sql=$(perl -0ne 'print $1 if /```sql\n(CREATE ROLE dashboard .*?)```/s' docs/operations.md)
case $role_sql in *"GRANT SELECT"*) ;; *) echo "no CREATE ROLE in docs/operations.md"; exit 1 ;; esac
printf '%s\n' "$role_sql" | sed "s/PASSWORD '[^']*'/PASSWORD 'db-password'/" \
    | psql -q -v ON_ERROR_STOP=1 -d site >/dev/null
# The site's own rows: a user with one channel and uploads in both windows.
psql -q -v ON_ERROR_STOP=1 -d site >/dev/null <<SQL
INSERT INTO social_account (user_uuid, platform, platform_user_id, platform_username,
    platform_data, access_token, refresh_token, token_expires_at, connected_at)
VALUES ('$user', 'youtube', '$channel', 'package test', '{"channel_title": "Package test"}',
    'ya29.pkg-test', '1//pkg-test', LOCALTIMESTAMP + interval '1 hour', '2026-01-01 00:00:00');
INSERT INTO dashboard (user_uuid, platform, platform_user_id, platform_video_id, title, uploaded_at)
SELECT '$user', 'youtube', '$channel', 'pkgVideo' || i, 'Video ' || i,
       LOCALTIMESTAMP - i * interval '9 days'
FROM generate_series(1, 12) AS i;
SQL
curl -sf -X POST -H 'Content-Type: application/json' \
    -d "{\"access_token\": \"ya29.pkg-test\", \"channel\": \"$channel\"}" \
    "http://127.0.0.1:$google_port/_control/token" >/dev/null

# ---- 3. the auth file ------------------------------------------------------

# (htpasswd asks for the password; -b takes it from the command line here.)
htpasswd -c -B -b "$authfile" "$user" "$password" 2>/dev/null
chown root:www-data "$authfile"
chmod 0640 "$authfile"

# ---- 4. the settings ---------------------------------------------------------

(umask 077; printf '%s\n' "$client_secret" >"$secretfile")
chown root:root "$secretfile"
sed -i \
    -e 's|^#DBDriver pgsql$|DBDriver pgsql|' \
    -e "s|^#DBDParams \".*\"\$|DBDParams \"host=127.0.0.1 port=$pg_port dbname=site user=dashboard password=db-password connect_timeout=2\"|" \
    -e "s|^#DashboardRedis redis://.*\$|DashboardRedis redis://127.0.0.1:$redis_port/0|" \
    -e "s|^#DashboardOAuthClient .*\$|DashboardOAuthClient $client_id file:$secretfile|" \
    -e "s|^#DashboardAnalyticsURL .*\$|DashboardAnalyticsURL http://127.0.0.1:$google_port/v2/reports|" \
    -e "s|^#DashboardTokenURL .*\$|DashboardTokenURL http://127.0.0.1:$google_port/token|" \
    "$modconf"
# Beyond the guide: the upgrade's request loop purges and fetches again
# and again as one user, which the default fetch budget would answer 429.
sed -i 's|^#DashboardUserFetchLimit .*$|DashboardUserFetchLimit 0|' "$modconf"
check "the conf edits took (7 lines)" \
    test "$(grep -cE '^(DBDriver|DBDParams|DashboardRedis|DashboardOAuthClient|DashboardAnalyticsURL|DashboardTokenURL|DashboardUserFetchLimit) ' "$modconf")" = 7

# ---- 5. the Locations, the check, the reload ---------------------------------

# The operators' purge Location of the example, with its own auth file:
# a directive of the module (DashboardCacheAdmin) among the Locations.
sed -i '/^#<Location \/admin\/dashboard\/cache>$/,/^#<\/Location>$/s/^#//' \
    /etc/apache2/conf-available/dashboard.conf
htpasswd -c -B -b "$opsfile" operator "$password" 2>/dev/null
chown root:www-data "$opsfile"
chmod 0640 "$opsfile"
mark "docs/operations.md's steps 2 to 5 done"
a2enmod -q dashboard >/dev/null
a2enconf -q dashboard >/dev/null
if apache2ctl configtest >"$work/configtest.log" 2>&1; then ok "apache2ctl configtest"
else not_ok "apache2ctl configtest"; diag <"$work/configtest.log"; fi
# systemctl reload apache2, for this instance:
instance graceful >/dev/null 2>&1
check "accounts: 200" wait_code 200 "$url/dashboard/accounts"
body=$(curl -s -u "$user:$password" "$url/dashboard/accounts")
check "accounts: the user's channel" grep -q "$channel" <<<"$body"
check "stats (month): 200" test "$(code "$url/dashboard/stats?mode=month")" = 200
check "stats (day): 200" test "$(code "$url/dashboard/stats?mode=day")" = 200
check "the operators' purge: 200" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -u "operator:$password" -X DELETE "$url/admin/dashboard/cache?mode=all")" = 200
check "no password: 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$url/dashboard/accounts")" = 401
check "the page: 200" test "$(code "$url/dashboard/ui/")" = 200
check "the page's Chart.js (libjs-chart.js): 200, Chart.js 3" \
    sh -c "curl -sf -u '$user:$password' '$url/dashboard/ui/vendor/chart.js/chart.min.js' | head -c 200 | grep -q 'Chart.js v3'"
build_info() { curl -s "$url/dashboard-metrics" | sed -n 's/^mod_dashboard_build_info{version="\([^"]*\)"} 1$/\1/p'; }
check "build_info says $version" test "$(build_info)" = "$version"

# ---- upgrade under a steady request loop ---------------------------------

wait "$deb2_build" || { tail -n 30 "$work/deb2.log"; exit 1; }
deb2_build=
[ -f "$deb2" ] || { echo "no $deb2"; exit 1; }
loop() { # file
    local c
    while [ ! -f "$work/stop" ]; do
        c=$(code "$url/dashboard/stats?mode=month"); echo "$c" >>"$1"
        c=$(code "$url/dashboard/accounts"); echo "$c" >>"$1"
    done
}
# Misses that wait on a slow Google (each of its answers 600 ms late):
# in flight for long, so a restart instead of a graceful reload would cut
# some of them.
slow_loop() { # file
    local c
    while [ ! -f "$work/stop" ]; do
        c=$(code -X DELETE "$url/dashboard/cache?mode=day"); echo "$c" >>"$1"
        c=$(code "$url/dashboard/stats?mode=day"); echo "$c" >>"$1"
    done
}
curl -sf -X POST -H 'Content-Type: application/json' -d '{"ms": 600}' \
    "http://127.0.0.1:$google_port/_control/delay" >/dev/null
loop "$work/codes1" & loop1=$!
loop "$work/codes2" & loop2=$!
slow_loop "$work/codes3" & loop3=$!
sleep 1
: >"$work/rcd.log"
mark "apt install $(basename "$deb2"), under two request loops"
apt_get install "$deb2" >"$work/apt2.log" 2>&1 || { cat "$work/apt2.log"; touch "$work/stop"; exit 1; }
for _ in $(seq 1 100); do [ "$(build_info)" = "$version2" ] && break; sleep 0.1; done
sleep 2
touch "$work/stop"
wait "$loop1" "$loop2" "$loop3" || true
cat "$work/codes1" "$work/codes2" "$work/codes3" >"$work/codes"
total=$(grep -c . "$work/codes")
bad=$(grep -vc '^200$' "$work/codes" || true)
check "upgrade: $total requests during it, 0 failed ($bad not 200)" test "$bad" = 0 -a "$total" -ge 20
[ "$bad" = 0 ] || sort "$work/codes" | uniq -c | diag
check "upgrade: a graceful reload, not a restart" test "$(cat "$work/rcd.log")" = reload
check "upgrade: the new module serves (build_info says $version2)" test "$(build_info)" = "$version2"
check "upgrade: the edited conf kept" grep -q "^DBDParams \"host=127.0.0.1 port=$pg_port dbname=site" "$modconf"
check "upgrade: the package's new conf beside it (.dpkg-dist)" test -f "$modconf.dpkg-dist"
check "upgrade: the edited Locations kept (the operators' purge enabled)" \
    grep -q '^<Location /admin/dashboard/cache>$' /etc/apache2/conf-available/dashboard.conf
check "upgrade: the conf still 0640 root:www-data" test "$(stat -c '%a %U:%G' "$modconf")" = "640 root:www-data"
check "upgrade: the Locations still enabled" sh -c 'a2query -c dashboard >/dev/null' 
check "upgrade: stats still 200" test "$(code "$url/dashboard/stats?mode=month")" = 200

# ---- a configuration already broken ----------------------------------------

# The package's scripts must not reload (or restart) Apache into a
# configuration that fails configtest: the running server goes on.
echo 'ThisIsNotADirective of a broken site' >"$broken"
: >"$work/rcd.log"
mark "apt install --reinstall $(basename "$deb2"), the site's configuration broken"
apt_get install --reinstall "$deb2" >"$work/apt5.log" 2>&1 || { cat "$work/apt5.log"; exit 1; }
rm -f "$broken"
check "broken configuration: no reload or restart asked for" test ! -s "$work/rcd.log"
check "broken configuration: the package says so" grep -q 'Your configuration is broken' "$work/apt5.log"
check "broken configuration: the running server still answers (stats 200)" \
    test "$(code "$url/dashboard/stats?mode=month")" = 200

# ---- the module disabled by hand -------------------------------------------

a2dismod -q dashboard >/dev/null
check "a2dismod dashboard alone (the Locations still enabled): configtest passes" \
    sh -c 'apache2ctl configtest >/dev/null 2>&1'
a2enmod -q dashboard >/dev/null

# ---- remove --------------------------------------------------------------------

mark "apt remove $pkg"
apt_get remove "$pkg" >"$work/apt3.log" 2>&1 || { cat "$work/apt3.log"; exit 1; }
check "remove: the module is gone, the edited conf files stay" \
    test ! -e /usr/lib/apache2/modules/mod_dashboard.so -a -f "$modconf" -a -f /etc/apache2/conf-available/dashboard.conf
check "remove: module and Locations disabled" \
    sh -c '! a2query -m dashboard >/dev/null 2>&1 && ! a2query -c dashboard >/dev/null 2>&1'
check "remove: apache2ctl configtest passes" sh -c 'apache2ctl configtest >/dev/null 2>&1' 
instance stop >/dev/null 2>&1 || true
for _ in $(seq 1 300); do [ -f "$inst/run/apache2.pid" ] || break; sleep 0.1; done
: >"$inst/log/error.log"
instance start >"$work/start2.log" 2>&1 || true
if wait_code 404 "$url/dashboard/accounts"; then ok "remove: Apache starts"
else not_ok "remove: Apache starts"; cat "$work/start2.log" "$inst/log/error.log" | tail -n 20 | diag; fi
check "remove: a clean start (no error or warning in the log)" \
    sh -c "! grep -E '\\[[a-z_]+:(warn|error|crit|alert|emerg)\\]' '$inst/log/error.log'"
grep -E '\[[a-z_]+:(warn|error|crit|alert|emerg)\]' "$inst/log/error.log" | diag || true

# ---- purge ---------------------------------------------------------------------

mark "apt purge $pkg"
apt_get purge "$pkg" >"$work/apt4.log" 2>&1 || { cat "$work/apt4.log"; exit 1; }
left=$(while read -r f; do [ -e "$f" ] && echo "$f"; done <"$work/files"; \
       find /etc/apache2 /var/lib/apache2 -name 'dashboard*' 2>/dev/null | grep -v "^$authfile\$\|^$opsfile\$\|^$secretfile\$" || true)
check "purge: no file of the package left" test -z "$left"
[ -z "$left" ] || echo "$left" | diag
check "purge: the statoverride is gone" sh -c "! dpkg-statoverride --list '$modconf' >/dev/null"

# ---- the machine as it was -------------------------------------------------------

instance stop >/dev/null 2>&1 || true
for _ in $(seq 1 300); do [ -f "$inst/run/apache2.pid" ] || break; sleep 0.1; done
rm -f "$authfile" "$opsfile" "$secretfile"
if [ "$dbd_before" = off ]; then a2dismod -q -f -p dbd >/dev/null 2>&1 || true; fi
if [ -f "$work/policy.orig" ]; then cp -p "$work/policy.orig" "$policy"; rm -f "$work/policy.orig"; fi
if [ -f "$work/policy.none" ]; then rm -f "$policy" "$work/policy.none"; fi
# a2enmod and a2dismod leave the folders of their state behind.
find /etc/apache2 /var/lib/apache2 -type d -printf '%p d\n' | sort -r | while read -r d _; do
    grep -q "^$d d " "$work/before" || rmdir "$d" 2>/dev/null || true
done
snapshot >"$work/after"
if cmp -s "$work/before" "$work/after"; then ok "/etc/apache2, /var/lib/apache2, statoverrides, policy-rc.d as before"
else not_ok "/etc/apache2, /var/lib/apache2, statoverrides, policy-rc.d as before"
    diff "$work/before" "$work/after" | head -n 20 | diag; fi

mark "done"
echo "1..$n"
[ "$failed" -eq 0 ] || { echo "test-package: $failed of $n failed"; exit 1; }
echo "test-package: all $n passed"
