#!/usr/bin/env bash
# /run/event throughput and latency, end-to-end executions delivered to a local sink, peak RSS —
# beside a plain libwebsockets "200 OK" server (bench_sink) measured the same way as the ceiling.
# Usage: tests/bench/events.sh BUILD_DIR   (a release build with build/solder and build/bench/)
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "events: wrk not installed (scripts/bootstrap.sh installs it); skipped"; exit 0; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
sink_port=$(free_port)
"$build/bench/bench_sink" "$sink_port" & sink_pid=$!
port=$(free_port)
"$build/solder" serve --listen "127.0.0.1:$port" --data "$tmp/data" --allow-private-network ${BENCH_SERVER_FLAGS:-} \
    > "$tmp/server.log" 2>&1 & server_pid=$!
trap 'kill $server_pid $sink_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do grep -q 'listening on' "$tmp/server.log" 2>/dev/null && break; sleep 0.1; done
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

rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
pct() { awk -v p="$2" '$1 == p {print $2}' "$1"; }

# Ceiling: the same wrk against the plain lws server.
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$tmp/post.lua" "http://127.0.0.1:$sink_port/ceiling" > "$tmp/ceiling.txt"
before=$(curl -s "http://127.0.0.1:$sink_port/count" | sed -E 's/[^0-9]//g')

# The acceptance path alone: an event no installation listens to (validated, stored, answered).
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$tmp/unmatched.lua" "$base/run/event" > "$tmp/alone.txt"

start=$(date +%s.%N)
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$tmp/post.lua" "$base/run/event" > "$tmp/events.txt"
accepted=$(awk '/requests in/ {print $1}' "$tmp/events.txt")
non2xx=$(awk '/Non-2xx/ {print $5}' "$tmp/events.txt"); non2xx=${non2xx:-0}
ok=$((accepted - non2xx))
# Wait for every accepted event's execution to reach the sink (bounded).
target=$((before + ok))
for _ in $(seq 1200); do
    got=$(curl -s "http://127.0.0.1:$sink_port/count" | sed -E 's/[^0-9]//g')
    [ "$got" -ge "$target" ] && break
    sleep 0.1
done
end=$(date +%s.%N)
delivered=$((got - before))
rss=$(awk '/VmHWM/ {print $2}' /proc/$server_pid/status)

printf '%-44s %12s\n' "metric" "value"
printf '%-44s %12s\n' "plain lws 200 OK server (ceiling), req/s" "$(rps "$tmp/ceiling.txt")"
printf '%-44s %12s\n' "/run/event accepted, no executions, req/s" "$(rps "$tmp/alone.txt")"
printf '%-44s %12s\n' "  p50 / p99 latency" "$(pct "$tmp/alone.txt" 50%) / $(pct "$tmp/alone.txt" 99%)"
printf '%-44s %12s\n' "/run/event accepted while executing, req/s" "$(rps "$tmp/events.txt")"
printf '%-44s %12s\n' "/run/event p50 latency" "$(pct "$tmp/events.txt" 50%)"
printf '%-44s %12s\n' "/run/event p99 latency" "$(pct "$tmp/events.txt" 99%)"
printf '%-44s %12s\n' "/run/event non-2xx answers" "$non2xx"
printf '%-44s %12s\n' "executions delivered to the sink" "$delivered of $ok"
printf '%-44s %12.0f\n' "end-to-end executions/s (load start to last)" \
    "$(echo "$delivered / ($end - $start)" | bc -l)"
printf '%-44s %12s\n' "ratio /run/event to ceiling" \
    "$(echo "scale=3; $(rps "$tmp/events.txt") / $(rps "$tmp/ceiling.txt")" | bc -l)"
printf '%-44s %9s KiB\n' "server peak RSS" "$rss"
echo "($secs s per run, $conns connections, wrk -t2; $(nproc) cores shared by load generator, server and sink)"
