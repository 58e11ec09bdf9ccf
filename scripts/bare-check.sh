#!/usr/bin/env bash
# Runs .ci/run on a bare Debian 12 (debootstrap minbase) in a chroot, from a
# fresh clone of HEAD: proves that `make test` installs everything it needs,
# which CI on a machine that already has the packages cannot show. Root,
# and Debian's package archive reachable. Takes a few minutes.
#   scripts/bare-check.sh [DIR]     (default /tmp/mod_dashboard-bare)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/tmp/mod_dashboard-bare}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null

cleanup() {
    umount -R "$root/dev" 2>/dev/null || true
    umount "$root/proc" "$root/sys" "$root/tmp" 2>/dev/null || true
}
trap cleanup EXIT

cleanup
rm -rf "$root"
debootstrap --variant=minbase --include=make,git,ca-certificates bookworm \
    "$root" "$mirror" >"$root.debootstrap.log" 2>&1 \
    || { tail -20 "$root.debootstrap.log"; exit 1; }
# The host's sources (updates and security too), and no service starts
# from package scripts, as on the project's machines.
cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
cp /etc/resolv.conf "$root/etc/"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t sysfs sys "$root/sys"
mount -t tmpfs tmp "$root/tmp"
git clone -q "$top" "$root/root/ci"
chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root CI=true bash -c 'cd /root/ci && bash .ci/run'
