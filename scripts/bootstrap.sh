#!/usr/bin/env bash
# Installs what Solder's build and tests need, quietly and idempotently.
# Debian 12: installs the packages with apt-get (as root) and fetches cJSON's source package for the
# WASM build into build/third_party/, from deb-src entries derived from the machine's own APT
# sources (scripts/deb-src.sh). Elsewhere: prints what to install and exits 1.
# Usage: scripts/bootstrap.sh [--no-wasm]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
want_wasm=1
[ "${1:-}" = "--no-wasm" ] && want_wasm=0

packages=(build-essential cmake pkg-config clang libclang-rt-14-dev
          libwebsockets-dev libcjson-dev libjwt-dev libsqlite3-dev sqlite3 libssl-dev
          libcurl4-openssl-dev libyaml-dev libsodium-dev dpkg-dev ca-certificates wrk chromium unicode-data
          libpq-dev libmariadb-dev postgresql mariadb-server)
[ "$want_wasm" = 1 ] && packages+=(emscripten)

if ! [ -r /etc/debian_version ] || ! command -v apt-get >/dev/null; then
    echo "bootstrap: not a Debian system; install these (or your distribution's equivalents):" >&2
    printf '  %s\n' "${packages[@]}" nodejs npm >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# cJSON source for the WASM build: Debian ships only the shared library.
if [ "$want_wasm" = 1 ]; then
    dest="$here/build/third_party"
    if ! ls "$dest"/cjson-*/cJSON.c >/dev/null 2>&1; then
        # deb-src entries mirroring the machine's own deb entries that libcjson-dev comes from
        # (same mirror, suites and key; scripts/deb-src.sh), written once and kept up to date.
        src_list=/etc/apt/sources.list.d/solder-src.sources
        if [ -f "$src_list" ] || ! apt-cache showsrc cjson 2>/dev/null | grep -q '^Package: cjson'; then
            derived=$(apt-cache madison libcjson-dev 2>/dev/null |
                awk -F'|' '{ split($3, f, " "); sub(/\/.*/, "", f[2]); if (f[2] != "") print f[1], f[2] }' |
                "$here/scripts/deb-src.sh" || true)
            wanted="# Written by scripts/bootstrap.sh from this machine's own APT entries (apt-get source cjson)"
            wanted+=$'\n'"$derived"
            if [ -n "$derived" ] && [ "$wanted" != "$(cat "$src_list" 2>/dev/null)" ]; then
                printf '%s\n' "$wanted" | $sudo tee "$src_list" >/dev/null
                $sudo apt-get update -qq
            fi
        fi
        mkdir -p "$dest"
        (cd "$dest" && apt-get source -qq --download-only cjson >/dev/null 2>&1 &&
            dpkg-source -x cjson_*.dsc >/dev/null 2>&1) ||
            { echo "bootstrap: could not fetch cJSON source; the WASM build will be skipped" >&2; }
    fi
fi
# playwright-core for the browser tests (tests/e2e), pinned by its package-lock.json. It drives the
# chromium package above; it must never download a browser of its own.
if [ ! -d "$here/tests/e2e/node_modules/playwright-core" ] || [ ! -d "$here/tests/e2e/node_modules/axe-core" ]; then
    (cd "$here/tests/e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        echo "bootstrap: could not install playwright-core; the e2e test will be skipped" >&2
fi
# The dashboard's build-time packages (Preact, htm, CodeMirror 6, uPlot, esbuild), pinned by
# web/package-lock.json; esbuild bundles them into web/dashboard/dist/ during the build.
if [ ! -d "$here/web/node_modules/esbuild" ] || [ ! -d "$here/web/node_modules/uplot" ]; then
    (cd "$here/web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        echo "bootstrap: could not install web/ packages; the dashboard bundle will be skipped" >&2
fi
# The API tests' contract checks (tests/api/contract.mjs): the OpenAPI 3.1 schema with its validator
# and ajv, pinned by tests/api/package-lock.json; used by the tests only.
if [ ! -d "$here/tests/api/node_modules/@seriousme/openapi-schema-validator" ] || [ ! -d "$here/tests/api/node_modules/ajv" ]; then
    (cd "$here/tests/api" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
        echo "bootstrap: could not install tests/api packages; the OpenAPI checks will fail in CI" >&2
fi
exit 0
