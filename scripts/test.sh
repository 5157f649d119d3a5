#!/usr/bin/env bash
# test.sh — set up, build and run darkscope's whole test suite (as root: the tests
# load the XDP program into the kernel and create network namespaces).
#   scripts/test.sh            # everything
#   scripts/test.sh -R Replay  # only tests matching a regex (passed to ctest)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Root is needed: a root shell (a fresh Debian without sudo) runs on; a user with
# sudo is asked once and the script runs again as root.
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -- bash "$0" "$@"; fi
  echo "test.sh: the tests load BPF programs and create network namespaces: run it as root (su -c '$0')" >&2
  exit 1
fi
"$root/scripts/setup.sh"
# The agent pins its maps in the BPF filesystem; hosts without systemd may not mount it.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
# DARKSCOPE_FUZZ: the libFuzzer targets are built too and CTest runs each for 5 s.
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDARKSCOPE_FUZZ=ON >/dev/null
cmake --build "$root/build" -j"$(nproc)"
cd "$root/build"
ctest --output-on-failure --timeout 600 "$@"
