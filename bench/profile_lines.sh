#!/usr/bin/env bash
# Where darkscope_xdp's hot path spends its time, by BPF source line (issue #20):
# bench/bpf_bench --hot runs the one-source IPv4 SYN through the real program
# (BPF_PROG_TEST_RUN) while perf samples that process; bench/bpf_lines joins the
# samples with the kernel's JIT line table of that very load.
#   bench/profile_lines.sh [BUILD_DIR] [SECONDS]   (root; perf from linux-perf)
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
for tool in perf; do command -v "$tool" >/dev/null || { echo "profile_lines: needs $tool (scripts/setup.sh)" >&2; exit 1; }; done
[ -x "$build/bench/bpf_bench" ] && [ -x "$build/bench/bpf_lines" ] ||
  { echo "profile_lines: no $build/bench/bpf_bench or bpf_lines: build first" >&2; exit 1; }

tmp=$(mktemp -d)
bench_pid=""
cleanup() {
  [ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null && wait "$bench_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

"$build/bench/bpf_bench" --hot "$((seconds + 2))" >"$tmp/bench.out" &
bench_pid=$!
for _ in $(seq 100); do grep -q "^program id" "$tmp/bench.out" 2>/dev/null && break; sleep 0.1; done
id=$(awk '/^program id/ {print $3}' "$tmp/bench.out")
[ -n "$id" ] || { echo "profile_lines: bpf_bench --hot did not start" >&2; exit 1; }
# The line table now, while this load's program (and its addresses) exist.
"$build/bench/bpf_lines" --table "$id" >"$tmp/table"
perf record -q -o "$tmp/perf.data" -p "$bench_pid" -- sleep "$seconds" 2>/dev/null
wait "$bench_pid"
bench_pid=""
tail -n 1 "$tmp/bench.out"
perf script -i "$tmp/perf.data" -F ip 2>/dev/null | "$build/bench/bpf_lines" --histogram "$tmp/table"
