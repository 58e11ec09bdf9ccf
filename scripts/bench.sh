#!/usr/bin/env bash
# `make bench`: the performance targets, measured on this machine, written to
# bench/RESULTS.md (appended, with the machine and the date).
#   1. cache hit: /dashboard/stats against httpd serving the same bytes as a
#      static file, side by side (wrk);
#   2. cache miss with every upstream call delayed by D ms: cost ≈ D, not 7×D;
#   3. memory: the child's resident size before and after 100 000 requests.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# Under /tmp: the children (www-data) serve the static file from here.
run=${DASH_BENCH_DIR:-/tmp/mod_dashboard-bench}
port=${DASH_BENCH_PORT:-8090}
export DASH_CLIENT_ID=bench-client.apps.googleusercontent.com
export DASH_CLIENT_SECRET=bench-secret
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
use_bench_stack
google=http://127.0.0.1:$DASH_GOOGLE_PORT
base=http://127.0.0.1:$port
user=bench-user
chan=UCbenchChannel00000001
auth="Authorization: Basic $(printf '%s:x' "$user" | base64)"
D=${DASH_BENCH_DELAY_MS:-200}
duration=${DASH_BENCH_SECONDS:-10}
mem_requests=${DASH_BENCH_MEM_REQUESTS:-100000}

cleanup() {
    httpd_stop
    "$top/t/stack.sh" stop || true
}
trap cleanup EXIT

rm -rf "$run"
mkdir -p "$run/htdocs"
"$top/t/stack.sh" start

sql() { psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$DASH_PG_PORT" -U dashboard -d dashboard -c "$1" >/dev/null; }
sql "INSERT INTO social_account (user_uuid, platform, platform_user_id, access_token,
       refresh_token, token_expires_at, connected_at)
     VALUES ('$user', 'youtube', '$chan', 'ya29.bench', '1//bench',
             LOCALTIMESTAMP + interval '30 days', LOCALTIMESTAMP)"
sql "INSERT INTO dashboard (user_uuid, platform, platform_user_id, platform_video_id, title, uploaded_at)
     SELECT '$user', 'youtube', '$chan', 'benchVid' || n, 'Video ' || n,
            LOCALTIMESTAMP - n * interval '7 days' FROM generate_series(1, 60) n"
curl -sf -X POST "$google/_control/token" -d "{\"access_token\": \"ya29.bench\", \"channel\": \"$chan\"}" >/dev/null

write_conf() { # event|prefork
    local mpm=$1 procs
    if [ "$mpm" = event ]; then
        procs="ThreadsPerChild 32
MinSpareThreads 1
MaxSpareThreads 32
MaxRequestWorkers 32"
    else
        procs="MinSpareServers 1
MaxSpareServers 1
MaxRequestWorkers 1"
    fi
    {
        conf_head "$mpm" warn authn_anon mime
        cat <<CONF
TypesConfig /etc/mime.types
# One child, so its resident size can be followed.
StartServers 1
ServerLimit 1
$procs
MaxConnectionsPerChild 0
DocumentRoot "$run/htdocs"
DBDMax 32
DBDKeep 32
DashboardOAuthClient $DASH_CLIENT_ID $DASH_CLIENT_SECRET
# Both paths behind the same authentication, so only the work differs.
<Location />
    AuthType Basic
    AuthName bench
    AuthBasicProvider anon
    Anonymous *
    Anonymous_MustGiveEmail Off
    Require valid-user
</Location>
<Location /dashboard/stats>
    SetHandler dashboard-stats
</Location>
<Location /dashboard/cache>
    SetHandler dashboard-cache
</Location>
CONF
    } >"$run/httpd.conf"
}

write_conf event
httpd_start

# Warm the cache and copy the response bytes to a static file.
curl -sf -H "$auth" "$base/dashboard/stats" -o "$run/htdocs/stats.json"
curl -sf -H "$auth" -D - -o /dev/null "$base/dashboard/stats" | grep -qi '^X-Dashboard-Cache: hit'

rps() { # url -> requests/s
    wrk -t2 -c16 -d"${duration}s" -H "$auth" "$1" | awk '/^Requests\/sec/ {print $2}'
}
hit_rps=$(rps "$base/dashboard/stats")
static_rps=$(rps "$base/stats.json")

# Miss: every Analytics call delayed by D ms.
curl -sf -X POST "$google/_control/delay" -d "{\"ms\": $D}" >/dev/null
miss_times=()
for _ in $(seq 1 10); do
    curl -sf -X DELETE -H "$auth" "$base/dashboard/cache" -o /dev/null
    miss_times+=("$(curl -sf -H "$auth" -o /dev/null -w '%{time_total}' "$base/dashboard/stats")")
done
miss_median=$(printf '%s\n' "${miss_times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.0f", a[int((NR+1)/2)]*1000}')
curl -sf -X POST "$google/_control/delay" -d '{"ms": 0}' >/dev/null
curl -sf -H "$auth" "$base/dashboard/stats" -o /dev/null

# Memory of the one child over many requests: warm up with the same
# client first (threads, pools and connections reach their working size),
# so what follows shows growth, not start-up. Under event the child's 32
# threads each keep their own allocator; under prefork there is one.
memory() { # concurrency -> "before after served failed"
    local child before after
    child=$(pgrep -P "$(cat "$run/httpd.pid")" | head -n 1)
    ab -q -k -n $((mem_requests / 5)) -c "$1" -H "$auth" "$base/dashboard/stats" >/dev/null
    before=$(awk '/^VmRSS/ {print $2}' "/proc/$child/status")
    ab -q -k -n "$mem_requests" -c "$1" -H "$auth" "$base/dashboard/stats" >"$run/ab-mem.txt"
    after=$(awk '/^VmRSS/ {print $2}' "/proc/$child/status")
    echo "$before $after $(awk '/^Complete requests/ {print $3}' "$run/ab-mem.txt") $(awk '/^Failed requests/ {print $3}' "$run/ab-mem.txt")"
}
read -r ev_before ev_after ev_served ev_failed < <(memory 16)
httpd_stop
write_conf prefork
httpd_start
read -r pf_before pf_after pf_served pf_failed < <(memory 1)

machine="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
{
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — $machine"
    echo
    echo "httpd $($httpd -v | awk -F'[/ ]' '/version/ {print $4}'), one child (event: 32 threads); Postgres, Redis, the stand-in and the client on the same machine; wrk -t2 -c16, ${duration}s per run; Basic auth on both paths."
    echo
    echo "| measure | result |"
    echo "|---|---|"
    echo "| cache hit, /dashboard/stats | $hit_rps req/s |"
    echo "| same bytes as a static file | $static_rps req/s |"
    echo "| cache miss, each of the 7 calls delayed ${D} ms (median of 10) | ${miss_median} ms (7 × D would be $((7 * D)) ms) |"
    echo "| event child (32 threads) RSS after $((mem_requests / 5)) warm-up requests → after $ev_served more hits (ab -k -c16; $ev_failed failed) | ${ev_before} kB → ${ev_after} kB |"
    echo "| prefork child RSS after $((mem_requests / 5)) warm-up requests → after $pf_served more hits (ab -k -c1; $pf_failed failed) | ${pf_before} kB → ${pf_after} kB |"
    echo
} | tee -a "$top/bench/RESULTS.md"
