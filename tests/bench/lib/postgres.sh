# shellcheck shell=bash
# A throwaway PostgreSQL server for the benchmarks (the shell counterpart of startPostgres in
# tests/api/dbservers.mjs): Debian's postgresql package, initdb in a temporary directory, password
# (SCRAM) authentication, listening on 127.0.0.1 on a free port, run as the unprivileged postgres
# user (runuser) when the caller is root. Settings are PostgreSQL's defaults (fsync on,
# synchronous_commit on) apart from the address, the port and the socket directory. Sourced, not
# run: it defines functions and sets no trap of its own (the caller's trap calls pg_remove).
#   pg_start      -> 0 and PG_URL_BASE (postgres://postgres:PASS@127.0.0.1:PORT), PG_DIR, PG_BIN;
#                    1 and PG_SKIP (why) when the package is missing or the server does not start
#   pg_sql TEXT   runs TEXT in database postgres, prints the rows
#   pg_cpu_ticks  CPU time (user + system, clock ticks) of the server and its backends so far
#   pg_remove     stops the server and deletes its directory (safe to call twice, or before start)

PG_DIR=
PG_BIN=
PG_PORT=
PG_URL_BASE=
PG_SKIP=
PG_PASSWORD=bench-pg-Secret-42

pg_as() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl_() {
    pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 "$@"
}

pg_start() {
    local v
    PG_BIN=
    for v in $(ls /usr/lib/postgresql 2>/dev/null | sort -rn); do
        [ -x "/usr/lib/postgresql/$v/bin/initdb" ] && { PG_BIN=/usr/lib/postgresql/$v/bin; break; }
    done
    if [ -z "$PG_BIN" ]; then
        PG_SKIP="PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; scripts/bootstrap.sh installs the postgresql package)"
        return 1
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        PG_SKIP="running as root and there is no postgres user to run PostgreSQL as"
        return 1
    fi
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/solder-bench-pg-XXXXXX")
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR"
    printf '%s' "$PG_PASSWORD" > "$PG_DIR/pw"
    [ "$(id -u)" = 0 ] && chown postgres: "$PG_DIR/pw"
    if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=scram-sha-256 \
        --pwfile="$PG_DIR/pw" -E UTF8 --no-instructions > "$PG_DIR/initdb.log" 2>&1; then
        PG_SKIP="initdb failed: $(tail -3 "$PG_DIR/initdb.log" | tr '\n' ' ')"
        return 1
    fi
    PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    if ! pg_ctl_ -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start > /dev/null 2>&1; then
        PG_SKIP="the PostgreSQL server did not start: $(tail -3 "$PG_DIR/log" 2>/dev/null | tr '\n' ' ')"
        return 1
    fi
    PG_URL_BASE="postgres://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT"
}

pg_sql() {
    PGPASSWORD=$PG_PASSWORD "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -tAc "$1"
}

# The postmaster's own time and that of the backends it has reaped (cutime, cstime), plus the
# backends still running (a process that ends while cat reads is left out).
pg_cpu_ticks() {
    local pm
    pm=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v pm="$pm" '
        {
            pid = $1
            sub(/^[0-9]+ \(.*\) /, "")
            if (pid == pm) t += $12 + $13 + $14 + $15
            else if ($2 == pm) t += $12 + $13
        }
        END { print t + 0 }'
}

pg_remove() {
    [ -n "$PG_DIR" ] || return 0
    [ -f "$PG_DIR/data/postmaster.pid" ] && pg_ctl_ -m immediate stop > /dev/null 2>&1
    rm -rf "$PG_DIR"
    PG_DIR=
}
