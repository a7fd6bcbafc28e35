#!/usr/bin/env bash
# /run/event throughput and latency, executions delivered to a local sink, server CPU per event,
# peak RSS — beside a plain libwebsockets "200 OK" server (bench_sink) measured the same way as the
# ceiling. Phases:
#   1. ceiling: wrk against bench_sink;
#   2. acceptance: the server with --workers 0, so /run/event only validates, stores the event and
#      its execution and answers (what the issue calls "accepted"); an event nobody listens to too;
#   3. execution: the server restarted with its workers and no load, draining what phase 2 queued;
#   4. both at once: wrk posts events while the workers execute them on the same cores.
# Usage: tests/bench/events.sh BUILD_DIR   (a release build with build/solder and build/bench/)
# BENCH_SECONDS (default 10), BENCH_CONNECTIONS (64), BENCH_SERVER_FLAGS (server flags; unset: the
# default configuration, --sync full and --no-alloy-signature, then their figures side by side).
set -euo pipefail
# Without BENCH_SERVER_FLAGS: as configured by default (X-Alloy-Signature on every call, an RSA-2048
# signature each; synchronous=NORMAL), with an fsync per commit (--sync full), and without the
# signature; then one table with a column per configuration.
if [ -z "${BENCH_SERVER_FLAGS+set}" ]; then
    summary=$(mktemp)
    for flags in "" "--sync full" "--no-alloy-signature"; do
        BENCH_SUMMARY=$summary BENCH_SERVER_FLAGS=$flags bash "$0" "$@"
        echo
    done
    echo "side by side (default = --sync normal, X-Alloy-Signature on):"
    awk -F'\t' '
        !($1 in seen) { seen[$1] = 1; cols[++nc] = $1 }
        !($2 in known) { known[$2] = 1; rows[++nr] = $2 }
        { v[$1, $2] = $3 }
        END {
            printf "%-46s", "metric"
            for (c = 1; c <= nc; c++) printf " %22s", cols[c]
            printf "\n"
            for (r = 1; r <= nr; r++) {
                printf "%-46s", rows[r]
                for (c = 1; c <= nc; c++) printf " %22s", v[cols[c], rows[r]]
                printf "\n"
            }
        }' "$summary"
    rm -f "$summary"
    exit
fi
build=$(cd "${1:-build}" && pwd)
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "events: wrk not installed (scripts/bootstrap.sh installs it); skipped"; exit 0; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
sink_port=$(free_port)
"$build/bench/bench_sink" "$sink_port" & sink_pid=$!
port=$(free_port)
server_pid=
trap 'kill $server_pid $sink_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

# The load is one key and one end user, far above the default limits (event: 10,000/s per user):
# limits high enough never to refuse, so that every figure counts answered events while the buckets
# are still taken from.
start_server() {
    : > "$tmp/server.log"
    "$build/solder" serve --listen "127.0.0.1:$port" --data "$tmp/data" --allow-private-network \
        --rate-limit key=1000000/2000000,event=1000000/2000000 \
        ${BENCH_SERVER_FLAGS:-} "$@" >> "$tmp/server.log" 2>&1 & server_pid=$!
    for _ in $(seq 100); do grep -q 'listening on' "$tmp/server.log" 2>/dev/null && return; sleep 0.1; done
    echo "events: the server did not start:"; cat "$tmp/server.log"; exit 1
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true; }
# Server CPU time (user + system, clock ticks) so far: a per-event cost that other load does not hide.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
tick_us=$((1000000 / $(getconf CLK_TCK)))
sink_count() { curl -s "http://127.0.0.1:$sink_port/count" | sed -E 's/[^0-9]//g'; }
# Waits (bounded) until the sink has counted $1 deliveries; prints the count reached.
wait_sink() {
    local got
    for _ in $(seq 1200); do
        got=$(sink_count)
        [ "$got" -ge "$1" ] && break
        sleep 0.05
    done
    echo "$got"
}
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$1"; }
count() { awk '/requests in/ {print $1}' "$1"; }
ok_count() { local n x; n=$(count "$1"); x=$(awk '/Non-2xx/ {print $5}' "$1"); echo $((n - ${x:-0})); }
per() { echo $(( $1 * tick_us / ($2 > 0 ? $2 : 1) )); }

start_server --workers 0
key=$(cat "$tmp/data/dev-api-key")
base="http://127.0.0.1:$port/2024-03"
call() { curl -sf -X "$1" "$base$2" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' ${3:+--data "$3"}; }

call POST /events '{"name":"Fulfillment Updated","body":{"orderId":"String","status":"String"}}' >/dev/null
call POST /events '{"name":"Unmatched","body":{"orderId":"String","status":"String"}}' >/dev/null
integ=$(call POST /integrations '{"name":"Bench"}' | sed -E 's/.*"integrationId":"([0-9a-f]+)".*/\1/')
wf=$(call POST /workflows "{\"integrationId\":\"$integ\",\"definition\":{\"name\":\"bench\",
  \"trigger\":{\"type\":\"customEvent\",\"event\":\"Fulfillment Updated\"},
  \"blocks\":[{\"id\":\"stream\",\"type\":\"streamData\",\"inputs\":{\"url\":\"'http://127.0.0.1:$sink_port/hook'\",
  \"body\":\"{'orderId': \$number(event.orderId), 'status': \$lowercase(event.status)}\"}}]}}" |
  sed -E 's/.*"workflowId":"([0-9a-f]+)".*/\1/')
call POST "/workflows/$wf/release" >/dev/null
user=$(call POST /users '{"username":"bench"}' | sed -E 's/.*"userId":"([0-9a-f]+)".*/\1/')
session=$(call POST /headless/startInstallation "{\"userId\":\"$user\",\"integrationId\":\"$integ\"}" |
  sed -E 's/.*"installationId":"([0-9a-f]+)".*/\1/')
call POST /headless/completeInstallation "{\"installationId\":\"$session\",\"data\":[]}" >/dev/null

cat > "$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
wrk.body = '{"event":"Fulfillment Updated","userId":"$user","data":{"orderId":"123","status":"FULFILLED"}}'
LUA
sed 's/"Fulfillment Updated"/"Unmatched"/' "$tmp/post.lua" > "$tmp/unmatched.lua"
run_wrk() { wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$1" "$2" > "$3"; }

# 1. Ceiling: the same wrk against the plain lws server.
run_wrk "$tmp/post.lua" "http://127.0.0.1:$sink_port/ceiling" "$tmp/ceiling.txt"
before=$(sink_count)

# 2. Acceptance (no workers): events nobody listens to, then events with one execution each.
cpu0=$(cpu_ticks)
run_wrk "$tmp/unmatched.lua" "$base/run/event" "$tmp/alone.txt"
alone_us=$(per $(( $(cpu_ticks) - cpu0 )) "$(count "$tmp/alone.txt")")
cpu0=$(cpu_ticks)
run_wrk "$tmp/post.lua" "$base/run/event" "$tmp/queued.txt"
queued=$(ok_count "$tmp/queued.txt")
queued_us=$(per $(( $(cpu_ticks) - cpu0 )) "$queued")
stop_server

# 3. Execution alone: restart with the workers, drain the queue.
start_server
cpu0=$(cpu_ticks)
t0=$(date +%s.%N)
got=$(wait_sink $((before + queued)))
t1=$(date +%s.%N)
drained=$((got - before))
drain_us=$(per $(( $(cpu_ticks) - cpu0 )) "$drained")
drain_rate=$(echo "$drained / ($t1 - $t0)" | bc -l)
before=$got

# 4. Both: accept and execute at once.
cpu0=$(cpu_ticks)
t0=$(date +%s.%N)
run_wrk "$tmp/post.lua" "$base/run/event" "$tmp/events.txt"
ok=$(ok_count "$tmp/events.txt")
got=$(wait_sink $((before + ok)))
t1=$(date +%s.%N)
delivered=$((got - before))
both_us=$(per $(( $(cpu_ticks) - cpu0 )) "$delivered")
rss=$(awk '/VmHWM/ {print $2}' /proc/$server_pid/status)

line() { printf '%-52s %16s\n' "$1" "$2"; }
line "metric" "value"
line "plain lws 200 OK server (ceiling), req/s" "$(rps "$tmp/ceiling.txt")"
line "/run/event accepted, executions queued, req/s" "$(rps "$tmp/queued.txt")"
line "  p50 / p99 latency" "$(pct "$tmp/queued.txt" 50%) / $(pct "$tmp/queued.txt" 99%)"
line "  server CPU per event, us" "$queued_us"
line "  ratio to ceiling" "$(echo "scale=3; $(rps "$tmp/queued.txt") / $(rps "$tmp/ceiling.txt")" | bc -l)"
line "/run/event, event nobody listens to, req/s" "$(rps "$tmp/alone.txt")"
line "  server CPU per event, us" "$alone_us"
line "executions from the queue (no load), per s" "$(printf '%.0f' "$drain_rate")"
line "  delivered to the sink" "$drained of $queued"
line "  server CPU per execution, us" "$drain_us"
line "accepting and executing at once: /run/event req/s" "$(rps "$tmp/events.txt")"
line "  p50 / p99 latency" "$(pct "$tmp/events.txt" 50%) / $(pct "$tmp/events.txt" 99%)"
line "  executions/s end to end (load start to last)" "$(printf '%.0f' "$(echo "$delivered / ($t1 - $t0)" | bc -l)")"
line "  delivered to the sink" "$delivered of $ok"
line "  server CPU per event accepted and executed, us" "$both_us"
line "server peak RSS (last run)" "$rss KiB"
echo "($secs s per run, $conns connections, wrk -t2; $(nproc) cores shared by load generator, server and sink;"
echo " server flags: ${BENCH_SERVER_FLAGS:-none})"
if [ -n "${BENCH_SUMMARY:-}" ]; then
    config=${BENCH_SERVER_FLAGS:-default}
    {
        printf '%s\t%s\t%s\n' "$config" "/run/event accepted, req/s" "$(rps "$tmp/queued.txt")"
        printf '%s\t%s\t%s\n' "$config" "  p50 / p99 latency" \
            "$(pct "$tmp/queued.txt" 50%) / $(pct "$tmp/queued.txt" 99%)"
        printf '%s\t%s\t%s\n' "$config" "  server CPU per event, us" "$queued_us"
        printf '%s\t%s\t%s\n' "$config" "executions from the queue, per s" \
            "$(printf '%.0f' "$drain_rate")"
        printf '%s\t%s\t%s\n' "$config" "  server CPU per execution, us" "$drain_us"
        printf '%s\t%s\t%s\n' "$config" "both at once: /run/event req/s" "$(rps "$tmp/events.txt")"
        printf '%s\t%s\t%s\n' "$config" "  executions/s end to end" \
            "$(printf '%.0f' "$(echo "$delivered / ($t1 - $t0)" | bc -l)")"
        printf '%s\t%s\t%s\n' "$config" "plain lws 200 OK (ceiling), req/s" "$(rps "$tmp/ceiling.txt")"
    } >> "$BENCH_SUMMARY"
fi
