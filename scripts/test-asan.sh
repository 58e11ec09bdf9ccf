#!/usr/bin/env bash
# make test-asan: the unit tests, the fuzz corpora (make fuzz-replay) and
# the whole Apache::Test suite with the module built under AddressSanitizer
# and UndefinedBehaviorSanitizer (gcc), failing on any sanitizer report.
#
# The sanitized build lives in a copy of the checkout (build/asan/tree), so
# its objects never mix with the normal build and `make` timestamps in the
# checkout stay honest. httpd itself is not instrumented: the ASan runtime
# is preloaded into it (a module cannot bring its own: ASan must come
# first in the process's library list).
#
#   scripts/test-asan.sh [t/NN_x.t ...]   arguments go to t/run.sh
#   DASH_MPMS as for t/run.sh; default here: event, the threaded MPM, where
#   a race or a shared-state bug would show (make test runs every MPM with
#   the normal build; all three again under ASan would double CI's time)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
asan=$top/build/asan
tree=$asan/tree
san="-fsanitize=address,undefined -fno-omit-frame-pointer -g"

# ASan writes its reports to files, one per process, in a folder httpd's
# children (user nobody) can write: stderr reaches the error_log only once
# httpd has redirected it. gcc's UBSan runtime ignores log_path and always
# writes to stderr: the error_log of each MPM run and the console output
# are searched for its reports.
logs=$(mktemp -d /tmp/mod_dashboard-asan.XXXXXX)
chmod 1777 "$logs"
pattern='ERROR: (Address|Leak)Sanitizer|SUMMARY: [A-Za-z]+Sanitizer|runtime error:|Sanitizer:DEADLYSIGNAL'
report() {
    local found=0 f
    for f in "$logs"/*; do
        [ -f "$f" ] || continue
        case $f in
            */report*) ;;
            *) grep -qE "$pattern" "$f" || continue ;;
        esac
        [ $found = 1 ] || echo "== test-asan: sanitizer reports"
        found=1
        echo "--- $f"
        case $f in
            */report*) cat "$f" ;;
            *) grep -E -A 30 "$pattern" "$f" | head -n 200 ;;
        esac
    done
    [ $found = 0 ] && echo "== test-asan: no sanitizer report"
    return $found
}
trap 'rm -rf "$logs"' EXIT

# - detect_leaks=1 stays on for the unit tests (they free what they own).
#   For httpd it is off: a child exits through exit() without destroying
#   the process pool, apr's allocator keeps freed blocks, and libcurl,
#   hiredis and OpenSSL keep per-process state: LSan reports all of it,
#   none of it ours. Leaks in httpd are valgrind's job (make valgrind,
#   "definitely lost" after a clean shutdown).
# - UBSan halts the unit tests at their first report (halt_on_error=1).
#   Inside httpd's children it was seen not to halt (the request went on),
#   so there its reports are found by searching the logs; one printed by
#   the httpd -t runs of t/05_configtest.t, whose output the test keeps to
#   itself, would be missed. ASan always halts.
common="log_path=$logs/report:log_exe_name=1:print_stacktrace=1"
export ASAN_OPTIONS="$common:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="$common:halt_on_error=1"
# Sanitized code runs two to three times slower: the tests' timing bounds
# allow three times their slack (t/lib/Dash/Test.pm, t/unit/unit.h), never
# past the time the wrong behaviour would take.
export DASH_TIME_FACTOR=${DASH_TIME_FACTOR:-3}

echo "== test-asan: sanitized build in $tree"
rm -rf "$tree"
mkdir -p "$tree"
# The checkout as it is, uncommitted changes included, without build output.
git ls-files -z --cached --others --exclude-standard \
    | xargs -0 cp --parents -t "$tree"
make -C "$tree" --no-print-directory all unit fuzz-replay CC="gcc $san" \
    APXS="apxs -S CC='gcc $san'" || { report; exit 1; }

libasan=$(gcc -print-file-name=libasan.so)
cat >"$asan/httpd" <<EOF
#!/bin/sh
# httpd with the ASan runtime first in its library list (scripts/test-asan.sh).
LD_PRELOAD=$libasan exec /usr/sbin/apache2 "\$@"
EOF
chmod 755 "$asan/httpd"

status=0
export DASH_MPMS=${DASH_MPMS:-event}
# Tests that cannot run under the ASan runtime skip themselves
# (t/34_report_tz.t: libfaketime; t/46's resident-size check: ASan's
# quarantine keeps freed memory).
export DASH_SANITIZED=1
# The page is static files over the same API: its browser test (make test)
# exercises nothing of the module that the rest of the suite does not.
export DASH_UI_BROWSER=0
export ASAN_OPTIONS="$common:detect_leaks=0"
echo "== test-asan: Apache::Test suite against the sanitized module"
if ! (cd "$tree" && DASH_HTTPD="$asan/httpd" DASH_KEEP_LOGS="$logs" t/run.sh "$@") 2>&1 \
        | tee "$logs/console"; then
    status=1
fi

report || status=1
exit $status
