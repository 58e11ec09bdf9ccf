#!/usr/bin/env bash
# The Apache::Test suite against a real httpd and the throw-away stack,
# once per MPM (event, worker, then prefork). Called by `make test`; arguments are
# passed to Apache::Test (e.g. t/run.sh t/20_stats.t). Then every response
# the tests received is checked against docs/openapi.yaml.
#   DASH_MPMS="event worker prefork"  which MPMs to run under (event, worker,
#                                 prefork: t/conf/inherit-MPM.conf each)
#   DASH_HTTPD=/usr/sbin/apache2  the httpd binary (make test-asan: a wrapper)
#   DASH_HTTPD_PORT=8529          httpd's first port (the test vhosts take the
#                                 next ones); default: a random one below
#                                 32668 whose next 100 are free, so that two
#                                 runs side by side do not pick the same
#   DASH_TIME_FACTOR=1            multiplies the slack of the tests' timing
#                                 bounds (scripts/test-asan.sh: 3)
#   DASH_KEEP_LOGS=DIR            copy each MPM's error_log there (as
#                                 error_log.MPM) before the next run cleans it
# Ports of the stack: see t/stack.sh.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mpms=${DASH_MPMS:-event worker prefork}

# httpd's children run as 'nobody' and walk the DocumentRoot of every
# request: keep it where they can, whatever the checkout's permissions.
docroot=$(mktemp -d /tmp/mod_dashboard-htdocs.XXXXXX)
chmod 755 "$docroot"
# The same for the dashboard page (t/conf/extra.conf.in's Alias).
export DASH_UI_DIR
DASH_UI_DIR=$(mktemp -d /tmp/mod_dashboard-ui.XXXXXX)
cp -R ui/. "$DASH_UI_DIR"
chmod -R a+rX "$DASH_UI_DIR"

# The stack's ports are free ones unless given (t/stack.sh).
export DASH_STACK_DIR=${DASH_STACK_DIR:-$top/t/tmp/stack}
t/stack.sh start
trap 't/stack.sh stop; rm -rf "$docroot" "$DASH_UI_DIR" "${tap:-}" "${failures:-}"' EXIT
# shellcheck disable=SC1091
. "$DASH_STACK_DIR/env"

# Apache::Test's own "select" starts its search at the same port in every
# run; a random start with room for the test vhosts and a second instance's
# (Dash::Httpd2) keeps two runs apart. Below the kernel's ephemeral range
# (ip_local_port_range, 32768 and up on Debian), where every outgoing
# connection of the suite takes a port.
if [ -z "${DASH_HTTPD_PORT:-}" ]; then
    DASH_HTTPD_PORT=$(/usr/bin/python3 - <<'PY'
import random, socket
for _ in range(200):
    base = random.randrange(20000, 32768 - 100)
    socks = []
    try:
        for port in range(base, base + 100):
            s = socket.socket()
            s.bind(("127.0.0.1", port))
            socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(base)
    break
PY
)
fi
# Every response the suite gets (t/lib/Dash/Test.pm's call) is recorded
# here and checked against docs/openapi.yaml at the end.
export DASH_RESPONSES="$top/t/tmp/responses.jsonl"
rm -f "$DASH_RESPONSES"

status=0
tap=$(mktemp /tmp/mod_dashboard-tap.XXXXXX)
failures=$(mktemp /tmp/mod_dashboard-failures.XXXXXX)
# The dashboard page's browser test (t/50_ui.t) runs under the first MPM
# only: the page is static files over the same API. DASH_UI_BROWSER=0
# skips it (make test-asan).
export DASH_UI_BROWSER=${DASH_UI_BROWSER:-1}
for mpm in $mpms; do
    echo "=== Apache::Test suite under the $mpm MPM"
    perl t/TEST.PL -clean >/dev/null 2>&1 || true
    if ! APACHE_TEST_NO_STICKY_PREFERENCES=1 perl t/TEST.PL \
            -httpd "${DASH_HTTPD:-/usr/sbin/apache2}" -apxs "$(command -v apxs)" \
            -httpd_conf "$top/t/conf/inherit-$mpm.conf" -documentroot "$docroot" \
            -port "$DASH_HTTPD_PORT" -maxclients 20 "$@" 2>&1 | tee "$tap"; then
        status=1
        echo "=== error_log tail ($mpm)"
        tail -n 40 t/logs/error_log 2>/dev/null || true
        # Kept for the summary at the end: a CI log is often read from
        # its tail only, far below the failure.
        {
            echo "=== failed under the $mpm MPM"
            grep -E -A3 '^#   Failed test|^Dubious|Parse errors|^[^ ].*\.t +\(Wstat' "$tap" \
                | grep -v '^--$' | head -n 60
        } >>"$failures"
    fi
    if [ -n "${DASH_KEEP_LOGS:-}" ]; then
        cp t/logs/error_log "$DASH_KEEP_LOGS/error_log.$mpm" 2>/dev/null || true
    fi
    DASH_UI_BROWSER=0
done
perl t/TEST.PL -clean >/dev/null 2>&1 || true
# With no test file named the whole suite ran: then every response the
# document describes must also have been seen at least once.
complete=1
for arg in "$@"; do
    case $arg in *.t) complete=0 ;; esac
done
if [ -s "$DASH_RESPONSES" ]; then
    echo "=== responses against docs/openapi.yaml"
    DASH_OPENAPI_COMPLETE=$complete /usr/bin/python3 scripts/check-openapi.py \
        "$DASH_RESPONSES" || status=1
fi
if [ -s "$failures" ]; then
    cat "$failures"
fi
exit $status
