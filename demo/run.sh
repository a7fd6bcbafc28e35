#!/usr/bin/env bash
# `make demo`: starts Solder, AcmeCo (the demo ISV) and the BigCommerce sandbox from the build in
# $1 (default build/), prints their URLs and stops all three on Ctrl-C. Data lives in
# $DEMO_DATA (default ./demo-data/) and is kept between runs; `make demo-reset` removes it first.
# The first start seeds what the quick start builds: `solder import demo/acmeco/catalog.json`
# (the "Fulfillment Updated" event and the BigCommerce integration with its two workflows, both
# released), the development API key handed to AcmeCo, two sandbox stores with a few orders, and
# the dashboard's operator account admin@acmeco.example, whose generated password is printed at that
# start only and kept in $DEMO_DATA/dashboard-password (0600).
#
# Ports: SOLDER_PORT (8080), ACMECO_PORT (8081), SANDBOX_PORT (8082).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
SOLDER_PORT=${SOLDER_PORT:-8080}
ACMECO_PORT=${ACMECO_PORT:-8081}
SANDBOX_PORT=${SANDBOX_PORT:-8082}
DATA=${DEMO_DATA:-./demo-data}
SOLDER_URL=http://127.0.0.1:$SOLDER_PORT
ACMECO_URL=http://127.0.0.1:$ACMECO_PORT
SANDBOX_URL=http://127.0.0.1:$SANDBOX_PORT

for bin in solder acmeco bigcommerce-sandbox; do
    [ -x "$BUILD/$bin" ] || { echo "demo: $BUILD/$bin is missing (make build)" >&2; exit 1; }
done
mkdir -p "$DATA/solder"
pids=()
stop() {
    trap - INT TERM EXIT
    echo
    echo "demo: stopping"
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    exit 0
}
trap stop INT TERM EXIT

wait_for() { # URL NAME
    for _ in $(seq 1 100); do
        curl -fs -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "demo: $2 did not start; see $DATA/*.log" >&2
    exit 1
}

first=false
[ -f "$DATA/.seeded" ] || first=true

# The dashboard's operator, made before Solder starts (so it prints no setup link): a random
# password, shown once below and kept 0600 beside the data.
ADMIN_EMAIL=admin@acmeco.example
PASSWORD_FILE=$DATA/dashboard-password
new_password=
if [ ! -s "$PASSWORD_FILE" ]; then
    new_password=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
    if ! printf '%s\n' "$new_password" | "$BUILD/solder" admin create --email "$ADMIN_EMAIL" \
        --data "$DATA/solder" >"$DATA/admin.log" 2>&1; then
        # An account from an earlier run whose password file is gone: give it the new password.
        printf '%s\n' "$new_password" | "$BUILD/solder" admin reset-password --email "$ADMIN_EMAIL" \
            --data "$DATA/solder" >>"$DATA/admin.log" 2>&1 || { cat "$DATA/admin.log" >&2; exit 1; }
    fi
    (umask 077 && printf '%s\n' "$new_password" >"$PASSWORD_FILE")
fi

# The sandbox stores (seeded with a few orders the first time each store is created).
"$BUILD/bigcommerce-sandbox" --listen "127.0.0.1:$SANDBOX_PORT" --data "$DATA/sandbox.json" \
    --store "greggsgarden::Gregg's Garden Supplies" --store "adasbooks::Ada's Analytical Books" \
    --seed 3 >"$DATA/sandbox.log" 2>&1 &
pids+=($!)

# Solder may call AcmeCo's webhook and the sandbox's API on loopback, and nothing else private.
"$BUILD/solder" serve --listen "127.0.0.1:$SOLDER_PORT" --data "$DATA/solder" \
    --allow-hosts "127.0.0.1:$ACMECO_PORT,127.0.0.1:$SANDBOX_PORT" >"$DATA/solder.log" 2>&1 &
pids+=($!)
wait_for "$SOLDER_URL/healthz" Solder
wait_for "$SANDBOX_URL/" "the sandbox"

if $first; then
    # Workflow #1 streams to AcmeCo's webhook: the catalog names port 8081, the default.
    sed "s|http://127.0.0.1:8081|$ACMECO_URL|g" demo/acmeco/catalog.json >"$DATA/catalog.json"
    "$BUILD/solder" import "$DATA/catalog.json" --env development --data "$DATA/solder" \
        >"$DATA/import.log" 2>&1 || { cat "$DATA/import.log" >&2; exit 1; }
    touch "$DATA/.seeded"
fi

"$BUILD/acmeco" --listen "127.0.0.1:$ACMECO_PORT" --solder "$SOLDER_URL" \
    --api-key-file "$DATA/solder/dev-api-key" --data "$DATA/acmeco.json" >"$DATA/acmeco.log" 2>&1 &
pids+=($!)
wait_for "$ACMECO_URL/" AcmeCo

if [ -n "$new_password" ]; then
    password_line="password $new_password (shown once; kept in $PASSWORD_FILE)"
else
    password_line="password in $PASSWORD_FILE"
fi
cat <<TEXT

  Solder       $SOLDER_URL          (API key: $DATA/solder/dev-api-key)
  Dashboard    $SOLDER_URL/         sign in as $ADMIN_EMAIL, $password_line
  AcmeCo       $ACMECO_URL          sign in as gregg or ada
  BigCommerce  $SANDBOX_URL          sandbox stores: greggsgarden, adasbooks

  The loop: AcmeCo → Integrations → BigCommerce → Install, with the credentials the sandbox
  shows; place an order in the sandbox; it appears on AcmeCo's Orders page; mark it fulfilled;
  the sandbox shows it Completed. Data in $DATA (make demo-reset starts clean). Ctrl-C stops all.

TEXT
[ "${DEMO_SMOKE:-}" = 1 ] && stop
wait -n "${pids[@]}" || true
echo "demo: a server stopped; see $DATA/*.log" >&2
stop
