#!/usr/bin/env bash
# The last line of `make test` (and `make tsan`): "solder: N passed, M failed, K skipped" from a ctest
# run in BUILD_DIR (its ctest.log and Testing/Temporary/LastTest.log), naming what skipped: whole
# entries (exit 77) and tests node's runner skipped inside an entry that passed. In CI (CI=true)
# anything skipped fails the run, since a missing suite must not pass for a green one; except a test
# about SQLite itself skipped on the PostgreSQL run (api-postgres), whose reason starts "SQLite
# only:", which is named on a line of its own.
# Usage: scripts/test-summary.sh BUILD_DIR CTEST_EXIT_STATUS [LEG]   (LEG: e.g. tsan)
set -u
dir=$1
status=$2
name=solder${3:+ $3}
log=$dir/ctest.log
last=$dir/Testing/Temporary/LastTest.log

summary=$(grep -E '^[0-9]+% tests passed' "$log" | tail -1)
if [ -z "$summary" ]; then
    echo "$name: ctest did not report a result (see $log)"
    exit $((status ? status : 1))
fi
total=$(echo "$summary" | sed -E 's/.* out of ([0-9]+).*/\1/')
failed=$(echo "$summary" | sed -E 's/.*, ([0-9]+) tests failed.*/\1/')
skipped_names=$(grep -E '\*\*\*Skipped' "$log" | sed -E 's/.*Test +#[0-9]+: ([^ ]+) .*/\1/' | sort)
skipped=$(printf '%s' "$skipped_names" | grep -c .)
# "ℹ skipped N" is node's test runner's count; an entry's section starts "I/N Test: NAME"; a
# skipped test's line is "﹣ NAME (TIME) # REASON".
skips() {
    awk -v want="$1" '/^[0-9]+\/[0-9]+ Test(ing)?: /{name=$3; sqlite=0}
        /^ *﹣ .* # SQLite only: / && name ~ /-postgres$/ {sqlite++}
        /^ℹ skipped [1-9]/{n = want == "sqlite" ? sqlite : $3 - sqlite; if (n > 0) print name " (" n ")"}' \
        "$last" 2>/dev/null | sort -u
}
inner=$(skips other)
sqlite_only=$(skips sqlite)

echo "$name: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
[ -n "$skipped_names" ] && echo "$name: skipped: $(echo $skipped_names)"
[ -n "$inner" ] && echo "$name: tests skipped inside passing entries: $(echo $inner)"
[ -n "$sqlite_only" ] && echo "$name: tests of SQLite itself skipped on PostgreSQL: $(echo $sqlite_only)"

ci=$(printf '%s' "${CI:-}" | tr 'A-Z' 'a-z')
case "$ci" in
'' | 0 | false | no) ;;
*)
    if [ -n "$skipped_names$inner" ]; then
        echo "$name: CI=$CI and something skipped: failing the run"
        exit 1
    fi
    ;;
esac
exit "$status"
