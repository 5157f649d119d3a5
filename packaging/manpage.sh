#!/usr/bin/env bash
# manpage.sh BINARY VERSION OUT.8.gz — darkscope.8 from the help the binary prints:
# help2man formats `darkscope --help`, and every subcommand the help lists gets a
# subsection made from its own `--help`, so the man page and the binary never disagree
# (a new flag or subcommand appears in both at the next build).
set -euo pipefail
bin=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Run it as plain `darkscope`: CLI11 prints argv[0] in its usage lines.
ln -s "$(realpath "$bin")" "$tmp/darkscope"
export PATH="$tmp:$PATH"

# CLI11's help as roff: "  -i,--interface IF ...   text" becomes a tagged paragraph;
# text continued on a line of its own (indented) joins it; "Options:" a heading.
to_roff() {
    awk '
    function esc(s) { gsub(/\\/, "\\e", s); sub(/^[.'\'']/, "\\\\\\&&", s); return s }
    NR == 1 { print esc($0); next }
    /^Usage: / { print ".PP"; print "\\fB" esc(substr($0, 8)) "\\fR"; next }
    /^[A-Za-z][A-Za-z ]*:$/ { print ".PP"; print "\\fI" esc($0) "\\fR"; next }
    /^  [^ ]/ {
        line = substr($0, 3)
        if (match(line, /   *[^ ]/)) { tag = substr(line, 1, RSTART - 1); text = substr(line, RSTART + RLENGTH - 1) }
        else { tag = line; text = "" }
        tag = esc(tag); gsub(/-/, "\\-", tag)
        print ".TP"; print "\\fB" tag "\\fR"
        if (text != "") print esc(text)
        next
    }
    /^ +[^ ]/ { sub(/^ +/, ""); print esc($0); next }
    /^$/ { next }
    { print esc($0) }'
}

# The subcommands, from the lines under "Subcommands:" in the top-level help.
subcommands=$(darkscope --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
[ -n "$subcommands" ] || { echo "manpage.sh: darkscope --help lists no subcommand" >&2; exit 1; }

{
    cat "$here/darkscope.h2m"
    echo "[COMMANDS]"
    for sub in $subcommands; do
        echo ".SS \"darkscope $sub\""
        darkscope "$sub" --help | to_roff
    done
} > "$tmp/include.h2m"

help2man --no-info --section 8 --version-string "$version" \
    --name "XDP/eBPF darknet sensor with Prometheus metrics" \
    --include "$tmp/include.h2m" --output "$tmp/darkscope.8" darkscope
gzip -9n -c "$tmp/darkscope.8" > "$out"
