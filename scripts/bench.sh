#!/usr/bin/env bash
# `make bench`: the performance targets, measured on this machine, written to
# docs/benchmarks.md (appended, with the machine and the date; elsewhere
# with DASH_BENCH_OUT=FILE).
#   1. cache hit against httpd serving the same bytes as a static file, side
#      by side: instructions per request inside httpd (callgrind over
#      apache2 -X: stable on a loaded machine), where they go, and, at 16
#      and 64 connections (wrk), requests/s, p50 and p99 latency and the
#      CPU time per request of httpd, Postgres and Redis together (their
#      processes' counters); DASH_BENCH_HIT_ONLY=1 stops after this part;
#   2. cache miss with every upstream call delayed by D ms, over TLS and
#      HTTP/2 (the stand-in's h2 front): a cold child's first miss and a
#      warm one, as a ratio to D, and the connections a warm miss opens;
#   3. memory: the child's resident size before and after 100 000 requests;
#   4. single flight (docs/behaviour.md#stale-answers-and-single-flight):
#      report calls for 64 simultaneous cold requests on one httpd and on
#      two sharing Redis and Postgres, and the wait a lock waiter pays
#      beyond the holder's fetch;
#   5. the previous commit side by side (DASH_BENCH_BASE, default HEAD^,
#      built in a git worktree under $run): report calls per cold fetch, and
#      the median and p99 of DASH_BENCH_TAIL_N (200) misses on each, taken
#      in turn, with every report call's delay drawn by the stand-in from a
#      log-normal law, median DASH_BENCH_TAIL_D_MS (100), p99 five times
#      that. DASH_BENCH_TAIL_ONLY=1 runs this step alone.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"
# httpd's ports: DASH_BENCH_PORT, and DASH_BENCH_PORT2 for the second
# instance of step 4 (its own server root under $run); free ones where not
# given. The stack's: DASH_BENCH_PG_PORT and the like, or free ones.
port=${DASH_BENCH_PORT:-$(free_port)}
port2=${DASH_BENCH_PORT2:-$(free_port)}
# Under /tmp: the children (www-data) serve the static file from here.
run=${DASH_BENCH_DIR:-/tmp/mod_dashboard-bench-$port}
export DASH_CLIENT_ID=bench-client.apps.googleusercontent.com
export DASH_CLIENT_SECRET=bench-secret
use_bench_stack
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
    if declare -F base_httpd >/dev/null; then
        base_httpd stop
    fi
    if [ -d "$run/base" ]; then
        git -C "$top" worktree remove --force "$run/base" || true
    fi
    second stop
    httpd_stop
    "$top/t/stack.sh" stop || true
}
trap cleanup EXIT

rm -rf "$run"
mkdir -p "$run/htdocs"
"$top/t/stack.sh" start
stack_ports
google=http://127.0.0.1:$DASH_GOOGLE_PORT
ca=$DASH_UPSTREAM_CA
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

# ---- 5. the previous commit side by side --------------------------------
# Its module, built in a worktree, loaded by a third httpd with the same
# configuration (its own port, server root, pid file and log) beside this
# one's; bench_tail.py alternates their misses.
base_rev=${DASH_BENCH_BASE:-HEAD^}
port3=${DASH_BENCH_PORT3:-$(free_port)}
tail_n=${DASH_BENCH_TAIL_N:-200}
tail_d=${DASH_BENCH_TAIL_D_MS:-100}
base_so=$run/base/.libs/mod_dashboard.so
base_httpd() { # start|stop
    local conf=$run/httpd.conf
    (
        run=$run/base-httpd
        port=$port3
        if [ "$1" = start ]; then
            mkdir -p "$run"
            sed -e "s|^ServerRoot .*|ServerRoot \"$run\"|" \
                -e "s|^Listen .*|Listen 127.0.0.1:$port|" \
                -e "s|^PidFile .*|PidFile \"$run/httpd.pid\"|" \
                -e "s|^ErrorLog .*|ErrorLog \"$run/error_log\"|" \
                -e "s|^LoadModule dashboard_module .*|LoadModule dashboard_module $base_so|" \
                "$conf" >"$run/httpd.conf"
            httpd_start
        elif [ -f "$run/httpd.pid" ]; then
            httpd_stop
        fi
    )
}
tail_field() { printf '%s\n' "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
tail_row() { # label line
    echo "| $1 | $(tail_field "$2" calls) | $(tail_field "$2" median_ms) ms | $(tail_field "$2" p90_ms) ms | $(tail_field "$2" p99_ms) ms | $(tail_field "$2" max_ms) ms | $(tail_field "$2" mean_ms) ms | $(tail_field "$2" misses) of $(tail_field "$2" n) |"
}
tail_bench() {
    local rev_base rev_this out
    rev_base=$(git -C "$top" rev-parse --short "$base_rev")
    rev_this=$(git -C "$top" rev-parse --short HEAD)
    git -C "$top" worktree add --detach "$run/base" "$base_rev" >/dev/null 2>&1
    make -C "$run/base" >"$run/base-build.log" 2>&1
    write_conf event
    httpd_start
    base_httpd start
    out=$(python3 "$top/scripts/bench_tail.py" "$tail_n" "$tail_d" "$google" \
          "${auth#Authorization: }" "http://127.0.0.1:$port3/dashboard/stats" \
          "$base/dashboard/stats")
    base_httpd stop
    httpd_stop
    {
        echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) — the previous commit side by side"
        echo
        echo "Two httpd (event, one child of 32 threads each) in one run, sharing Postgres, Redis and the Google stand-in (over TLS and HTTP/2): $rev_base's module and $rev_this's. Report calls per cold fetch counted at the stand-in around one miss; then $tail_n misses on each, taken in turn (the key purged before each), every report call delayed by a draw from a log-normal law with median D = $tail_d ms and 99th percentile 5 D = $((5 * tail_d)) ms (the stand-in's dist=lognormal); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end."
        echo
        echo "| module | report calls per cold fetch | miss median | p90 | p99 | max | mean | answered miss |"
        echo "|---|---|---|---|---|---|---|---|"
        tail_row "$rev_base (previous)" "$(printf '%s\n' "$out" | sed -n 1p)"
        tail_row "$rev_this (this one)" "$(printf '%s\n' "$out" | sed -n 2p)"
        echo
    } | tee -a "${DASH_BENCH_OUT:-$top/docs/benchmarks.md}"
}
if [ "${DASH_BENCH_TAIL_ONLY:-0}" = 1 ]; then
    tail_bench
    exit 0
fi

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
# Where the hit spends, for docs/benchmarks.md, as instructions per hit
# and a share of the hit: the module's entry points and libraries,
# inclusive; then every function of the process by its own cost
# (exclusive), the largest first. callgrind_annotate also lists the
# thread's entry chain (clone, start_thread, ...) with the whole segment
# as its own cost when asked for exclusive costs: those lines are left out.
cg_profile() { # inclusive yes|no, awk filter on the function name, rows
    callgrind_annotate --inclusive="$1" --threshold=100 "$run/callgrind/cg.out.4" 2>/dev/null \
        | awk -v n="$cg_n" -v hit="$cg_hit" -v want="$2" -v excl="$1" '
            /^ *[0-9,]+ +\(/ && $NF ~ /^\[.*\]$/ {
                v = $1; gsub(",", "", v); f = $(NF-1); sub(/.*\//, "", f)
                if (excl == "no" && v / n >= 0.99 * hit) next
                if (f ~ want && v / n >= 500 && !seen[f]++)
                    printf "%-52s %8d %5.1f%%\n", f, v / n, 100 * v / n / hit }' \
        | head -n "$3"
}
cg_profile yes 'dashboard|PQ|redis|apr_md5|json_|dash_' 16 >"$run/cg-profile.txt"
cg_profile no '.' 20 >"$run/cg-self.txt"

# ---- 1b. the whole machine: requests/s, latency, CPU (wrk) -------------
# Hits and the static file in turn, at 16 and 64 connections. Over each
# run, the CPU time (user + system) the processes of httpd, Postgres and
# Redis used, read from /proc: each server's process and its live
# descendants, and through the root's cutime/cstime the children it
# reaped during the run. wrk and the stand-in are the client, not counted.
httpd_start
curl -sf -H "$auth" -D - -o /dev/null "$base/dashboard/stats" | grep -qi '^X-Dashboard-Cache: hit'
hz=$(getconf CLK_TCK)
pg_pid=$(head -n 1 "$( (. "$DASH_STACK_DIR/state" && echo "$pgdir"))/data/postmaster.pid")
redis_pid=$(cat "$DASH_STACK_DIR/redis/redis.pid")
tree_ticks() { # pid -> ticks of the process, its reaped children, its descendants
    local k
    awk '{sub(/.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
    for k in $(pgrep -P "$1" || true); do
        tree_ticks "$k"
    done
}
sum_ticks() { tree_ticks "$1" | awk '{s += $1} END {print s + 0}'; }
cpu_now() { echo "$(sum_ticks "$(cat "$run/httpd.pid")") $(sum_ticks "$pg_pid") $(sum_ticks "$redis_pid")"; }
to_ms() { # wrk's 1.23ms / 850.00us / 1.02s -> milliseconds
    awk -v t="$1" 'BEGIN { v = t + 0
        if (t ~ /us$/) v /= 1000; else if (t ~ /ms$/) v += 0; else if (t ~ /s$/) v *= 1000
        printf "%.2f", v }'
}
load() { # url connections -> "req/s p50_ms p99_ms requests httpd_us pg_us redis_us" (CPU per request)
    local h0 p0 r0 h1 p1 r1 out n bad
    read -r h0 p0 r0 <<<"$(cpu_now)"
    out=$(wrk -t2 -c"$2" -d"${duration}s" --latency -H "$auth" "$1")
    read -r h1 p1 r1 <<<"$(cpu_now)"
    bad=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    [ -z "$bad" ] || { echo "bench: $bad answers other than 2xx from $1" >&2; exit 1; }
    n=$(awk '/requests in/ {print $1}' <<<"$out")
    echo "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" \
         "$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")" \
         "$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")" "$n" \
         "$(awk -v a="$h0" -v b="$h1" -v p="$p0" -v q="$p1" -v r="$r0" -v s="$r1" -v n="$n" -v hz="$hz" \
             'BEGIN {u = 1e6 / hz / n; printf "%.1f %.1f %.1f", (b - a) * u, (q - p) * u, (s - r) * u}')"
}
declare -A W
for c in 16 64; do
    W[hit$c]=$(load "$base/dashboard/stats" "$c")
    W[static$c]=$(load "$base/stats.json" "$c")
done
curl -sf -H "$auth" -D - -o /dev/null "$base/dashboard/stats" | grep -qi '^X-Dashboard-Cache: hit'
w() { # run field(1-7)
    awk -v f="$2" '{print $f}' <<<"${W[$1]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
cpu_us() { # run -> whole-machine CPU per request, microseconds
    awk -v a="$(w "$1" 5)" -v b="$(w "$1" 6)" -v c="$(w "$1" 7)" 'BEGIN {printf "%.1f", a + b + c}'
}
hit_rps=$(w hit16 1)
static_rps=$(w static16 1)
rps_ratio=$(ratio "$hit_rps" "$static_rps")

if [ "${DASH_BENCH_HIT_ONLY:-0}" = 0 ]; then
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
    echo "| $1 | $(field "$2" calls) report calls (4 × $flight_n would be $((4 * flight_n))); $(field "$2" miss) miss, $(field "$2" hit) hit, $(field "$2" other) other; at most $(field "$2" max_in_flight) calls at once at the stand-in; $(field "$2" wall_ms) ms for all | 4 calls |"
}

fi

machine="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
load_avg=$(cut -d' ' -f1-3 /proc/loadavg)
wrk_row() { # what field unit target
    local c
    for c in 16 64; do
        echo "| $1, $c connections | hit $(w "hit$c" "$2") $3, static $(w "static$c" "$2") $3 ($(ratio "$(w "hit$c" "$2")" "$(w "static$c" "$2")")×) | $4 |"
    done
}
{
    echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — $machine"
    echo
    echo "httpd $($httpd -v | awk -F'[/ ]' '/version/ {print $4}'), one child (event: 32 threads); Postgres, Redis, the stand-in and the client on the same machine; wrk -t2, ${duration}s per run, hit and static in turn; Basic auth on both paths; load average $load_avg at the end of the run."
    echo
    echo "| measure | result | target |"
    echo "|---|---|---|"
    echo "| instructions per request, cache hit (callgrind, apache2 -X, $cg_n requests) | $cg_hit | |"
    echo "| instructions per request, same bytes static | $cg_static | |"
    echo "| hit / static, instructions | ${cg_ratio}× | ≤ 1.6× |"
    wrk_row "requests/s (wrk)" 1 "req/s" "hit ≥ 0.5× static"
    wrk_row "latency p50" 2 ms ""
    wrk_row "latency p99" 3 ms ""
    for c in 16 64; do
        echo "| CPU time per request of httpd + Postgres + Redis, $c connections (their processes' counters over the run) | hit $(cpu_us "hit$c") µs (httpd $(w "hit$c" 5), Postgres $(w "hit$c" 6), Redis $(w "hit$c" 7)), static $(cpu_us "static$c") µs (httpd $(w "static$c" 5), Postgres $(w "static$c" 6), Redis $(w "static$c" 7)) ($(ratio "$(cpu_us "hit$c")" "$(cpu_us "static$c")")×) | |"
    done
    if [ "${DASH_BENCH_HIT_ONLY:-0}" = 0 ]; then
        echo "| cold miss over TLS+h2, each of the 4 calls delayed D = ${D} ms (median of 5) | ${cold_ms} ms = $(awk -v m="$cold_ms" -v d="$D" 'BEGIN {printf "%.2f", m / d}') D | |"
        echo "| warm miss, same child (median of 5) | ${warm_ms} ms = $(awk -v m="$warm_ms" -v d="$D" 'BEGIN {printf "%.2f", m / d}') D | ≤ 1.2 D |"
        echo "| connections opened per warm miss (h2 front's count, mean of 5) | $conns_per_warm | 0 |"
        echo "| event child (32 threads) RSS after $((mem_requests / 5)) warm-up requests → after $ev_served more hits (ab -k -c16; $ev_failed failed) | ${ev_before} kB → ${ev_after} kB ($((ev_after - ev_before)) kB) | < 1024 kB growth |"
        echo "| prefork child RSS after $((mem_requests / 5)) warm-up requests → after $pf_served more hits (ab -k -c1; $pf_failed failed) | ${pf_before} kB → ${pf_after} kB ($((pf_after - pf_before)) kB) | < 1024 kB growth |"
        flight_row "$flight_n simultaneous cold requests, one instance (event), each report call held ${flight_delay} ms" "$one"
        flight_row "$flight_n simultaneous cold requests split over two instances sharing Redis and Postgres" "$two"
        echo "| a lock waiter's answer after the holder's ($flight_rounds rounds, report calls held ${flight_delay} ms) | median $(field "$wait_line" median_ms) ms, p90 $(field "$wait_line" p90_ms) ms, max $(field "$wait_line" max_ms) ms; $(field "$wait_line" hits) answered hit | median < 50 ms |"
    else
        echo "| misses, memory, single flight | not run (DASH_BENCH_HIT_ONLY) | |"
    fi
    echo
    echo "Where a hit spends (callgrind, instructions per hit and share of the hit): the module's own and its libraries' entry points, inclusive:"
    echo
    echo '```'
    cat "$run/cg-profile.txt"
    echo '```'
    echo
    echo "Every function of the httpd process by its own cost (exclusive), the largest first:"
    echo
    echo '```'
    cat "$run/cg-self.txt"
    echo '```'
    echo
} | tee -a "${DASH_BENCH_OUT:-$top/docs/benchmarks.md}"
httpd_stop
if [ "${DASH_BENCH_HIT_ONLY:-0}" = 0 ]; then
    tail_bench
fi
