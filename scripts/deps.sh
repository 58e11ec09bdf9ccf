#!/usr/bin/env bash
# Installs the Debian packages mod_dashboard needs to build, test and run
# its demo (and, named as arguments, the extra groups below), then the npm
# packages of package-lock.json (Chart.js for the dashboard page,
# playwright-core for its browser test) into node_modules/; installs
# nothing when they are all present. Debian 12, as root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

PACKAGES=(
    # build
    build-essential apache2-dev libhiredis-dev libjansson-dev
    libcurl4-openssl-dev libcmocka-dev libpq-dev
    # run: httpd with mod_dbd's pgsql driver
    apache2 apache2-utils libaprutil1-dbd-pgsql
    # the throw-away stack of the tests and the demo
    postgresql redis-server python3 curl
    # the stand-in over TLS and HTTP/2, with a test CA made at start
    python3-h2 openssl
    # Apache::Test (shipped inside mod_perl) and the test helpers
    libapache2-mod-perl2 libwww-perl libdbd-pg-perl libredis-perl
    # docs/openapi.yaml and the responses checked against it
    python3-jsonschema python3-yaml
    # make bench (wrk; pgrep from procps; callgrind: the valgrind group)
    wrk procps
    # the dashboard page's browser test: Debian's Chromium, a Korean font
    chromium fonts-nanum
)

# Tools of the targets outside `make test`: scripts/deps.sh GROUP...
for group in "$@"; do
    case $group in
        valgrind) PACKAGES+=(valgrind) ;;                 # make valgrind
        fuzz) PACKAGES+=(clang-14 libclang-rt-14-dev) ;;  # make fuzz (libFuzzer)
        *) echo "deps: unknown group $group" >&2; exit 2 ;;
    esac
done

# promtool, which checks the metrics output (t/40_metrics.t), is taken out
# of Debian's prometheus package (19 MB, a few seconds) rather than
# installed with it: the package would start a Prometheus server and pull
# in a web UI. Found by the tests at this path or on PATH.
PROMTOOL=/usr/local/lib/mod_dashboard/promtool

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
# Node.js may come from elsewhere than Debian (NodeSource ships npm inside
# its nodejs): ask for the commands, not for the packages.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
need_promtool=0
[ -x "$PROMTOOL" ] || command -v promtool >/dev/null || need_promtool=1

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ] || [ $need_promtool -eq 1 ]; then
    $SUDO apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ $need_promtool -eq 1 ]; then
    echo "deps: promtool from Debian's prometheus package"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # (As root apt warns that it downloads unsandboxed into a private dir.)
    (cd "$work" && apt-get download -qq prometheus 2>/dev/null)
    dpkg-deb --fsys-tarfile "$work"/prometheus_*.deb \
        | tar -x -C "$work" ./usr/bin/promtool
    $SUDO install -D -m 755 "$work/usr/bin/promtool" "$PROMTOOL"
fi

# npm ci writes node_modules/.package-lock.json: older than the lockfile
# (or absent) means node_modules/ is not what package-lock.json says.
stamp=$top/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ "$top/package-lock.json" -nt "$stamp" ] \
        || [ "$top/package.json" -nt "$stamp" ]; then
    echo "deps: npm ci"
    (cd "$top" && npm ci --no-audit --no-fund --loglevel=error)
fi
