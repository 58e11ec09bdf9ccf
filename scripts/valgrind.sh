#!/usr/bin/env bash
# make valgrind: httpd -X (one process) with the module under memcheck,
# driven through a few hundred mixed requests (scripts/valgrind_requests.py),
# then stopped cleanly. Fails unless memcheck reports 0 errors and 0 bytes
# definitely lost, and every request got the status docs/api.md gives it.
#
# Ports: the DASH_BENCH_* ones where given (then run it and make bench one
# at a time), free ones otherwise.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
# The two httpd ports: DASH_BENCH_PORT and DASH_BENCH_PORT2, or free ones.
port=${DASH_BENCH_PORT:-$(free_port)}
short_port=${DASH_BENCH_PORT2:-$(free_port)}
run=${DASH_VALGRIND_DIR:-/tmp/mod_dashboard-valgrind-$port}
export DASH_CLIENT_ID=valgrind-client.apps.googleusercontent.com
export DASH_CLIENT_SECRET=valgrind-secret
use_bench_stack

vg_pid=
cleanup() {
    if [ -n "$vg_pid" ] && kill -0 "$vg_pid" 2>/dev/null; then
        kill -TERM "$vg_pid" 2>/dev/null || true
        wait "$vg_pid" 2>/dev/null || true
    fi
    "$top/t/stack.sh" stop || true
}
trap cleanup EXIT

rm -rf "$run"
mkdir -p "$run/htdocs"
"$top/t/stack.sh" start
stack_ports

{
    conf_head event warn authn_anon
    cat <<CONF
Listen 127.0.0.1:$short_port
DocumentRoot "$run/htdocs"
# Generous: memcheck makes the module 20-50 times slower.
DashboardRedisTimeout 3000
DashboardUpstreamTimeout 8000
# The same few users fetch again and again, past any fetch budget.
DashboardUserFetchLimit 0
DashboardOAuthClient $DASH_CLIENT_ID $DASH_CLIENT_SECRET
<Location />
    AuthType Basic
    AuthName valgrind
    AuthBasicProvider anon
    Anonymous *
    Anonymous_MustGiveEmail Off
    Require valid-user
</Location>
<Location /admin/cache>
    SetHandler dashboard-cache
    DashboardCacheAdmin On
</Location>
<Location /open/>
    Require all granted
    AuthType None
</Location>
# Timeouts (504) and a wrong OAuth client (502 on refresh).
<VirtualHost 127.0.0.1:$short_port>
    DashboardUpstreamTimeout 1500
    DashboardOAuthClient wrong-client.apps.googleusercontent.com wrong-secret
</VirtualHost>
CONF
    conf_handlers /dashboard
    conf_handlers /open
} >"$run/httpd.conf"

$httpd -f "$run/httpd.conf" -t >/dev/null
# --errors-for-leak-kinds=definite: "still reachable" at exit is what the
# libraries keep for the process (curl's global state, OpenSSL), and the
# pools httpd -X does not destroy before exit; "possibly lost" is how
# memcheck sees the interior pointers of APR's allocator.
valgrind --tool=memcheck --vgdb=no --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --num-callers=30 --track-origins=yes \
    --log-file="$run/memcheck.log" \
    $httpd -X -f "$run/httpd.conf" &
vg_pid=$!
for _ in $(seq 1 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    kill -0 "$vg_pid" 2>/dev/null || { cat "$run/memcheck.log"; exit 1; }
    sleep 0.1
done

status=0
/usr/bin/python3 "$top/scripts/valgrind_requests.py" \
    --base "http://127.0.0.1:$port" --short "http://127.0.0.1:$short_port" \
    --google "http://127.0.0.1:$DASH_GOOGLE_PORT" --stack "$top/t/stack.sh" \
    --psql "psql -h 127.0.0.1 -p $DASH_PG_PORT -U dashboard -d dashboard" \
    --redis "redis-cli -p $DASH_REDIS_PORT" || status=1

# SIGTERM: httpd -X runs its exit path (pool cleanups, child_exit hooks).
kill -TERM "$vg_pid"
wait "$vg_pid" || true
vg_pid=

errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$run/memcheck.log" | tail -n 1 | tr -d ,)
lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$run/memcheck.log" | tail -n 1 | tr -d ,)
lost=${lost:-0}
echo "memcheck: ${errors:-?} errors, $lost bytes definitely lost (log: $run/memcheck.log)"
if [ "${errors:-x}" != 0 ] || [ "$lost" != 0 ]; then
    grep -v '^==[0-9]*== *$' "$run/memcheck.log" | sed -n '/ERROR SUMMARY/q;p' | tail -n 200
    status=1
fi
exit $status
