#!/usr/bin/env bash
# Installs the Debian packages mod_dashboard needs to build, test and run
# its demo; installs nothing when they are all present. Debian 12, as root.
set -euo pipefail

PACKAGES=(
    # build
    build-essential apache2-dev libhiredis-dev libjansson-dev
    libcurl4-openssl-dev libcmocka-dev
    # run: httpd with mod_dbd's pgsql driver
    apache2 apache2-utils libaprutil1-dbd-pgsql
    # the throw-away stack of the tests and the demo
    postgresql redis-server python3 curl
    # Apache::Test (shipped inside mod_perl) and the test helpers
    libapache2-mod-perl2 libwww-perl libdbd-pg-perl libredis-perl
    # docs/openapi.yaml and the responses checked against it
    python3-jsonschema python3-yaml
    # make bench (wrk; pgrep from procps)
    wrk procps
)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
