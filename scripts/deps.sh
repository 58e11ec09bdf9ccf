#!/usr/bin/env bash
# Installs the Debian packages of the groups named as arguments (Debian 12,
# as root), only those missing. Each group is for one purpose, so that a
# production host is never told to install what only the tests need:
#   build     building the module from source (exactly what make needs)
#   run       running a module built from source: Apache, mod_dbd's pgsql
#             driver, the page's Chart.js (the package depends on these)
#   deb       make deb: the build group and Debian's packaging tools
#   test      make check: the throw-away Postgres, Redis and Google
#             stand-in, Apache::Test, Chromium for the page's browser test,
#             promtool, and the npm packages of package-lock.json
#             (playwright-core and axe-core, test-only) into node_modules/
#   package   make test-package: deb, run, and the throw-away Postgres,
#             Redis and Google stand-in of the install test
#   valgrind, bench, fuzz   make valgrind, make bench, make fuzz
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

BUILD=(build-essential apache2-dev libpq-dev libhiredis-dev libjansson-dev libcurl4-openssl-dev)
# tzdata: DashboardReportTimeZone reads its zones from /usr/share/zoneinfo.
RUN=(apache2 libaprutil1-dbd-pgsql libjs-chart.js tzdata)
DEB=(debhelper dpkg-dev lintian libcmocka-dev)
TEST=(
    # the unit tests of the core
    libcmocka-dev
    # htpasswd, curl
    apache2-utils curl
    # the throw-away stack of the tests and the demo (redis-sentinel: the
    # Sentinel failover test)
    postgresql redis-server redis-sentinel python3
    # the stand-in over TLS and HTTP/2, with a test CA made at start
    python3-h2 openssl
    # Apache::Test (shipped inside mod_perl) and the test helpers
    libapache2-mod-perl2 libwww-perl libdbd-pg-perl libredis-perl
    # docs/openapi.yaml and the responses checked against it
    python3-jsonschema python3-yaml
    # pgrep
    procps
    # t/34_report_tz.t: an httpd whose clock reads a chosen instant
    faketime libfaketime
    # the dashboard page's browser test: Debian's Chromium, a Korean font
    chromium fonts-nanum
)
# make test-package: htpasswd, curl, the services, ss
PKGTEST=(apache2-utils curl postgresql redis-server python3 iproute2 procps)

[ $# -gt 0 ] || { awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

PACKAGES=()
want_test=0
for group in "$@"; do
    case $group in
        build) PACKAGES+=("${BUILD[@]}") ;;
        run) PACKAGES+=("${RUN[@]}") ;;
        deb) PACKAGES+=("${BUILD[@]}" "${DEB[@]}") ;;
        test) PACKAGES+=("${BUILD[@]}" "${RUN[@]}" "${TEST[@]}"); want_test=1 ;;
        package) PACKAGES+=("${BUILD[@]}" "${RUN[@]}" "${DEB[@]}" "${PKGTEST[@]}") ;;
        valgrind) PACKAGES+=(valgrind) ;;
        bench) PACKAGES+=(wrk procps) ;;
        fuzz) PACKAGES+=("${BUILD[@]}" clang-14 libclang-rt-14-dev) ;;
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
need_promtool=0
if [ $want_test -eq 1 ]; then
    # Node.js may come from elsewhere than Debian (NodeSource ships npm
    # inside its nodejs): ask for the commands, not for the packages.
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    [ -x "$PROMTOOL" ] || command -v promtool >/dev/null || need_promtool=1
fi

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
if [ $want_test -eq 1 ] && { [ ! -f "$stamp" ] || [ "$top/package-lock.json" -nt "$stamp" ] \
        || [ "$top/package.json" -nt "$stamp" ]; }; then
    echo "deps: npm ci"
    (cd "$top" && npm ci --no-audit --no-fund --loglevel=error)
fi
