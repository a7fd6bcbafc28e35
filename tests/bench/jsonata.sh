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
wasm=$(mktemp)
trap 'rm -f "$ours" "$theirs" "$wasm"' EXIT
"$bin" "$cases" "$secs" >"$ours"
if [ -d "$ref/node_modules/jsonata" ]; then
    ref=$(cd "$ref" && pwd)
    refver=$(node -p "require('$ref/node_modules/jsonata/package.json').version")
    node "$here/jsonata_ref.mjs" "$cases" "$ref/node_modules" "$secs" >"$theirs"
else
    refver="unavailable (npm install failed)"
    : >"$theirs"
fi
if [ -f "$build/wasm/solder-core.js" ]; then
    node --no-experimental-fetch "$here/jsonata_wasm.mjs" "$cases" "$(cd "$build" && pwd)/wasm/solder-core.js" \
        "$secs" >"$wasm"
fi
echo "jsonata npm $refver on node $(node --version); evaluations per second, one core"
echo "(solder = native; solder-wasm = the same C built by emcc, under node; ratio = native / npm)"
awk -F'\t' 'FILENAME == ARGV[1] { ref[$1] = $2; next }
    FILENAME == ARGV[2] { w[$1] = $2; next }
    BEGIN { printf "%-22s %12s %12s %12s %8s %12s\n", "case", "solder", "solder-wasm", "jsonata-npm",
                   "ratio", "native/wasm" }
    { r = ($1 in ref && ref[$1] > 0) ? sprintf("%.1fx", $2 / ref[$1]) : "-";
      nw = ($1 in w && w[$1] > 0) ? sprintf("%.2fx", $2 / w[$1]) : "-";
      printf "%-22s %12d %12s %12s %8s %12s\n", $1, $2, ($1 in w) ? w[$1] : "-",
             ($1 in ref) ? ref[$1] : "-", r, nw }' "$theirs" "$wasm" "$ours"
