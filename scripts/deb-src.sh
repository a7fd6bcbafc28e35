#!/usr/bin/env bash
# Prints deb-src entries (deb822, for a .sources file) mirroring this machine's own APT "deb"
# entries, so that `apt-get source` fetches from the mirrors, suites and keys the machine already
# uses. Reads APT_DIR/sources.list and APT_DIR/sources.list.d/*.list (one-line format) and
# APT_DIR/sources.list.d/*.sources (deb822); keeps URIs, suites, components and Signed-By; skips
# entries marked Enabled: no. Standard input may name "URI SUITE" pairs, one a line (as
# `apt-cache madison PACKAGE` lists where a package comes from): only those are mirrored, so a
# third-party repository without sources is never added. Prints nothing when nothing matches.
# Usage: scripts/deb-src.sh [APT_DIR] < pairs      (APT_DIR defaults to /etc/apt)
set -euo pipefail
apt_dir=${1:-/etc/apt}

files=()
[ -f "$apt_dir/sources.list" ] && files+=("$apt_dir/sources.list")
for f in "$apt_dir"/sources.list.d/*.list "$apt_dir"/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || exit 0

wanted=$(cat)
printf '%s\n' "$wanted" | awk -v nfiles=${#files[@]} '
function norm(u) { sub(/\/+$/, "", u); return u }
# Emits one deb-src stanza for uris/suites (space-separated), keeping only wanted pairs.
function emit(uris, suites, comps, signed,    nu, ns, u, s, i, j, keep, out) {
    nu = split(uris, U, " "); ns = split(suites, S, " ")
    for (i = 1; i <= nu; i++) {
        keep = ""
        for (j = 1; j <= ns; j++)
            if (nwanted == 0 || ((norm(U[i]) " " S[j]) in want)) keep = keep (keep ? " " : "") S[j]
        if (keep == "" || ((norm(U[i]) "|" keep) in seen)) continue
        seen[norm(U[i]) "|" keep] = 1
        out = "Types: deb-src\nURIs: " U[i] "\nSuites: " keep
        if (comps != "") out = out "\nComponents: " comps
        if (signed != "") out = out "\nSigned-By:" (signed ~ /^\n/ ? "" : " ") signed
        printf "%s%s\n", (printed++ ? "\n" : ""), out
    }
}
function flush() {
    if (types ~ /(^| )deb( |$)/ && enabled !~ /^[Nn][Oo]$/ && uris != "" && suites != "")
        emit(uris, suites, comps, signed)
    types = uris = suites = comps = signed = enabled = ""; key = ""
}
FILENAME == "-" { if (NF >= 2) { want[norm($1) " " $2] = 1; nwanted++ } next }
FNR == 1 { flush() }
FILENAME ~ /\.sources$/ {
    if ($0 ~ /^[ \t]*#/) next
    if ($0 ~ /^[ \t]*$/) { flush(); next }
    if ($0 ~ /^[ \t]/) { if (key == "signed-by") signed = signed "\n" $0; next }
    key = tolower($0); sub(/:.*/, "", key)
    value = $0; sub(/^[^:]*:[ \t]*/, "", value); sub(/[ \t]+$/, "", value)
    if (key == "types") types = value
    else if (key == "uris") uris = value
    else if (key == "suites") suites = value
    else if (key == "components") comps = value
    else if (key == "signed-by") signed = value
    else if (key == "enabled") enabled = value
    next
}
{
    line = $0; sub(/#.*/, "", line)
    n = split(line, w, /[ \t]+/); i = 1
    while (i <= n && w[i] == "") i++
    if (i > n || w[i] != "deb") next
    i++
    opts = ""
    if (substr(w[i], 1, 1) == "[") {
        while (i <= n) { opts = opts " " w[i]; if (w[i] ~ /\]$/) { i++; break } i++ }
    }
    gsub(/[\[\]]/, "", opts)
    s = ""
    m = split(opts, o, " ")
    for (k = 1; k <= m; k++) if (tolower(o[k]) ~ /^signed-by=/) { s = o[k]; sub(/^[^=]*=/, "", s) }
    uri = w[i]; suite = w[i + 1]; c = ""
    for (k = i + 2; k <= n; k++) if (w[k] != "") c = c (c ? " " : "") w[k]
    types = "deb"; uris = uri; suites = suite; comps = c; signed = s
    flush()
}
END { flush() }
' - "${files[@]}"
