#!/usr/bin/env bash
# Runs every benchmark script in tests/bench/ against a release build directory (default build/).
# Each script prints its own table; every figure is paired with a reference measured in the same run.
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
status=0
for s in "$here"/*.sh; do
    [ "$(basename "$s")" = run.sh ] && continue
    echo
    echo "== $(basename "$s" .sh)"
    bash "$s" "$build" || { echo "benchmark $(basename "$s") failed"; status=1; }
done
exit $status
