#!/usr/bin/env bash
# JSON text in and out per second, one core: Solder's reader and writer beside cJSON's on the same
# documents in the same run (tests/bench/bench_json.c). The writer is on every API answer, stored
# document and outgoing body; the reader on every request body and stored document read back.
set -eu
build=${1:-build}
bin="$build/bench/bench_json"
if [ ! -x "$bin" ]; then
    echo "json: $bin not found (build the release configuration first)"
    exit 1
fi
"$bin" "${JSON_BENCH_SECONDS:-0.5}" "${JSON_BENCH_ROUNDS:-3}" | awk '
    { ops[$1 " " $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
    END {
        printf "%-12s %14s %14s %7s %14s %14s %7s\n", "document", "print solder", "print cJSON",
            "ratio", "parse solder", "parse cJSON", "ratio"
        for (i = 0; i < n; i++) {
            d = order[i]
            printf "%-12s %14.0f %14.0f %6.2fx %14.0f %14.0f %6.2fx\n", d,
                ops[d " print-solder"], ops[d " print-cjson"], ops[d " print-solder"] / ops[d " print-cjson"],
                ops[d " parse-solder"], ops[d " parse-cjson"], ops[d " parse-solder"] / ops[d " parse-cjson"]
        }
        print "(operations per second, best of the rounds; ratio = solder / cJSON)"
    }'
