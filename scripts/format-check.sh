#!/usr/bin/env bash
# Fails, showing the diff, when a C source or header of the project is not formatted by .clang-format.
# With --fix, formats them in place instead.
set -u
cd "$(dirname "$0")/.."
files=$(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build/')
[ -n "$files" ] || exit 0
if [ "${1:-}" = "--fix" ]; then
    clang-format -i $files
    exit 0
fi
status=0
for f in $files; do
    if ! diff -u "$f" <(clang-format "$f") > /tmp/solder-format.$$ 2>&1; then
        echo "format-check: $f is not formatted (scripts/format-check.sh --fix):"
        head -40 /tmp/solder-format.$$
        status=1
    fi
done
rm -f /tmp/solder-format.$$
[ $status = 0 ] && echo "format-check: $(echo "$files" | wc -l) files formatted"
exit $status
