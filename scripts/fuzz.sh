#!/usr/bin/env bash
# fuzz.sh — build darkscope's libFuzzer targets (fuzz/, clang with ASan and UBSan)
# and run them: the capture reader, the DNS message path, darkscope.yaml and the
# web config file.
#   scripts/fuzz.sh                                  # build, run every target 300 s
#   scripts/fuzz.sh --seconds 3600 dns_message       # one target, an hour
#   scripts/fuzz.sh --no-build --build-dir build/fuzz --seconds 8 capture   # as CTest does
# New inputs that reach new code go to BUILD/corpus/TARGET (kept between runs, so
# later runs start where earlier ones got); a crash is written to BUILD/crashes/
# and makes the script exit non-zero. Each run ends with one summary line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/fuzz"
seconds=300
do_build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build-dir) build="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(capture dns_message run_config web_config)

if [ "$do_build" = 1 ]; then
  cmake -S "$root/fuzz" -B "$build" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build "$build" -j"$(nproc)" >/dev/null
fi

status=0
for t in "${targets[@]}"; do
  bin="$build/fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz.sh: no $bin (build it first)" >&2; exit 2; }
  mkdir -p "$build/corpus/$t" "$build/crashes"
  log="$build/fuzz_$t.log"
  rc=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/crashes/$t-" "$build/corpus/$t" "$root/fuzz/seeds/$t" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(ls "$build/corpus/$t" | wc -l)
  if [ "$rc" = 0 ]; then
    echo "fuzz: $t: ${runs:-?} executions in $seconds s, no crash, corpus $corpus inputs"
  else
    status=1
    echo "fuzz: $t: CRASH after ${runs:-?} executions (exit $rc); input in $build/crashes/, log $log" >&2
    grep -E "ERROR|SUMMARY|^    #[0-9]" "$log" | head -20 >&2
  fi
done
exit $status
