#!/usr/bin/env bash
# The throw-away stack of the tests and the demo, all on 127.0.0.1:
# PostgreSQL (initdb in a temp dir), Redis, and the Google stand-in.
#
#   t/stack.sh start|stop|env      the whole stack
#   t/stack.sh pg-stop|pg-start    one service (tests use these to
#   t/stack.sh redis-stop|redis-start   provoke failures)
#   t/stack.sh pg-freeze|pg-thaw   SIGSTOP / SIGCONT the postmaster and
#                                  every backend: a stalled server
#   t/stack.sh google-stop|google-start
#   t/stack.sh redis-kill          SIGKILL, as a crash or the OOM killer would
#
# Settings (environment): DASH_STACK_DIR (default t/tmp/stack),
# DASH_PG_DIR (default /tmp/mod_dashboard-pg-PORT: the postgres user must
# reach it, which a checkout under /root does not allow),
# DASH_PG_PORT (54329), DASH_REDIS_PORT (63799), DASH_GOOGLE_PORT (18089),
# DASH_GOOGLE_TLS_PORT (DASH_GOOGLE_PORT + 200: the stand-in over TLS and
# HTTP/2, t/standin/h2_front.py, with a CA made at start in DASH_TLS_DIR,
# default /tmp/mod_dashboard-tls-PORT),
# DASH_GOOGLE_SEED (a stand-in seed file), DASH_CLIENT_ID/DASH_CLIENT_SECRET.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
dir=${DASH_STACK_DIR:-$here/tmp/stack}
pg_port=${DASH_PG_PORT:-54329}
pgdir=${DASH_PG_DIR:-/tmp/mod_dashboard-pg-$pg_port}
redis_port=${DASH_REDIS_PORT:-63799}
google_port=${DASH_GOOGLE_PORT:-18089}
google_tls_port=${DASH_GOOGLE_TLS_PORT:-$((google_port + 200))}
# Under /tmp: httpd's children read the CA at each handshake.
tls_dir=${DASH_TLS_DIR:-/tmp/mod_dashboard-tls-$google_tls_port}
client_id=${DASH_CLIENT_ID:-test-client.apps.googleusercontent.com}
client_secret=${DASH_CLIENT_SECRET:-test-client-secret}
pg_bin=$(pg_config --bindir 2>/dev/null || true)
# Debian's pg_config may name the client's folder; the server lives here.
if [ ! -x "$pg_bin/initdb" ]; then
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
python=/usr/bin/python3

say() { echo "stack: $*" >&2; }

wait_for() { # what, command...
    local what=$1; shift
    for _ in $(seq 1 100); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    say "$what did not come up"; return 1
}

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
    if [ ! -d "$pgdir/data" ]; then
        mkdir -p "$pgdir"
        if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pgdir"; fi
        as_postgres "$pg_bin/initdb" -D "$pgdir/data" -U dashboard -A trust \
            -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 \
            || { cat "$pgdir/initdb.log" >&2; return 1; }
        fresh=1
    fi
    as_postgres "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
        -o "-p $pg_port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off" \
        start >/dev/null || { cat "$pgdir/server.log" >&2; return 1; }
    if [ "${fresh:-0}" = 1 ]; then
        psql -q -h 127.0.0.1 -p "$pg_port" -U dashboard -d postgres \
            -c "CREATE DATABASE dashboard" >/dev/null || return 1
        psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U dashboard \
            -d dashboard -f "$top/conf/schema.sql" >/dev/null || return 1
    fi
}

pg_stop() {
    [ -d "$pgdir/data" ] || return 0
    # A server left frozen by a test would never stop.
    pg_signal CONT || true
    as_postgres "$pg_bin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# The postmaster and its children (backends, checkpointer, ...): frozen,
# they keep their sockets open and answer nothing, like a server stalled
# by the kernel or a hung disk.
pg_signal() {
    local pid
    pid=$(head -n 1 "$pgdir/data/postmaster.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] || return 1
    kill "-$1" "$pid" $(pgrep -P "$pid") 2>/dev/null
}

redis_kill() {
    local pid
    pid=$(cat "$dir/redis/redis.pid" 2>/dev/null) || return 0
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$dir/redis/redis.pid"; return 0; }
        sleep 0.1
    done
    say "redis $pid did not die"; return 1
}

redis_start() {
    mkdir -p "$dir/redis"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
        --appendonly no --daemonize yes --dir "$dir/redis" \
        --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
    wait_for redis redis-cli -p "$redis_port" ping
}

redis_stop() {
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
        redis-cli -p "$redis_port" ping >/dev/null 2>&1 || return 0
        sleep 0.1
    done
}

google_start() {
    mkdir -p "$dir/google"
    local seed=()
    [ -n "${DASH_GOOGLE_SEED:-}" ] && seed=(--seed "$DASH_GOOGLE_SEED")
    nohup "$python" "$here/standin/google_standin.py" --port "$google_port" \
        --client-id "$client_id" --client-secret "$client_secret" "${seed[@]}" \
        >"$dir/google/standin.log" 2>&1 &
    echo $! >"$dir/google/standin.pid"
    wait_for "Google stand-in" curl -sf "http://127.0.0.1:$google_port/_control/health"
}

# A throw-away CA and a certificate for 127.0.0.1 signed by it, made at
# every start: no key is ever committed, and none outlives the stack.
tls_make() {
    local t="$tls_dir"
    rm -rf "$t"
    mkdir -p "$t"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mod_dashboard test CA" \
        -keyout "$t/ca.key" -out "$t/ca.pem" >/dev/null 2>&1 || return 1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$t/server.key" -out "$t/server.csr" >/dev/null 2>&1 || return 1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$t/ext"
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
        -CAcreateserial -days 2 -extfile "$t/ext" -out "$t/server.pem" >/dev/null 2>&1 || return 1
    chmod 644 "$t/ca.pem"
    chmod 755 "$t"
}

google_tls_start() {
    [ -f "$tls_dir/server.pem" ] || tls_make || { say "cannot make the test CA"; return 1; }
    mkdir -p "$dir/google"
    nohup "$python" "$here/standin/h2_front.py" --port "$google_tls_port" \
        --backend-port "$google_port" --cert "$tls_dir/server.pem" \
        --key "$tls_dir/server.key" >"$dir/google/h2_front.log" 2>&1 &
    echo $! >"$dir/google/h2_front.pid"
    wait_for "TLS front of the Google stand-in" curl -sf --http2 \
        --cacert "$tls_dir/ca.pem" "https://127.0.0.1:$google_tls_port/_front/stats"
}

google_tls_stop() {
    local pidfile="$dir/google/h2_front.pid"
    [ -f "$pidfile" ] || return 0
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
}

google_stop() {
    local pidfile="$dir/google/standin.pid"
    [ -f "$pidfile" ] || return 0
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
}

print_env() {
    cat <<ENV
export DASH_PG_PORT=$pg_port
export DASH_REDIS_PORT=$redis_port
export DASH_GOOGLE_PORT=$google_port
export DASH_GOOGLE_URL=http://127.0.0.1:$google_port
export DASH_GOOGLE_TLS_PORT=$google_tls_port
export DASH_GOOGLE_TLS_URL=https://127.0.0.1:$google_tls_port
export DASH_UPSTREAM_CA=$tls_dir/ca.pem
export DASH_CLIENT_ID=$client_id
export DASH_CLIENT_SECRET=$client_secret
export DASH_STACK=$here/stack.sh
ENV
}

case "${1:-}" in
    start)
        "$0" stop >/dev/null 2>&1 || true
        rm -rf "$dir" "$pgdir"
        mkdir -p "$dir"
        pg_start || exit 1
        redis_start || exit 1
        google_start || exit 1
        google_tls_start || exit 1
        print_env >"$dir/env"
        say "up: postgres :$pg_port, redis :$redis_port, google stand-in :$google_port (TLS+h2 :$google_tls_port)"
        ;;
    stop)
        google_tls_stop; google_stop; redis_stop; pg_stop
        rm -rf "$pgdir" "$tls_dir"
        ;;
    env) print_env ;;
    pg-start) pg_start ;;
    pg-stop) pg_stop ;;
    pg-freeze) pg_signal STOP ;;
    pg-thaw) pg_signal CONT ;;
    redis-start) redis_start ;;
    redis-stop) redis_stop ;;
    redis-kill) redis_kill ;;
    google-start) google_start ;;
    google-stop) google_stop ;;
    *) echo "usage: $0 start|stop|env|pg-start|pg-stop|pg-freeze|pg-thaw|redis-start|redis-stop|redis-kill|google-start|google-stop" >&2; exit 2 ;;
esac
