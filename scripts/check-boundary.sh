#!/usr/bin/env bash
# make boundary: the two layers stay apart (docs/architecture.md).
# - src/core/ never includes an httpd header;
# - every symbol a core object exports starts with dash_<its file's area>_
#   (src/core/dash_redis_url.c: dash_redis_url_*), every one a glue object
#   exports with dashboard_;
# - the glue's calls form a DAG (scripts/check-glue-dag.pl).
# Usage: scripts/check-boundary.sh "CORE_OBJS" "GLUE_OBJS"
set -euo pipefail
core_objs=$1
glue_objs=$2

if grep -nE '#include *[<"](httpd|http_[a-z_]+|ap_[a-z_]+|mod_[a-z_]+|util_[a-z_]+)\.h' \
        src/core/*.c src/core/*.h; then
    echo "src/core/ must not include httpd headers"
    exit 1
fi

bad=""
for o in $core_objs; do
    area=$(basename "$o" .o)
    bad+=$(nm -g --defined-only "$o" | awk -v a="$area" -v o="$o" '$3 !~ "^" a "_" {print o ": " $3}')
done
for o in $glue_objs; do
    bad+=$(nm -g --defined-only "$o" | awk -v o="$o" '$3 !~ /^dashboard_/ {print o ": " $3}')
done
if [ -n "$bad" ]; then
    echo "names outside the rule of docs/architecture.md:"
    echo "$bad"
    exit 1
fi
exec perl "$(dirname "$0")/check-glue-dag.pl" $glue_objs
