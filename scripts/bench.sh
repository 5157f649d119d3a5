#!/usr/bin/env bash
# Builds and runs the benchmarks (root needed for BPF_PROG_TEST_RUN): the XDP data
# plane against a bare drop, replay of a one-million-frame capture, and the agent
# (poll of a full source map, memory at 1M sources). Appends the results, with
# date, machine and command, to bench/RESULTS.md. Bounded: each benchmark is
# killed after 10 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -B "$build" >/dev/null
cmake --build "$build" -j2 --target bpf_bench replay_bench agent_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 600 "$build/bench/bpf_bench" "$@" | tee "$out"
{ echo; echo '```'; } >> "$out"
timeout 600 "$build/bench/replay_bench" 1000000 3 | tee -a "$out"
timeout 600 "$build/bench/agent_bench" 5 | tee -a "$out"
echo '```' >> "$out"
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
