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
#   t/stack.sh redis-freeze|redis-thaw   SIGSTOP / SIGCONT Redis: connections
#                                  stay open and nothing answers
#
# Two stacks side by side on one machine never meet: a port not given in
# the environment is a free one (drawn again when another process takes it
# first), the Postgres and TLS folders are private (mktemp), everything
# the stack started is written to $DASH_STACK_DIR/state, and stop, like
# every other command here, acts on that record only: it never stops a
# server this stack did not start. Readiness checks ask each server for
# its process id, so a foreign server on the port cannot pass for ours.
#
# Settings (environment): DASH_STACK_DIR (default t/tmp/stack),
# DASH_PG_DIR (default a new /tmp/mod_dashboard-pg.XXXXXX: the postgres
# user must reach it, which a checkout under /root does not allow),
# DASH_PG_PORT, DASH_REDIS_PORT, DASH_GOOGLE_PORT, DASH_GOOGLE_TLS_PORT
# (each default: a free port; the TLS one is the stand-in over TLS and
# HTTP/2, t/standin/h2_front.py, with a CA made at start in DASH_TLS_DIR,
# default a new /tmp/mod_dashboard-tls.XXXXXX), DASH_GOOGLE_SEED (a
# stand-in seed file), DASH_CLIENT_ID/DASH_CLIENT_SECRET.
set -euo pipefail
# Servers started with standard input closed take the next file they open
# as descriptor 0: Redis 7.0 then fails to start ("Error registering the
# readable event for the module pipe"). Nothing here reads its input.
exec </dev/null

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
dir=${DASH_STACK_DIR:-$here/tmp/stack}
state=$dir/state
# The module's role (docs/operations.md's grants), beside the superuser
# dashboard that initdb makes.
module_role=dashboard_module
client_id=${DASH_CLIENT_ID:-test-client.apps.googleusercontent.com}
client_secret=${DASH_CLIENT_SECRET:-test-client-secret}
pg_bin=$(pg_config --bindir 2>/dev/null || true)
# Debian's pg_config may name the client's folder; the server lives here.
if [ ! -x "$pg_bin/initdb" ]; then
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
python=/usr/bin/python3

# What a running stack started (written by start, read by every command).
pg_port="" redis_port="" google_port="" google_tls_port="" pgdir="" tls_dir=""
# shellcheck disable=SC1090
[ -f "$state" ] && . "$state"

say() { echo "stack: $*" >&2; }

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Records NAME=VALUE in the state file (and in this shell).
remember() { # name value
    printf -v "$1" '%s' "$2"
    mkdir -p "$dir"
    grep -v "^$1=" "$state" 2>/dev/null >"$state.new" || true
    printf '%s=%q\n' "$1" "$2" >>"$state.new"
    mv "$state.new" "$state"
}

# Starts a service on the port given in the environment, or else on a free
# one, drawn again (up to 5 times) when another process took it between the
# draw and the bind.
start_on_port() { # what env-value state-name start-function
    local what=$1 given=$2 name=$3 fn=$4 try
    for try in 1 2 3 4 5; do
        remember "$name" "${given:-$(free_port)}"
        "$fn" && return 0
        [ -z "$given" ] || break
        say "$what: port ${!name} taken, drawing another (try $try)"
    done
    say "$what did not come up"; return 1
}

pg_init() {
    [ -n "$pgdir" ] || remember pgdir "${DASH_PG_DIR:-$(mktemp -d /tmp/mod_dashboard-pg.XXXXXX)}"
    [ -d "$pgdir/data" ] && return 0
    mkdir -p "$pgdir"
    chmod 755 "$pgdir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$pgdir"; fi
    as_postgres "$pg_bin/initdb" -D "$pgdir/data" -U dashboard -A trust \
        -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 \
        || { cat "$pgdir/initdb.log" >&2; return 1; }
    pg_fresh=1
}

pg_start() {
    pg_init || return 1
    as_postgres "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
        -o "-p $pg_port -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off" \
        start >/dev/null || { tail -n 5 "$pgdir/server.log" >&2; return 1; }
    if [ "${pg_fresh:-0}" = 1 ]; then
        psql -q -h 127.0.0.1 -p "$pg_port" -U dashboard -d postgres \
            -c "CREATE DATABASE dashboard" >/dev/null || return 1
        psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U dashboard \
            -d dashboard -f "$top/conf/schema.sql" >/dev/null || return 1
        module_role_sql | psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" \
            -U dashboard -d dashboard >/dev/null || return 1
        pg_fresh=0
    fi
}

# The role the module runs as: docs/operations.md's own statements, read
# from there (renamed: the suite's superuser is called dashboard), so the
# grants the operator is told to give are the ones the tests prove enough.
# The helpers that seed data keep the superuser.
module_role_sql() {
    local sql
    sql=$(perl -0ne 'print $1 if /```sql\n(CREATE ROLE dashboard .*?)```/s' \
        "$top/docs/operations.md")
    case "$sql" in
        *"GRANT SELECT"*) ;;
        *) say "no CREATE ROLE and GRANT statements in docs/operations.md"; return 1 ;;
    esac
    printf '%s\n' "$sql" | sed -e "s/ROLE dashboard /ROLE $module_role /" \
        -e "s/ TO dashboard;/ TO $module_role;/" -e "s/PASSWORD '[^']*'/PASSWORD 'unused'/"
}

pg_stop() {
    [ -n "$pgdir" ] && [ -d "$pgdir/data" ] || return 0
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

redis_pid() { cat "$dir/redis/redis.pid" 2>/dev/null; }

redis_signal() { # STOP|CONT
    local pid
    pid=$(redis_pid) || return 1
    kill "-$1" "$pid"
}

redis_kill() {
    local pid
    pid=$(redis_pid) || return 0
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$dir/redis/redis.pid"; return 0; }
        sleep 0.1
    done
    say "redis $pid did not die"; return 1
}

# Ours when the server on the port says its process id is the one in our
# pid file.
redis_ours() {
    local pid
    pid=$(redis_pid) || return 1
    redis-cli -p "$redis_port" info server 2>/dev/null | tr -d '\r' | grep -qx "process_id:$pid"
}

redis_start() {
    mkdir -p "$dir/redis"
    rm -f "$dir/redis/redis.pid"
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
        --appendonly no --daemonize yes --dir "$dir/redis" \
        --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" || return 1
    for _ in $(seq 1 100); do
        redis_ours && return 0
        # Daemonized, it exits when it cannot bind: no pid file, or a dead pid.
        if [ -f "$dir/redis/redis.pid" ] && ! kill -0 "$(redis_pid)" 2>/dev/null; then
            return 1
        fi
        if grep -q 'Address already in use' "$dir/redis/redis.log" 2>/dev/null; then
            : >"$dir/redis/redis.log"
            return 1
        fi
        sleep 0.1
    done
    return 1
}

redis_stop() {
    local pid
    pid=$(redis_pid) || return 0
    # One left frozen by a test would not stop.
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$dir/redis/redis.pid"; return 0; }
        sleep 0.1
    done
    redis_kill
}

# Waits until URL answers JSON whose "pid" is PID, while PID lives.
wait_own() { # pid url [curl options...]
    local pid=$1 url=$2
    shift 2
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || return 1
        if curl -sf "$@" "$url" 2>/dev/null | grep -q "\"pid\": *$pid[,}]"; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

google_start() {
    mkdir -p "$dir/google"
    local seed=() pid
    [ -n "${DASH_GOOGLE_SEED:-}" ] && seed=(--seed "$DASH_GOOGLE_SEED")
    nohup "$python" "$here/standin/google_standin.py" --port "$google_port" \
        --client-id "$client_id" --client-secret "$client_secret" "${seed[@]}" \
        >"$dir/google/standin.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/google/standin.pid"
    wait_own "$pid" "http://127.0.0.1:$google_port/_control/health" && return 0
    kill "$pid" 2>/dev/null || true
    rm -f "$dir/google/standin.pid"
    return 1
}

# A throw-away CA and a certificate for 127.0.0.1 signed by it, made at
# every start: no key is ever committed, and none outlives the stack.
tls_make() {
    [ -n "$tls_dir" ] || remember tls_dir "${DASH_TLS_DIR:-$(mktemp -d /tmp/mod_dashboard-tls.XXXXXX)}"
    local t="$tls_dir"
    mkdir -p "$t"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mod_dashboard test CA" \
        -keyout "$t/ca.key" -out "$t/ca.pem" >/dev/null 2>&1 || return 1
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$t/server.key" -out "$t/server.csr" >/dev/null 2>&1 || return 1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >"$t/ext"
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" \
        -CAcreateserial -days 2 -extfile "$t/ext" -out "$t/server.pem" >/dev/null 2>&1 || return 1
    # httpd's children read the CA at each handshake.
    chmod 644 "$t/ca.pem"
    chmod 755 "$t"
}

google_tls_start() {
    [ -n "$tls_dir" ] && [ -f "$tls_dir/server.pem" ] || tls_make || { say "cannot make the test CA"; return 1; }
    mkdir -p "$dir/google"
    local pid
    nohup "$python" "$here/standin/h2_front.py" --port "$google_tls_port" \
        --backend-port "$google_port" --cert "$tls_dir/server.pem" \
        --key "$tls_dir/server.key" >"$dir/google/h2_front.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/google/h2_front.pid"
    wait_own "$pid" "https://127.0.0.1:$google_tls_port/_front/stats" \
        --http2 --cacert "$tls_dir/ca.pem" && return 0
    kill "$pid" 2>/dev/null || true
    rm -f "$dir/google/h2_front.pid"
    return 1
}

stop_pidfile() { # file
    [ -f "$1" ] || return 0
    kill "$(cat "$1")" 2>/dev/null || true
    rm -f "$1"
}

google_tls_stop() { stop_pidfile "$dir/google/h2_front.pid"; }
google_stop() { stop_pidfile "$dir/google/standin.pid"; }

print_env() {
    cat <<ENV
export DASH_PG_PORT=$pg_port
export DASH_PG_MODULE_USER=$module_role
export DASH_REDIS_PORT=$redis_port
export DASH_GOOGLE_PORT=$google_port
export DASH_GOOGLE_URL=http://127.0.0.1:$google_port
export DASH_GOOGLE_TLS_PORT=$google_tls_port
export DASH_GOOGLE_TLS_URL=https://127.0.0.1:$google_tls_port
export DASH_UPSTREAM_CA=$tls_dir/ca.pem
export DASH_CLIENT_ID=$client_id
export DASH_CLIENT_SECRET=$client_secret
export DASH_STACK=$here/stack.sh
export DASH_STACK_DIR=$dir
ENV
}

stop_all() {
    google_tls_stop; google_stop; redis_stop; pg_stop
    if [ -n "$pgdir" ]; then rm -rf "$pgdir"; fi
    if [ -n "$tls_dir" ]; then rm -rf "$tls_dir"; fi
    rm -rf "$dir"
}

case "${1:-}" in
    start)
        # Only a stack this folder recorded (an aborted run's) is stopped.
        [ -f "$state" ] && stop_all
        pg_port="" redis_port="" google_port="" google_tls_port="" pgdir="" tls_dir=""
        mkdir -p "$dir"
        start_on_port postgres "${DASH_PG_PORT:-}" pg_port pg_start || exit 1
        start_on_port redis "${DASH_REDIS_PORT:-}" redis_port redis_start || exit 1
        start_on_port "Google stand-in" "${DASH_GOOGLE_PORT:-}" google_port google_start || exit 1
        start_on_port "TLS front of the Google stand-in" "${DASH_GOOGLE_TLS_PORT:-}" \
            google_tls_port google_tls_start || exit 1
        print_env >"$dir/env"
        say "up: postgres :$pg_port, redis :$redis_port, google stand-in :$google_port (TLS+h2 :$google_tls_port)"
        ;;
    stop) [ -f "$state" ] && stop_all; exit 0 ;;
    env) print_env ;;
    pg-start) pg_start ;;
    pg-stop) pg_stop ;;
    pg-freeze) pg_signal STOP ;;
    pg-thaw) pg_signal CONT ;;
    redis-start) redis_start || { say "redis did not come up"; exit 1; } ;;
    redis-stop) redis_stop ;;
    redis-kill) redis_kill ;;
    redis-freeze) redis_signal STOP ;;
    redis-thaw) redis_signal CONT ;;
    google-start) google_start || { say "Google stand-in did not come up"; exit 1; } ;;
    google-stop) google_stop ;;
    *) echo "usage: $0 start|stop|env|pg-start|pg-stop|pg-freeze|pg-thaw|redis-start|redis-stop|redis-kill|redis-freeze|redis-thaw|google-start|google-stop" >&2; exit 2 ;;
esac
