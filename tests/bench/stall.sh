#!/usr/bin/env bash
# GET /healthz latency from one client while others attack the server: idle and trickling
# connections, a heavy validation, a wide body, a held database lock, a chunked body
# (tests/bench/stall.mjs). Usage: tests/bench/stall.sh BUILD_DIR (a release build with solder).
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
command -v sqlite3 >/dev/null || { echo "stall: sqlite3 not installed (scripts/bootstrap.sh installs it)"; exit 1; }
node "$here/stall.mjs" "$build/solder"
