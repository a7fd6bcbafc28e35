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
# BENCH_SECONDS (default 10), BENCH_CONNECTIONS (64), BENCH_CONFIGS (the configurations to run, of
# default sync-full no-signature postgres postgres-2; default all of them), BENCH_STORE and
# BENCH_SERVER_FLAGS (one run of one configuration: store sqlite, postgres or postgres-2 (two nodes
# on one database, the load split between them), and the server's flags).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/bench/lib/postgres.sh
source "$here/lib/postgres.sh"
# Without BENCH_SERVER_FLAGS: SQLite as configured by default (X-Alloy-Signature on every call, an
# RSA-2048 signature each; synchronous=NORMAL), with an fsync per commit (--sync full), and without
# the signature; then PostgreSQL (started here, removed at the end) with one node and with two;
# then one table with a column per configuration, and one with a row per store.
if [ -z "${BENCH_SERVER_FLAGS+set}" ]; then
    all="default sync-full no-signature postgres postgres-2"
    summary=$(mktemp)
    trap 'pg_remove; rm -f "$summary"' EXIT
    trap 'exit 130' INT TERM
    pg_state=unused
    for config in ${BENCH_CONFIGS:-$all}; do
        case $config in
        default) store=sqlite flags= ;;
        sync-full) store=sqlite flags="--sync full" ;;
        no-signature) store=sqlite flags=--no-alloy-signature ;;
        postgres | postgres-2) store=$config flags= ;;
        *) echo "events: unknown configuration $config (one of: $all)"; exit 2 ;;
        esac
        if [ "$store" != sqlite ] && [ "$pg_state" = unused ]; then
            if pg_start; then
                pg_state=up
                echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT" \
                     "(initdb defaults: fsync $(pg_sql 'SHOW fsync'), synchronous_commit" \
                     "$(pg_sql 'SHOW synchronous_commit'), shared_buffers $(pg_sql 'SHOW shared_buffers'))"
                echo
            else
                pg_state=skipped
            fi
        fi
        if [ "$store" != sqlite ] && [ "$pg_state" = skipped ]; then
            echo "events: $config skipped: $PG_SKIP"
            printf '%s\t%s\n' "$config" "$PG_SKIP" >> "$summary.skipped"
            echo
            continue
        fi
        BENCH_SUMMARY=$summary BENCH_STORE=$store BENCH_SERVER_FLAGS=$flags BENCH_PG_URL_BASE=$PG_URL_BASE \
            BENCH_PG_DIR=$PG_DIR BENCH_PG_BIN=$PG_BIN BENCH_PG_PORT=$PG_PORT bash "$0" "$@" || {
            rc=$?
            [ "$rc" = 130 ] && exit 130
            echo "events: configuration $config failed (status $rc)"
        }
        echo
    done
    echo "side by side (default = SQLite, --sync normal, X-Alloy-Signature on):"
    awk -F'\t' '
        !($1 in seen) { seen[$1] = 1; cols[++nc] = $1 }
        !($2 in known) { known[$2] = 1; rows[++nr] = $2 }
        { v[$1, $2] = $3 }
        END {
            printf "%-46s", "metric"
            for (c = 1; c <= nc; c++) printf " %20s", cols[c]
            printf "\n"
            for (r = 1; r <= nr; r++) {
                printf "%-46s", rows[r]
                for (c = 1; c <= nc; c++) printf " %20s", v[cols[c], rows[r]]
                printf "\n"
            }
        }' "$summary"
    echo
    echo "/run/event by store (X-Alloy-Signature on; accepted: workers off; end to end: accepting"
    echo "and executing at once, executions/s from the start of the load to the last delivery):"
    printf '%-22s %14s %10s %16s %16s\n' "store" "accepted req/s" "of ceiling" "end to end req/s" "executions/s"
    for row in "default|default|SQLite, 1 node" "postgres|postgres, 1 node|PostgreSQL, 1 node" \
        "postgres-2|postgres, 2 nodes|PostgreSQL, 2 nodes"; do
        IFS='|' read -r name config label <<< "$row"
        why=$(awk -F'\t' -v c="$name" '$1 == c {print $2}' "$summary.skipped" 2>/dev/null || true)
        if [ -n "$why" ]; then printf '%-22s skipped: %s\n' "$label" "$why"; continue; fi
        awk -F'\t' -v c="$config" -v label="$label" '
            $1 == c { v[$2] = $3; found = 1 }
            END {
                if (!found) { printf "%-22s not run\n", label; exit }
                printf "%-22s %14s %10s %16s %16s\n", label, v["/run/event accepted, req/s"],
                    v["  share of the ceiling"], v["both at once: /run/event req/s"],
                    v["  executions/s end to end"]
            }' "$summary"
    done
    rm -f "$summary.skipped"
    exit
fi
build=$(cd "${1:-build}" && pwd)
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-64}
store=${BENCH_STORE:-sqlite}
case $store in
sqlite | postgres) nodes=1 ;;
postgres-2) nodes=2 ;;
*) echo "events: BENCH_STORE must be sqlite, postgres or postgres-2, not $store"; exit 2 ;;
esac
command -v wrk >/dev/null || { echo "events: wrk not installed (scripts/bootstrap.sh installs it); skipped"; exit 0; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tmp=$(mktemp -d)
server_pids=()
sink_pid=
dbname=
own_pg=0
cleanup() {
    kill "${server_pids[@]}" $sink_pid 2>/dev/null || true
    wait 2>/dev/null || true
    if [ -n "$dbname" ]; then pg_sql "DROP DATABASE IF EXISTS $dbname" >/dev/null 2>&1 || true; fi
    if [ "$own_pg" = 1 ]; then pg_remove; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'echo "events: line $LINENO failed: $BASH_COMMAND"' ERR
sink_port=$(free_port)
"$build/bench/bench_sink" "$sink_port" & sink_pid=$!
ports=()
for _ in $(seq "$nodes"); do ports+=("$(free_port)"); done

# PostgreSQL: the server the caller started (BENCH_PG_*), or one of this run's own; a database of
# this run's own either way.
database=()
if [ "$store" != sqlite ]; then
    if [ -n "${BENCH_PG_URL_BASE:-}" ]; then
        PG_URL_BASE=$BENCH_PG_URL_BASE PG_DIR=$BENCH_PG_DIR PG_BIN=$BENCH_PG_BIN PG_PORT=$BENCH_PG_PORT
    else
        own_pg=1
        pg_start || { echo "events: $store skipped: $PG_SKIP"; exit 0; }
    fi
    dbname=bench_$$
    pg_sql "CREATE DATABASE $dbname" >/dev/null
    database=(--database "$PG_URL_BASE/$dbname")
fi

# The load is one key and one end user, far above the default limits (event: 10,000/s per user):
# limits high enough never to refuse, so that every figure counts answered events while the buckets
# are still taken from. Node 1 starts first (it creates the schema, the account and the key); the
# others share its master key, each with a data directory of its own.
start_server() {
    local i
    server_pids=()
    for i in $(seq "$nodes"); do
        if [ "$i" -gt 1 ] && [ ! -f "$tmp/data$i/master.key" ]; then
            mkdir -p "$tmp/data$i"
            cp "$tmp/data1/master.key" "$tmp/data$i/"
        fi
        : > "$tmp/server$i.log"
        "$build/solder" serve --listen "127.0.0.1:${ports[i - 1]}" --data "$tmp/data$i" "${database[@]}" \
            --allow-private-network --rate-limit key=1000000/2000000,event=1000000/2000000 \
            ${BENCH_SERVER_FLAGS:-} "$@" >> "$tmp/server$i.log" 2>&1 & server_pids+=($!)
        local up=0
        for _ in $(seq 300); do grep -q 'listening on' "$tmp/server$i.log" 2>/dev/null && { up=1; break; }; sleep 0.1; done
        [ "$up" = 1 ] || { echo "events: server $i did not start:"; cat "$tmp/server$i.log"; exit 1; }
    done
}
stop_server() {
    local pid
    kill -TERM "${server_pids[@]}"
    for pid in "${server_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
# CPU time (user + system, clock ticks) so far of the servers, and of PostgreSQL (its server and
# backends): a per-event cost that other load does not hide.
cpu_ticks() {
    local pid t=0
    for pid in "${server_pids[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
    echo "$t"
}
db_ticks() { if [ "$store" = sqlite ]; then echo 0; else pg_cpu_ticks; fi; }
tick_us=$((1000000 / $(getconf CLK_TCK)))
sink_count() { curl -s "http://127.0.0.1:$sink_port/count" | sed -E 's/[^0-9]//g'; }
# Waits until the sink has counted $1 deliveries, for at most about a minute and 10 s without a
# new one (executions that do not run must not hold the benchmark); prints the count reached.
wait_sink() {
    local got last=-1 still=0
    for _ in $(seq 1200); do
        got=$(sink_count)
        [ "$got" -ge "$1" ] && break
        if [ "$got" = "$last" ]; then still=$((still + 1)); else still=0 last=$got; fi
        [ "$still" -ge 200 ] && break
        sleep 0.05
    done
    echo "$got"
}
# wrk's results of one phase: OUT, or OUT.1, OUT.2, … when the load was split between nodes.
outs() { ls "$1" "$1".[0-9] 2>/dev/null; }
rps() { awk '/Requests\/sec/ {s += $2} END {printf "%.2f", s}' $(outs "$1"); }
# A latency percentile in ms; of the load split between nodes, the worse of the wrk processes'.
pct() {
    awk -v p="$2" '$1 == p {
            u = $2; sub(/^[0-9.]+/, "", u)
            x = ($2 + 0) * (u == "us" ? 0.001 : u == "s" ? 1000 : u == "m" ? 60000 : 1)
            if (x > m) m = x
        } END { printf "%.1f", m }' $(outs "$1")
}
count() { awk '/requests in/ {s += $1} END {print s + 0}' $(outs "$1"); }
ok_count() { local n x; n=$(count "$1"); x=$(awk '/Non-2xx/ {s += $5} END {print s + 0}' $(outs "$1")); echo $((n - x)); }
per() { echo $(( $1 * tick_us / ($2 > 0 ? $2 : 1) )); }

start_server --workers 0
key=$(cat "$tmp/data1/dev-api-key")
base="http://127.0.0.1:${ports[0]}/2024-03"
events=()
for p in "${ports[@]}"; do events+=("http://127.0.0.1:$p/2024-03/run/event"); done
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
# wrk's two threads and its connections against each URL, or split between the URLs (one wrk
# process each, at once: wrk takes one URL) — the same load generator either way.
run_wrk() {
    local script=$1 out=$2 n i pids=()
    shift 2
    n=$#
    rm -f "$out" "$out".[0-9]
    if [ "$n" = 1 ]; then wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$script" "$1" > "$out"; return; fi
    for i in $(seq "$n"); do
        wrk -t1 -c$((conns / n)) -d"${secs}s" --latency -s "$script" "${!i}" > "$out.$i" &
        pids+=($!)
    done
    for i in "${pids[@]}"; do wait "$i"; done
}
ceilings=()
for _ in "${ports[@]}"; do ceilings+=("http://127.0.0.1:$sink_port/ceiling"); done

# 1. Ceiling: the same wrk against the plain lws server.
run_wrk "$tmp/post.lua" "$tmp/ceiling.txt" "${ceilings[@]}"
before=$(sink_count)

# 2. Acceptance (no workers): events nobody listens to, then events with one execution each.
cpu0=$(cpu_ticks)
run_wrk "$tmp/unmatched.lua" "$tmp/alone.txt" "${events[@]}"
alone_us=$(per $(( $(cpu_ticks) - cpu0 )) "$(count "$tmp/alone.txt")")
cpu0=$(cpu_ticks) db0=$(db_ticks)
run_wrk "$tmp/post.lua" "$tmp/queued.txt" "${events[@]}"
queued=$(ok_count "$tmp/queued.txt")
queued_us=$(per $(( $(cpu_ticks) - cpu0 )) "$queued")
queued_db_us=$(per $(( $(db_ticks) - db0 )) "$queued")
stop_server

# 3. Execution alone: restart with the workers, drain the queue.
start_server
cpu0=$(cpu_ticks) db0=$(db_ticks)
t0=$(date +%s.%N)
got=$(wait_sink $((before + queued)))
t1=$(date +%s.%N)
drained=$((got - before))
drain_us=$(per $(( $(cpu_ticks) - cpu0 )) "$drained")
drain_db_us=$(per $(( $(db_ticks) - db0 )) "$drained")
drain_rate=$(echo "$drained / ($t1 - $t0)" | bc -l)
before=$got

# 4. Both: accept and execute at once.
cpu0=$(cpu_ticks) db0=$(db_ticks)
t0=$(date +%s.%N)
run_wrk "$tmp/post.lua" "$tmp/events.txt" "${events[@]}"
ok=$(ok_count "$tmp/events.txt")
got=$(wait_sink $((before + ok)))
t1=$(date +%s.%N)
delivered=$((got - before))
both_us=$(per $(( $(cpu_ticks) - cpu0 )) "$delivered")
both_db_us=$(per $(( $(db_ticks) - db0 )) "$delivered")
rss=$(for pid in "${server_pids[@]}"; do awk '/VmHWM/ {print $2}' "/proc/$pid/status"; done | paste -sd/)
share=$(echo "scale=3; $(rps "$tmp/queued.txt") / $(rps "$tmp/ceiling.txt")" | bc -l)
end_to_end=$(printf '%.0f' "$(echo "$delivered / ($t1 - $t0)" | bc -l)")

line() { printf '%-52s %16s\n' "$1" "$2"; }
line "metric" "value"
line "plain lws 200 OK server (ceiling), req/s" "$(rps "$tmp/ceiling.txt")"
line "/run/event accepted, executions queued, req/s" "$(rps "$tmp/queued.txt")"
line "  p50 / p99 latency, ms" "$(pct "$tmp/queued.txt" 50%) / $(pct "$tmp/queued.txt" 99%)"
line "  server CPU per event, us" "$queued_us"
[ "$store" = sqlite ] || line "  PostgreSQL CPU per event, us" "$queued_db_us"
line "  ratio to ceiling" "$share"
line "/run/event, event nobody listens to, req/s" "$(rps "$tmp/alone.txt")"
line "  server CPU per event, us" "$alone_us"
line "executions from the queue (no load), per s" "$(printf '%.0f' "$drain_rate")"
line "  delivered to the sink" "$drained of $queued"
line "  server CPU per execution, us" "$drain_us"
[ "$store" = sqlite ] || line "  PostgreSQL CPU per execution, us" "$drain_db_us"
line "accepting and executing at once: /run/event req/s" "$(rps "$tmp/events.txt")"
line "  p50 / p99 latency, ms" "$(pct "$tmp/events.txt" 50%) / $(pct "$tmp/events.txt" 99%)"
line "  executions/s end to end (load start to last)" "$end_to_end"
line "  delivered to the sink" "$delivered of $ok"
line "  server CPU per event accepted and executed, us" "$both_us"
[ "$store" = sqlite ] || line "  PostgreSQL CPU per event accepted and executed, us" "$both_db_us"
line "server peak RSS (last run, per node)" "$rss KiB"
if [ "$nodes" = 1 ]; then load="wrk -t2 -c$conns"; else load="$nodes wrk processes at once, -t1 -c$((conns / nodes)) each, one per node"; fi
echo "($secs s per run, $conns connections, $load; $(nproc) cores shared by load generator, server(s),"
echo " sink${dbname:+ and PostgreSQL}; store: $store; server flags: ${BENCH_SERVER_FLAGS:-none})"
if [ -n "${BENCH_SUMMARY:-}" ]; then
    case $store in
    sqlite) config=${BENCH_SERVER_FLAGS:-default} ;;
    postgres) config="postgres, 1 node" ;;
    *) config="postgres, 2 nodes" ;;
    esac
    row() { printf '%s\t%s\t%s\n' "$config" "$1" "$2"; }
    {
        row "/run/event accepted, req/s" "$(rps "$tmp/queued.txt")"
        row "  share of the ceiling" "$share"
        row "  p50 / p99 latency, ms" "$(pct "$tmp/queued.txt" 50%) / $(pct "$tmp/queued.txt" 99%)"
        row "  server CPU per event, us" "$queued_us"
        row "  PostgreSQL CPU per event, us" "$([ "$store" = sqlite ] || echo "$queued_db_us")"
        row "executions from the queue, per s" "$(printf '%.0f' "$drain_rate")"
        row "  server CPU per execution, us" "$drain_us"
        row "  PostgreSQL CPU per execution, us" "$([ "$store" = sqlite ] || echo "$drain_db_us")"
        row "both at once: /run/event req/s" "$(rps "$tmp/events.txt")"
        row "  executions/s end to end" "$end_to_end"
        row "plain lws 200 OK (ceiling), req/s" "$(rps "$tmp/ceiling.txt")"
    } >> "$BENCH_SUMMARY"
fi
