#!/usr/bin/env bash
# `make bench`: the performance targets, measured on this machine, written to
# docs/benchmarks.md (appended, with the machine and the date).
#   1. cache hit against httpd serving the same bytes as a static file, side
#      by side: instructions per request inside httpd (callgrind over
#      apache2 -X: stable on a loaded machine) and requests/s (wrk);
#   2. cache miss with every upstream call delayed by D ms, over TLS and
#      HTTP/2 (the stand-in's h2 front): a cold child's first miss and a
#      warm one, as a ratio to D, and the connections a warm miss opens;
#   3. memory: the child's resident size before and after 100 000 requests;
#   4. single flight (docs/behaviour.md#stale-answers-and-single-flight):
#      report calls for 64 simultaneous cold requests on one httpd and on
#      two sharing Redis and Postgres, and the wait a lock waiter pays
#      beyond the holder's fetch.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# Under /tmp: the children (www-data) serve the static file from here.
run=${DASH_BENCH_DIR:-/tmp/mod_dashboard-bench-${DASH_BENCH_PORT:-8090}}
port=${DASH_BENCH_PORT:-8090}
# The second instance of step 4 (its own server root under $run).
port2=${DASH_BENCH_PORT2:-$((port + 10))}
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
flight_n=${DASH_BENCH_FLIGHT_N:-64}
flight_delay=${DASH_BENCH_FLIGHT_DELAY_MS:-300}
flight_rounds=${DASH_BENCH_FLIGHT_ROUNDS:-30}

# The second httpd of step 4: the first one's configuration on its own
# port, server root, pid file and log (both share Redis and Postgres).
second() { # start|stop
    local conf=$run/httpd.conf
    (
        run=$run/second
        port=$port2
        if [ "$1" = start ]; then
            mkdir -p "$run"
            sed -e "s|^ServerRoot .*|ServerRoot \"$run\"|" \
                -e "s|^Listen .*|Listen 127.0.0.1:$port|" \
                -e "s|^PidFile .*|PidFile \"$run/httpd.pid\"|" \
                -e "s|^ErrorLog .*|ErrorLog \"$run/error_log\"|" \
                "$conf" >"$run/httpd.conf"
            httpd_start
        elif [ -f "$run/httpd.pid" ]; then
            httpd_stop
        fi
    )
}

cleanup() {
    second stop
    httpd_stop
    "$top/t/stack.sh" stop || true
}
trap cleanup EXIT

rm -rf "$run"
mkdir -p "$run/htdocs"
"$top/t/stack.sh" start
ca=$(. "$DASH_STACK_DIR/env" && echo "$DASH_UPSTREAM_CA")
front() { # the h2 front's counter NAME
    curl -sf --http2 --cacert "$ca" "https://127.0.0.1:$DASH_GOOGLE_TLS_PORT/_front/stats" \
        | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}

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
# The bench's users refetch on purpose, far past any fetch budget.
DashboardUserFetchLimit 0
# One child, so its resident size can be followed.
StartServers 1
ServerLimit 1
$procs
MaxConnectionsPerChild 0
DocumentRoot "$run/htdocs"
DBDMax 32
DBDKeep 32
DashboardOAuthClient $DASH_CLIENT_ID $DASH_CLIENT_SECRET
# Google over TLS and HTTP/2, as the real endpoints are.
DashboardAnalyticsURL https://127.0.0.1:$DASH_GOOGLE_TLS_PORT/v2/reports
DashboardTokenURL https://127.0.0.1:$DASH_GOOGLE_TLS_PORT/token
DashboardUpstreamCA $ca
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

# ---- 1a. instructions per request (callgrind over apache2 -X) ----------
# Counters are dumped (and zeroed) on entry to ap_send_error_response: a
# request for a missing path (401 without credentials) marks the segments
# [marker, marker] [marker, N hits] [marker, N static], so the marker's own
# cost is measured and taken out. vgdb cannot interrupt httpd here.
cg_n=${DASH_BENCH_CALLGRIND_REQUESTS:-200}
mkdir -p "$run/callgrind"
chmod 1777 "$run/callgrind"
valgrind --tool=callgrind --dump-before=ap_send_error_response \
    --callgrind-out-file="$run/callgrind/cg.out" \
    "$httpd" -X -f "$run/httpd.conf" >"$run/callgrind.log" 2>&1 &
cg_pid=$!
for _ in $(seq 1 600); do
    curl -s -o /dev/null "$base/" && break
    sleep 0.2
done
marker() { curl -s -o /dev/null "$base/no-such-path"; }
# Warm the cache and copy the response bytes to a static file.
curl -sf -H "$auth" "$base/dashboard/stats" -o "$run/htdocs/stats.json"
chmod 644 "$run/htdocs/stats.json"
for _ in $(seq 1 20); do
    curl -sf -H "$auth" -o /dev/null "$base/dashboard/stats"
    curl -sf -H "$auth" -o /dev/null "$base/stats.json"
done
marker
marker
ab -q -k -n "$cg_n" -c 1 -H "$auth" "$base/dashboard/stats" >"$run/cg-hit.txt"
marker
ab -q -k -n "$cg_n" -c 1 -H "$auth" "$base/stats.json" >"$run/cg-static.txt"
marker
kill -TERM "$cg_pid"
wait "$cg_pid" || true
# The dumps in order: start-up, warm-up, marker, marker + hits, marker + static.
cg_total() { awk '/^totals:/ {print $2}' "$run/callgrind/cg.out.$1"; }
cg_marker=$(cg_total 3)
cg_hit=$(( ($(cg_total 4) - cg_marker) / cg_n ))
cg_static=$(( ($(cg_total 5) - cg_marker) / cg_n ))
cg_ratio=$(awk -v h="$cg_hit" -v s="$cg_static" 'BEGIN {printf "%.2f", h / s}')
# Where the hit spends, for docs/benchmarks.md: the module's functions, inclusive.
callgrind_annotate --inclusive=yes "$run/callgrind/cg.out.4" 2>/dev/null \
    | awk -v n="$cg_n" '$NF ~ /^\[.*\]$/ && $(NF-1) ~ /dashboard|PQexec|redisvCommand|apr_md5$|json_|dash_/ {
        v = $1; gsub(",", "", v); f = $(NF-1); sub(/.*\//, "", f)
        if (v / n >= 1000 && !seen[f]++) printf "%-50s %8d\n", f, v / n }' \
    | head -n 12 >"$run/cg-profile.txt"

# ---- 1b. requests/s (wrk) ----------------------------------------------
httpd_start
curl -sf -H "$auth" -D - -o /dev/null "$base/dashboard/stats" | grep -qi '^X-Dashboard-Cache: hit'
rps() { # url -> requests/s
    wrk -t2 -c16 -d"${duration}s" -H "$auth" "$1" | awk '/^Requests\/sec/ {print $2}'
}
hit_rps=$(rps "$base/dashboard/stats")
static_rps=$(rps "$base/stats.json")
rps_ratio=$(awk -v h="$hit_rps" -v s="$static_rps" 'BEGIN {printf "%.2f", h / s}')

# ---- 2. misses over TLS + HTTP/2, every call delayed by D ms -----------
# Cold: the first miss of a freshly started child (no connection, no TLS
# session). Warm: the next miss of the same child.
curl -sf -X POST "$google/_control/delay" -d "{\"ms\": $D}" >/dev/null
miss() { # -> milliseconds
    curl -sf -X DELETE -H "$auth" "$base/dashboard/cache" -o /dev/null
    curl -sf -H "$auth" -D "$run/miss-headers" -o /dev/null -w '%{time_total}' "$base/dashboard/stats" \
        | awk '{printf "%.0f", $1 * 1000}'
    grep -qi '^X-Dashboard-Cache: miss' "$run/miss-headers"
}
cold_times=() warm_times=() warm_conns=()
for _ in $(seq 1 5); do
    httpd_stop
    httpd_start
    cold_times+=("$(miss)")
    c0=$(front connections)
    warm_times+=("$(miss)")
    warm_conns+=($(( $(front connections) - c0 )))
done
curl -sf -X POST "$google/_control/delay" -d '{"ms": 0}' >/dev/null
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cold_ms=$(median "${cold_times[@]}")
warm_ms=$(median "${warm_times[@]}")
conns_per_warm=$(printf '%s\n' "${warm_conns[@]}" | awk '{s+=$1} END {printf "%.1f", s/NR}')
curl -sf -H "$auth" "$base/dashboard/stats" -o /dev/null

# Memory of the one child over many requests: warm up with the same
# client first (threads, pools and connections reach their working size),
# so what follows shows growth, not start-up. Under event the child's 32
# threads each keep their own allocator; under prefork there is one.
memory() { # concurrency -> "before after served failed"
    local child rss0 rss1
    child=$(pgrep -P "$(cat "$run/httpd.pid")" | head -n 1)
    ab -q -k -n $((mem_requests / 5)) -c "$1" -H "$auth" "$base/dashboard/stats" >/dev/null
    rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$child/status")
    ab -q -k -n "$mem_requests" -c "$1" -H "$auth" "$base/dashboard/stats" >"$run/ab-mem.txt"
    rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$child/status")
    echo "$rss0 $rss1 $(awk '/^Complete requests/ {print $3}' "$run/ab-mem.txt") $(awk '/^Failed requests/ {print $3}' "$run/ab-mem.txt")"
}
mem_out=$(memory 16)
read -r ev_before ev_after ev_served ev_failed <<<"$mem_out"
httpd_stop
write_conf prefork
httpd_start
mem_out=$(memory 1)
read -r pf_before pf_after pf_served pf_failed <<<"$mem_out"

# Single flight: 64 cold requests for one key, each report call held
# $flight_delay ms, on one instance, then split over two; then a holder and
# one waiter, $flight_rounds times.
httpd_stop
write_conf event
httpd_start
second start
flight() { python3 "$top/scripts/bench_flight.py" "$@"; }
stats_url=$base/dashboard/stats
one=$(flight cold "$flight_n" "$flight_delay" "$google" "${auth#Authorization: }" "$stats_url")
two=$(flight cold "$flight_n" "$flight_delay" "$google" "${auth#Authorization: }" "$stats_url" \
      "http://127.0.0.1:$port2/dashboard/stats")
wait_line=$(flight waiter "$flight_rounds" "$flight_delay" "$google" "${auth#Authorization: }" "$stats_url")
second stop
field() { # line name
    printf '%s\n' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'
}
flight_row() { # label line
    echo "| $1 | $(field "$2" calls) report calls (7 × $flight_n would be $((7 * flight_n))); $(field "$2" miss) miss, $(field "$2" hit) hit, $(field "$2" other) other; at most $(field "$2" max_in_flight) calls at once at the stand-in; $(field "$2" wall_ms) ms for all | 7 calls |"
}

machine="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
{
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — $machine"
    echo
    echo "httpd $($httpd -v | awk -F'[/ ]' '/version/ {print $4}'), one child (event: 32 threads); Postgres, Redis, the stand-in and the client on the same machine; wrk -t2 -c16, ${duration}s per run; Basic auth on both paths."
    echo
    echo "| measure | result | target |"
    echo "|---|---|---|"
    echo "| instructions per request, cache hit (callgrind, apache2 -X, $cg_n requests) | $cg_hit | |"
    echo "| instructions per request, same bytes static | $cg_static | |"
    echo "| hit / static, instructions | ${cg_ratio}× | ≤ 3× |"
    echo "| cache hit, /dashboard/stats (wrk) | $hit_rps req/s | |"
    echo "| same bytes as a static file (wrk) | $static_rps req/s | |"
    echo "| hit / static, req/s | $rps_ratio | ≥ 0.5 |"
    echo "| cold miss over TLS+h2, each of the 7 calls delayed D = ${D} ms (median of 5) | ${cold_ms} ms = $(awk -v m="$cold_ms" -v d="$D" 'BEGIN {printf "%.2f", m / d}') D | |"
    echo "| warm miss, same child (median of 5) | ${warm_ms} ms = $(awk -v m="$warm_ms" -v d="$D" 'BEGIN {printf "%.2f", m / d}') D | ≤ 1.2 D |"
    echo "| connections opened per warm miss (h2 front's count, mean of 5) | $conns_per_warm | 0 |"
    echo "| event child (32 threads) RSS after $((mem_requests / 5)) warm-up requests → after $ev_served more hits (ab -k -c16; $ev_failed failed) | ${ev_before} kB → ${ev_after} kB ($((ev_after - ev_before)) kB) | < 1024 kB growth |"
    echo "| prefork child RSS after $((mem_requests / 5)) warm-up requests → after $pf_served more hits (ab -k -c1; $pf_failed failed) | ${pf_before} kB → ${pf_after} kB ($((pf_after - pf_before)) kB) | < 1024 kB growth |"
    flight_row "$flight_n simultaneous cold requests, one instance (event), each report call held ${flight_delay} ms" "$one"
    flight_row "$flight_n simultaneous cold requests split over two instances sharing Redis and Postgres" "$two"
    echo "| a lock waiter's answer after the holder's ($flight_rounds rounds, report calls held ${flight_delay} ms) | median $(field "$wait_line" median_ms) ms, p90 $(field "$wait_line" p90_ms) ms, max $(field "$wait_line" max_ms) ms; $(field "$wait_line" hits) answered hit | median < 50 ms |"
    echo
    echo "Where a hit spends (callgrind, inclusive instructions per request, the module's own and its libraries' entry points):"
    echo
    echo '```'
    cat "$run/cg-profile.txt"
    echo '```'
    echo
} | tee -a "$top/docs/benchmarks.md"
