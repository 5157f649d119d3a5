#!/usr/bin/env bash
# demo.sh — set up, build and run darkscope on an embedded default: a sensor
# namespace whose dark prefix 203.0.113.0/24 receives real scans (nmap, hping3)
# from a scanner namespace; prints what the sensor saw, writes the report of it
# (darkscope report, from a capture the demo takes) to build/demo-report/, and
# leaves the metrics endpoint up for DEMO_SECONDS (default 180) seconds. Bounded and self-cleaning:
# Ctrl-C or the end of the wait removes the namespaces, links and pins it made.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Root is needed: a root shell (a fresh Debian without sudo) runs on; a user with
# sudo is asked once and the script runs again as root.
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -- bash "$0" "$@"; fi
  echo "demo.sh: darkscope attaches an XDP program and creates network namespaces: run it as root (su -c '$0')" >&2
  exit 1
fi
DEMO_SECONDS=${DEMO_SECONDS:-180}

"$root/scripts/setup.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target darkscope
bin="$root/build/userspace/darkscope"

tag=$$
sensor_ns="ds-demo-sensor-$tag"
scanner_ns="ds-demo-scanner-$tag"
sensor_if="dsdemo$tag"
listen="127.0.0.1:9817"
agent_pid=""
capture_pid=""
capture_dir=$(mktemp -d)

cleanup() {
  trap - EXIT INT TERM
  if [ -n "$agent_pid" ] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -TERM "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
  fi
  if [ -n "$capture_pid" ] && kill -0 "$capture_pid" 2>/dev/null; then kill -TERM "$capture_pid" 2>/dev/null || true; fi
  rm -rf "$capture_dir"
  ip netns del "$scanner_ns" 2>/dev/null || true
  ip netns del "$sensor_ns" 2>/dev/null || true
  rm -rf "/sys/fs/bpf/darkscope/demo-$tag" 2>/dev/null || true
  echo "demo: cleaned up (namespaces $sensor_ns, $scanner_ns removed)"
}
trap cleanup EXIT INT TERM

# Two hosts joined by a veth pair: the sensor owns 198.51.100.1 and is the
# scanner's route to the dark prefix 203.0.113.0/24, which hosts nothing.
ip netns add "$sensor_ns"
ip netns add "$scanner_ns"
ip link add "$sensor_if" netns "$sensor_ns" type veth peer name eth0 netns "$scanner_ns"
ip -n "$sensor_ns" link set lo up
ip -n "$sensor_ns" addr add 198.51.100.1/24 dev "$sensor_if"
ip -n "$sensor_ns" link set "$sensor_if" up
ip -n "$scanner_ns" link set lo up
ip -n "$scanner_ns" addr add 198.51.100.2/24 dev eth0
ip -n "$scanner_ns" link set eth0 up
ip -n "$scanner_ns" route add 203.0.113.0/24 via 198.51.100.1

# nsenter keeps the host's /sys (and so /sys/fs/bpf); `ip netns exec` would mount a
# fresh sysfs without the BPF filesystem the sensor pins its maps in.
nsenter --net="/run/netns/$sensor_ns" "$bin" run --interface "$sensor_if" --dark-prefix 203.0.113.0/24 \
  --web.listen-address "$listen" --poll-interval 1s --sensor-name "demo-$tag" &
agent_pid=$!
for _ in $(seq 1 50); do
  ip netns exec "$sensor_ns" curl -sf "http://$listen/metrics" >/dev/null 2>&1 && break
  kill -0 "$agent_pid" 2>/dev/null || { echo "demo: the sensor did not start" >&2; exit 1; }
  sleep 0.2
done

# What the scanner sends to the sensor, for the report at the end (bounded in packets;
# taken on the scanner's side: on the sensor's, XDP drops dark packets before any tap).
ip netns exec "$scanner_ns" tcpdump -i eth0 -c 20000 -w "$capture_dir/demo.pcap" -U -q 2>/dev/null &
capture_pid=$!
sleep 1

echo "demo: scanning 203.0.113.0/24 from $scanner_ns"
# nmap SYN scan of a few classic darknet ports on 16 dark addresses (bounded).
ip netns exec "$scanner_ns" nmap -sS -Pn -n --max-retries 0 -p 22,23,80,445,3389 203.0.113.0/28 >/dev/null 2>&1 || true
# hping3: 20 SYNs to 2967/tcp (the Symantec worm port) and 10 UDP probes to 1434.
ip netns exec "$scanner_ns" hping3 -q -S -p 2967 -c 20 -i u2000 203.0.113.77 >/dev/null 2>&1 || true
ip netns exec "$scanner_ns" hping3 -q -2 -s 40000 -p 1434 -c 10 -i u2000 203.0.113.78 >/dev/null 2>&1 || true
sleep 2

echo
echo "demo: what the sensor saw (darkscope status):"
nsenter --net="/run/netns/$sensor_ns" "$bin" status --sensor-name "demo-$tag" || true
echo
echo "demo: a few of its metrics:"
ip netns exec "$sensor_ns" curl -s "http://$listen/metrics" |
  grep -E '^darkscope_(packets_total|port_packets_total|sources|country_packets_total|tool_packets_total)' | grep -v ' 0$' || true
kill -TERM "$capture_pid" 2>/dev/null || true
wait "$capture_pid" 2>/dev/null || true
capture_pid=""
echo
echo "demo: the report of what the sensor saw (darkscope report, from the demo's capture):"
# The capture first: --dark-prefix takes every value after it.
if "$bin" report --out "$root/build/demo-report" "$capture_dir/demo.pcap" --sensor "demo-$tag" \
  --dark-prefix 203.0.113.0/24; then
  echo "        open $root/build/demo-report/index.html (also report.md, report.json there)"
fi
echo
echo "demo: the metrics endpoint is http://$listen/metrics inside namespace $sensor_ns:"
echo "        sudo ip netns exec $sensor_ns curl -s http://$listen/metrics"
echo "demo: it stays up for $DEMO_SECONDS s (Ctrl-C ends it sooner)."
sleep "$DEMO_SECONDS" &
wait $! || true
