#!/usr/bin/env bash
# Builds and runs the XDP data-plane benchmark (root needed for BPF_PROG_TEST_RUN)
# and appends the table, with date, machine and command, to bench/RESULTS.md.
# Bounded: the benchmark is killed after 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -B "$build" >/dev/null
cmake --build "$build" -j2 --target bpf_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 600 "$build/bench/bpf_bench" "$@" | tee "$out"
{
    echo
    echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)."
    echo "Command: \`scripts/bench.sh $*\`"
    echo
    cat "$out"
} >> bench/RESULTS.md
echo "appended to bench/RESULTS.md"
