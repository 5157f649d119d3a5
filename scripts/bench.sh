#!/usr/bin/env bash
# Builds and runs the benchmarks (root needed for BPF_PROG_TEST_RUN and namespaces):
# the XDP data plane against a bare drop, replay of a one-million-frame capture, the
# agent (poll of a full source map, memory at 1M sources), and live over veth: packet
# rates (bare drop, kernel stack, darkscope, tcpdump, pmacctd) and the attached
# program's own ns per run (BPF run-time statistics, restored after) with the agent's
# CPU per packet. The live traffic comes from live frames where the kernel allows
# them, else from an AF_PACKET relay; every table names which. Prints the tables and
# appends them, with date, machine and command, to bench/RESULTS.md.
# Bounded: every benchmark has its own time limit, under 40 minutes in all; each one
# removes what it made (namespaces, links, pins) however it ends.
#   scripts/bench.sh [--quick]     --quick: one short live round
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
quick=()
[ "${1:-}" = "--quick" ] && quick=(--quick)
cmake -B "$build" >/dev/null
cmake --build "$build" -j2 --target bpf_bench replay_bench agent_bench dns_flood_bench live_bench flood_tests report_bench backfill_bench alternating_days_bench darkscope
out=$(mktemp)
trap 'rm -f "$out"' EXIT
busy=$(cut -d' ' -f1 /proc/loadavg)
# step SECONDS COMMAND...: runs one benchmark within its time limit; one that fails or
# runs out of time is named in the results, and the others still run.
step() {
    local limit=$1
    shift
    if ! timeout "$limit" "$@" | tee -a "$out"; then
        echo "(${*} failed or did not finish within ${limit} s)" | tee -a "$out"
    fi
}
# About 4.5 min: two L measurements, three frames x three source counts, the
# fingerprint and signature costs.
step 420 "$build/bench/bpf_bench"
{ echo; echo '```'; } >> "$out"
step 150 "$build/bench/replay_bench" 1000000 3
step 90 "$build/bench/agent_bench" 5
step 60 "$build/bench/dns_flood_bench" 1000000
# replay --openmetrics of a sparse three-day capture, beside tshark and a plain replay.
step 300 "$build/bench/backfill_bench"
# replay of captures alternating between two days frame by frame: 400, 4,000, 40,000 frames.
step 300 "$build/bench/alternating_days_bench"
# darkscope report over a quarter of ten sensors, backfilled (about 5 min of setup).
step 480 "$build/bench/report_bench" 3
# Floods of 10 million spoofed sources, and a kill -9 of the agent during one
# (about 80 s where the kernel refuses live frames and the AF_PACKET relay sends).
step 240 env DARKSCOPE_FLOOD_PACKETS=10000000 "$build/tests/flood_tests" --gtest_brief=1
echo '```' >> "$out"
{ echo; echo "### Live over veth: packets per second, and the program's own ns per run from the kernel's BPF statistics (bench/live_bench)"; echo; } >> "$out"
# setsid: a session (and so a scheduler autogroup) of its own, which live_bench raises.
step 230 setsid -w "$build/bench/live_bench" --budget 150 "${quick[@]}"
{
    echo
    echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r); load average $busy when it started."
    echo "Command: \`scripts/bench.sh $*\`"
    echo
    cat "$out"
} >> bench/RESULTS.md
echo "appended to bench/RESULTS.md"
