#!/usr/bin/env bash
# make drill: the high-availability drill (docs/reliability.md), on
# loopback: scripts/drill.pl with the checkout's module. Prints the
# per-phase table and writes it to build/drill/table.md. Measured, not
# timed: not part of make test. Settings: see scripts/drill.pl.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -f .libs/mod_dashboard.so ] || { echo "drill: run make first" >&2; exit 1; }
# Postgres' server processes run as postgres: they must reach the folders.
export TMPDIR=${TMPDIR:-/tmp}
exec nice -n 5 /usr/bin/perl scripts/drill.pl "$@"
