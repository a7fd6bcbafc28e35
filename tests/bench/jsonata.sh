#!/usr/bin/env bash
# JSONata evaluations per second, this engine against the jsonata npm package, same cases, same
# input, same run (tests/bench/jsonata-cases.json), one core each. The npm package is installed
# on first use into BUILD/bench/jsonata-ref (inside the build directory, never committed).
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
cases="$here/jsonata-cases.json"
secs=${JSONATA_BENCH_SECONDS:-1}
bin="$build/bench/bench_jsonata"
if [ ! -x "$bin" ]; then
    echo "bench_jsonata not built in $build (cmake --build $build --target bench_jsonata)"
    exit 1
fi
ref="$build/bench/jsonata-ref"
if [ ! -d "$ref/node_modules/jsonata" ]; then
    mkdir -p "$ref"
    (cd "$ref" && npm install --no-save --no-audit --no-fund --silent jsonata@2 >/dev/null 2>&1) || true
fi
ours=$(mktemp)
theirs=$(mktemp)
trap 'rm -f "$ours" "$theirs"' EXIT
"$bin" "$cases" "$secs" >"$ours"
if [ -d "$ref/node_modules/jsonata" ]; then
    ref=$(cd "$ref" && pwd)
    refver=$(node -p "require('$ref/node_modules/jsonata/package.json').version")
    node "$here/jsonata_ref.mjs" "$cases" "$ref/node_modules" "$secs" >"$theirs"
else
    refver="unavailable (npm install failed)"
    : >"$theirs"
fi
echo "jsonata npm $refver on node $(node --version); evaluations per second, one core"
awk -F'\t' 'NR==FNR { ref[$1] = $2; next }
    BEGIN { printf "%-22s %14s %14s %8s\n", "case", "solder", "jsonata-npm", "ratio" }
    { r = ($1 in ref && ref[$1] > 0) ? sprintf("%.1fx", $2 / ref[$1]) : "-";
      printf "%-22s %14d %14s %8s\n", $1, $2, ($1 in ref) ? ref[$1] : "-", r }' "$theirs" "$ours"
