#!/usr/bin/env bash
# scripts/deb-src.sh on made-up APT configurations: one-line and deb822 files, options, comments,
# disabled entries, an inline key, a third-party repository, and the "URI SUITE" filter.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
tool=$here/scripts/deb-src.sh
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failed=0
check() { # name, expected, actual
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1"
        diff <(echo "$2") <(echo "$3")
        failed=1
    fi
}

mkdir -p "$dir/apt/sources.list.d"
cat > "$dir/apt/sources.list" <<'LIST'
# the machine's mirror
deb [arch=amd64 signed-by=/usr/share/keyrings/mirror.gpg] http://mirror.example/debian/ bookworm main contrib
deb http://security.example/debian-security bookworm-security main # security
deb-src http://mirror.example/debian bookworm main
# deb http://disabled.example/debian bookworm main
LIST
cat > "$dir/apt/sources.list.d/vendor.sources" <<'SOURCES'
Types: deb
URIs: https://vendor.example/apt
Suites: stable
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mDMEZabc
 -----END PGP PUBLIC KEY BLOCK-----

# switched off
Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main
Enabled: no
SOURCES

check "every enabled deb entry when no pairs are given" "Types: deb-src
URIs: http://mirror.example/debian/
Suites: bookworm
Components: main contrib
Signed-By: /usr/share/keyrings/mirror.gpg

Types: deb-src
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: https://vendor.example/apt
Suites: stable
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mDMEZabc
 -----END PGP PUBLIC KEY BLOCK-----" "$(bash "$tool" "$dir/apt" < /dev/null)"

check "only the pairs a package comes from (trailing slashes aside)" "Types: deb-src
URIs: http://mirror.example/debian/
Suites: bookworm
Components: main contrib
Signed-By: /usr/share/keyrings/mirror.gpg" \
    "$(printf '%s\n' 'http://mirror.example/debian bookworm' 'http://mirror.example/debian bookworm' |
        bash "$tool" "$dir/apt")"

check "a suite the package does not come from is dropped from a multi-suite stanza" "Types: deb-src
URIs: http://deb.example/debian
Suites: bookworm
Components: main" "$(mkdir -p "$dir/b/sources.list.d" && printf '%s\n' 'Types: deb deb-src' \
    'URIs: http://deb.example/debian' 'Suites: bookworm bookworm-updates' 'Components: main' \
    > "$dir/b/sources.list.d/debian.sources" &&
    echo 'http://deb.example/debian bookworm' | bash "$tool" "$dir/b")"

check "nothing configured: nothing printed" "" "$(mkdir -p "$dir/empty" && bash "$tool" "$dir/empty" < /dev/null)"
check "the same output twice (idempotent)" "$(bash "$tool" "$dir/apt" < /dev/null)" \
    "$(bash "$tool" "$dir/apt" < /dev/null)"
exit $failed
