#!/usr/bin/env bash
# JSON Schema validations per second, one core: Solder's validator (native release build) beside
# ajv (npm, draft 2020-12 mode) over the same schemas and instances, measured in the same run.
# "first-error" stops at the first failure (ajv's default); "all-errors" collects every error
# (ajv's allErrors). The "handwritten-c" rows are the event schema's checks written out by hand
# in C for that one schema (what a code generator would emit) over the same cJSON trees: the valid
# instance beside ajv's first-error figure, and the invalid one collecting the same five errors
# as C strings beside ajv's all-errors figure. They are the references for how fast any
# validator of cJSON trees can be.
# ajv is installed into tests/bench/node_modules (gitignored) on first use.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
bin="$build/bench/bench_schema"
seconds=${SCHEMA_BENCH_SECONDS:-1}
if [ ! -x "$bin" ]; then
    echo "schema: $bin not found (build the release configuration first)"
    exit 1
fi
if [ ! -f "$here/node_modules/ajv/package.json" ]; then
    npm install --no-save --no-package-lock --no-audit --no-fund --silent --prefix "$here" \
        ajv@8 >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" fixtures >"$tmp/fixtures.json"
# Rounds alternate between the two so that a change in machine load hits both; each keeps its best.
rounds=${SCHEMA_BENCH_ROUNDS:-2}
: >"$tmp/solder.txt"
: >"$tmp/ajv.txt"
for _ in $(seq "$rounds"); do
    "$bin" "$seconds" >>"$tmp/solder.txt"
    AJV_DIR="$here/node_modules" FIXTURES="$tmp/fixtures.json" SECONDS_PER_CASE="$seconds" \
        node - >>"$tmp/ajv.txt" <<'JS'
const { createRequire } = require('node:module');
const req = createRequire(process.env.AJV_DIR + '/');
const Ajv2020 = req('ajv/dist/2020').default;
const fixtures = JSON.parse(require('node:fs').readFileSync(process.env.FIXTURES, 'utf8'));
const seconds = Number(process.env.SECONDS_PER_CASE);
const modes = [['first-error', false], ['all-errors', true]];
for (const c of fixtures) {
  for (const [mode, allErrors] of modes) {
    const ajv = new Ajv2020({ allErrors, strict: false, validateFormats: false });
    const validate = ajv.compile(c.schema);
    let n = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      for (let i = 0; i < 1000; i++) validate(c.instance);
      n += 1000;
      elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    } while (elapsed < seconds);
    console.log(`${c.name} ${mode} ${Math.round(n / elapsed)}`);
  }
}
JS
done
echo "ajv $(node -p "require('$here/node_modules/ajv/package.json').version"), node $(node --version)," \
     "${seconds}s per case, best of $rounds alternating rounds, one core"
awk 'NR == FNR { k = $1 " " $2; if ($3 > ajv[k]) ajv[k] = $3; next }
     { k = $1 " " $2; if (!(k in best)) order[n++] = k; if ($3 > best[k]) best[k] = $3 }
     END {
         printf "%-15s %-17s %14s %14s %8s\n", "case", "mode", "solder/s", "ajv/s", "ratio"
         for (i = 0; i < n; i++) {
             split(order[i], f, " ")
             a = f[2] == "handwritten-c"       ? ajv[f[1] " first-error"] \
               : f[2] == "handwritten-c-all" ? ajv[f[1] " all-errors"] : ajv[order[i]]
             printf "%-15s %-17s %14d %14d %7.2fx\n", f[1], f[2], best[order[i]], a,
                    a ? best[order[i]] / a : 0
         }
     }' "$tmp/ajv.txt" "$tmp/solder.txt"
