#!/usr/bin/env bash
# live_test.sh DARKSCOPE — the Prometheus side for real. Three `darkscope run`
# agents, each in its own network namespace with its own veth peer namespace and
# its own spoofed probe traffic (hping3), are scraped every second by a real
# Prometheus that loads prometheus/rules/*.yml. Then every query of every
# dashboard and every recording rule is evaluated through the HTTP API: each must
# return data, and the key panels must return the numbers the traffic implies.
#
# Addresses: traffic links 198.18.N.0/24, dark prefixes 198.18.10N.0/24, agents'
# metrics on 198.19.N.2:9817 (a second veth to the root namespace); spoofed
# sources in 203.0.113.0/24, 198.51.100.0/24 and 192.0.2.0/24, given countries by
# a test GeoIP database. Needs root, hping3, prometheus, curl, jq, perl with
# MaxMind::DB::Writer.
set -euo pipefail
agent=${1:?usage: live_test.sh PATH_TO_DARKSCOPE}
agent=$(cd "$(dirname "$agent")" && pwd)/$(basename "$agent")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root (network namespaces, XDP)" >&2
  exit 77
fi
for tool in prometheus hping3 curl jq perl ip nsenter; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup.sh)" >&2; exit 1; }
done

tag=dsp$$
tmp=$(mktemp -d)
sensors=(sensor-a sensor-b sensor-c)
pids=()
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for i in 1 2 3; do
    ip netns del "$tag-s$i" 2>/dev/null
    ip netns del "$tag-p$i" 2>/dev/null
    ip link del "${tag}h$i" 2>/dev/null
    rm -rf "/sys/fs/bpf/darkscope/$tag-$i" 2>/dev/null
  done
  rmdir /sys/fs/bpf/darkscope 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

start=$SECONDS
log() { echo "[+$((SECONDS - start))s] $*"; }
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }

# --- GeoIP: the countries of the spoofed sources ---------------------------------
perl "$here/../unit/make_test_geoip.pl" --country "$tmp/countries.mmdb" \
  203.0.113.0/26=JP 203.0.113.64/26=US 203.0.113.128/26=DE 203.0.113.192/26=BR \
  198.51.100.0/26=FR 198.51.100.64/26=KR 198.51.100.128/26=CN

log "starting 3 agents"
# --- three sensors ----------------------------------------------------------------
for i in 1 2 3; do
  s=$tag-s$i p=$tag-p$i
  ip netns add "$s"
  ip netns add "$p"
  ip -n "$s" link set lo up
  ip -n "$p" link set lo up
  # Traffic link: the peer routes the dark prefix to the sensor.
  ip link add "${tag}t$i" netns "$s" type veth peer name "${tag}u$i" netns "$p"
  ip -n "$s" addr add "198.18.$i.1/24" dev "${tag}t$i"
  ip -n "$p" addr add "198.18.$i.2/24" dev "${tag}u$i"
  ip -n "$s" link set "${tag}t$i" up
  ip -n "$p" link set "${tag}u$i" up
  ip -n "$p" route add "198.18.$((100 + i)).0/24" via "198.18.$i.1"
  # Management link: Prometheus in the root namespace reaches the agent.
  ip link add "${tag}h$i" type veth peer name "${tag}m$i" netns "$s"
  ip addr add "198.19.$i.1/24" dev "${tag}h$i"
  ip link set "${tag}h$i" up
  ip -n "$s" addr add "198.19.$i.2/24" dev "${tag}m$i"
  ip -n "$s" link set "${tag}m$i" up
  # nsenter switches only the network namespace (`ip netns exec` would also mount a
  # fresh /sys, hiding the BPF filesystem the agent pins its maps in).
  nsenter --net="/run/netns/$s" "$agent" run -i "${tag}t$i" --dark-prefix "198.18.$((100 + i)).0/24" \
    --sensor-name "$tag-$i" --geoip "$tmp/countries.mmdb" --poll-interval 500ms \
    --web.listen-address "198.19.$i.2:9817" --log-level warn \
    --attack-min-packets 3 --attack-min-duration 0s --attack-window-packets 3 --dns-zone-min-messages 10 \
    --port-combination http-alt-telnet=8080,23 --port-combination symantec-av-bot=2967,135,139,445 \
    --scan-min-packets 25 \
    --signature-min-packets 5 --port-country-min-packets 1 --source-port-destination-min-packets 1 \
    >"$tmp/agent$i.log" 2>&1 &
  pids+=($!)
done
for i in 1 2 3; do
  for _ in $(seq 100); do curl -fs -o /dev/null --max-time 1 "http://198.19.$i.2:9817/metrics" && break; sleep 0.1; done
  curl -fsS -o /dev/null --max-time 2 "http://198.19.$i.2:9817/metrics" ||
    { cat "$tmp/agent$i.log" >&2; echo "FAIL: agent $i does not serve metrics" >&2; exit 1; }
done

log "agents serve metrics"
# --- Prometheus: 1 s scrapes and rule evaluations, the project's rules ------------
port=$((19090 + $$ % 500))
while ss -ltn "sport = :$port" | grep -q LISTEN; do port=$((port + 1)); done
{
  echo "global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}"
  echo "rule_files:"
  # The project's rules, every group at the 1 s evaluation interval: the long-period
  # group's own hourly interval would leave its rules unevaluated for up to an hour.
  for f in "$root"/prometheus/rules/*.yml; do
    sed '/^    interval: /d' "$f" >"$tmp/rules-$(basename "$f")"
    echo "  - $tmp/rules-$(basename "$f")"
  done
  echo "scrape_configs:"
  echo "  - job_name: darkscope"
  echo "    static_configs:"
  for i in 1 2 3; do
    echo "      - {targets: [\"198.19.$i.2:9817\"], labels: {sensor: ${sensors[$((i - 1))]}}}"
  done
} >"$tmp/prometheus.yml"
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
  --web.listen-address="127.0.0.1:$port" --log.level=warn >"$tmp/prometheus.log" 2>&1 &
pids+=($!)
api=http://127.0.0.1:$port/api/v1

query() { # EXPR TIME -> the result array; fails the test on an API error
  local out
  out=$(curl -fsS --max-time 10 "$api/query" --data-urlencode "query=$1" --data-urlencode "time=$2") ||
    { echo "query failed: $1" >&2; echo '[]'; return 0; }
  jq -c 'if .status == "success" then .data.result else error(.error) end' <<<"$out"
}

# Every target up, and scraped with its counters still at 0, before any traffic.
for _ in $(seq 150); do
  n=$(curl -fsS --max-time 2 "$api/query" --data-urlencode 'query=sum(up{job="darkscope"})' 2>/dev/null |
    jq -r '.data.result[0].value[1] // 0' 2>/dev/null || echo 0)
  [ "$n" = 3 ] && break
  sleep 0.2
done
[ "$n" = 3 ] || { cat "$tmp/prometheus.log" >&2; echo "FAIL: Prometheus does not scrape the 3 agents" >&2; exit 1; }
log "Prometheus scrapes all 3 agents"
sleep 2

# --- traffic ------------------------------------------------------------------------
# Rows: phase sensor kind port source count. kind: S = SYN probe (hping3's window
# 512, TTL 64, no options, a source port counting up from a base of its own row:
# 20000 + 100 x the row's line, so no two rows share a source port; hping3's random
# base in 1024-3023 let rows overlap, and a port of 5 probes got its own series
# once), F = SYN probe
# from the fixed source port 6000 with window 1500, U = UDP probe (source ports counting up
# from 40000: from a random 1024-3023 they may cross 1900, SSDP, a reflection reply),
# I = ICMP echo request, SA = SYN-ACK backscatter, R = RST backscatter, D = DNS
# response (backscatter) for www.example.org, DS the same answered SERVFAIL, DI an ICMP
# port unreachable quoting a DNS query (from a dark address to port 53). With the
# agents' short thresholds the
# 3 SYN-ACKs of 203.0.113.10 are an attack, and so are the 12 DNS responses of
# 198.51.100.53 (the 2 RSTs are not); example.org gets its own series at its 10th
# message.
# Phase 0 creates every country's series on every sensor and icmp/8 on sensor-b
# (outside both windows: increase() counts a series from its first scrape on),
# and admits the signatures window 512 (on each sensor) and window 1500, and source
# port 6000/tcp (sensor-b), to their own series (--signature-min-packets 5), and
# CN on port 445 (sensors a and b; --port-country-min-packets 1); phase 1 creates
# the series of destination port 80 of source port 6000/tcp, watched since phase 0;
# phase 1 fills the "previous range", phase 2 the "current range":
#   previous: ports 23 > 445 > 22 > 80 > 3389, countries JP > US > DE > BR > FR
#   current:  ports 445 > 2967 > 23 > 3389 > icmp/8 > 22, countries CN > US > JP > KR > DE
cat >"$tmp/traffic" <<'ROWS'
0 1 S 8080 203.0.113.10 1
0 1 S 8080 203.0.113.70 1
0 1 S 8080 203.0.113.130 1
0 1 S 8080 203.0.113.200 1
0 1 S 8080 198.51.100.10 1
0 1 S 8080 198.51.100.70 1
0 1 S 8080 198.51.100.130 1
0 2 S 8080 203.0.113.10 1
0 2 S 8080 203.0.113.70 1
0 2 S 8080 203.0.113.130 1
0 2 S 8080 203.0.113.200 1
0 2 S 8080 198.51.100.10 1
0 2 S 8080 198.51.100.70 1
0 2 S 8080 198.51.100.130 1
0 3 S 8080 203.0.113.10 1
0 3 S 8080 203.0.113.70 1
0 3 S 8080 203.0.113.130 1
0 3 S 8080 203.0.113.200 1
0 3 S 8080 198.51.100.10 1
0 3 S 8080 198.51.100.70 1
0 3 S 8080 198.51.100.130 1
0 1 SA 80 203.0.113.10 3
0 1 R 80 203.0.113.70 2
0 2 D 53 198.51.100.53 12
0 3 DS 53 203.0.113.54 2
0 3 DI 53 198.51.100.60 2
0 2 U 161 192.0.2.52 2
0 2 I 0 192.0.2.53 2
0 2 F 80 198.51.100.11 5
0 1 S 445 198.51.100.130 1
0 2 S 445 198.51.100.131 1
1 1 S 23 203.0.113.10 25
1 2 S 23 203.0.113.11 15
1 1 S 445 203.0.113.70 10
1 3 S 445 203.0.113.71 20
1 2 S 22 203.0.113.130 20
1 3 S 80 203.0.113.200 12
1 1 S 3389 198.51.100.10 6
1 2 F 80 198.51.100.11 2
2 1 S 445 198.51.100.130 30
2 2 S 445 198.51.100.131 20
2 3 S 2967 203.0.113.72 40
2 1 S 23 203.0.113.12 10
2 3 S 23 203.0.113.13 15
2 2 S 3389 198.51.100.70 16
2 1 S 22 203.0.113.131 8
2 2 S 80 198.51.100.11 3
2 2 F 80 198.51.100.11 4
2 2 I 0 203.0.113.14 12
ROWS
send_phase() { # PHASE: every row of the phase at once, each hping3 bounded by -c
  local phase=$1 ph sensor kind port src count args jobs=() line=0
  while read -r ph sensor kind port src count; do
    line=$((line + 1))
    [ "$ph" = "$phase" ] || continue
    case $kind in
      S) args=(-S -p "$port" -s $((20000 + 100 * line))) ;;
      F) args=(-S -p "$port" -s 6000 -k -w 1500) ;;
      U) args=(-2 -s 40000 -p "$port") ;;
      I) args=(-1) ;;
      SA) args=(-S -A -s "$port" -k -p 40000) ;;
      R) args=(-R -s "$port" -k -p 40001) ;;
      D) args=(-2 -s "$port" -k -p 5353 -E "$tmp/dns.bin" -d 33) ;;
      DS) args=(-2 -s "$port" -k -p 5353 -E "$tmp/dns_servfail.bin" -d 33) ;;
      DI) args=(-1 -C 3 -K 3 --icmp-ipproto 17 --icmp-ipsrc "198.18.$((100 + sensor)).7" --icmp-ipdst "$src"
                --icmp-srcport 40000 --icmp-dstport "$port") ;;
    esac
    ip netns exec "$tag-p$sensor" hping3 -q -c "$count" -i u3000 "${args[@]}" -a "$src" \
      "198.18.$((100 + sensor)).7" >/dev/null 2>&1 &
    jobs+=($!)
  done <"$tmp/traffic"
  for j in "${jobs[@]}"; do wait "$j" || true; done
}

# A DNS response (NXDOMAIN) to "www.example.org" A IN: 12 + 17 + 4 = 33 bytes.
printf '\x12\x34\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03org\x00\x00\x01\x00\x01' >"$tmp/dns.bin"
# The same answered SERVFAIL (rcode 2).
printf '\x12\x34\x81\x82\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x07example\x03org\x00\x00\x01\x00\x01' >"$tmp/dns_servfail.bin"

# Windows, with R = 20 s and T = t0 + 45 s: previous range [t0+5, t0+25] holds
# phase 1 (t0+8), current range [t0+25, t0+45] holds phase 2 (t0+28).
range=20
t0=$(date +%s)
send_phase 0
sleep $((t0 + 8 - $(date +%s)))
send_phase 1
sleep $((t0 + 28 - $(date +%s)))
send_phase 2
sleep $((t0 + 46 - $(date +%s)))
T=$((t0 + 45))
log "traffic sent; evaluating queries"

# --- what the traffic implies -----------------------------------------------------
sensor_re="($(IFS='|'; echo "${sensors[*]}"))"
backscatter_kinds='^(SA|R|D|DS|DI)$'  # rows that are no probes
for i in 1 2 3; do
  probes[$i]=$(awk -v s="$i" -v b="$backscatter_kinds" '$2 == s && $3 !~ b {n += $6} END {print n + 0}' "$tmp/traffic")
  # (the SA and R victims are probe sources too; the DNS resolvers are none)
  srcs[$i]=$(awk -v s="$i" '$2 == s && $3 !~ /^D/ {print $5}' "$tmp/traffic" | sort -u | wc -l)
done

# --- every dashboard query returns data ------------------------------------------
nq=0
for f in "$root"/grafana/dashboards/*.json; do
  jq -c --arg job darkscope --arg sensor "$sensor_re" --arg top 10 --arg rate_interval 1m \
    --arg range "${range}s" --arg range_s "$range" --arg interval 1m --arg port 445 -f "$here/dashboard_queries.jq" "$f"
done >"$tmp/queries"
while read -r q; do
  expr=$(jq -r .expr <<<"$q")
  at=$T
  # Closed-day panels read their gauges 36 h after each bar's date (offset -36h):
  # the bar 36 h before T shows what the agents export at T.
  [[ $expr == *"offset -36h"* ]] && at=$((T - 129600))
  res=$(query "$expr" "$at")
  nq=$((nq + 1))
  [ "$(jq length <<<"$res")" -gt 0 ] || err "no data: $(jq -r '"\(.dashboard) / \(.panel) / \(.ref)"' <<<"$q")"
done <"$tmp/queries"
[ "$nq" -ge 40 ] || err "only $nq dashboard queries found"
panel() { # DASHBOARD PANEL REF -> the query
  jq -r --arg d "$1" --arg p "$2" --arg r "$3" 'select(.dashboard == $d and .panel == $p and .ref == $r) | .expr' "$tmp/queries"
}

# --- every recording and alerting rule loaded, evaluated without error -----------
rules=$(curl -fsS "$api/rules")
want=$(cat "$root"/prometheus/rules/*.yml | grep -cE '^\s*- (record|alert):')
got=$(jq '[.data.groups[].rules[]] | length' <<<"$rules")
[ "$got" = "$want" ] || err "Prometheus loaded $got rules, the files have $want"
bad=$(jq -r '.data.groups[].rules[] | select(.health != "ok") | "\(.name): \(.lastError)"' <<<"$rules")
[ -z "$bad" ] || err "rules failing: $bad"
for r in $(jq -r '.data.groups[].rules[] | select(.type == "recording") | .name' <<<"$rules"); do
  [ "$(query "$r" "$T" | jq length)" -gt 0 ] || err "recording rule $r has no data"
done
# Nothing is wrong with these sensors: no alert may fire.
firing=$(query 'ALERTS{alertstate="firing"}' "$T" | jq -r '.[].metric.alertname')
[ -z "$firing" ] || err "alerts firing: $firing"

# --- exact values of the key panels ------------------------------------------------
# Accesses per sensor over a range holding all of the sensor's samples, evaluated at
# its last scrape: the counters start at 0, so increase() has nothing to extrapolate.
acc=$(panel darkscope-overview "Accesses in range" A)
acc=${acc//"[${range}s]"/[10m]}
for i in 1 2 3; do
  s=${sensors[$((i - 1))]}
  ts=$(query "timestamp(darkscope_build_info{sensor=\"$s\"})" "$T" | jq -r '.[0].value[1]')
  got=$(query "$acc" "$ts" | jq -r --arg s "$s" '.[] | select(.metric.sensor == $s) | .value[1]')
  [ "$got" = "${probes[$i]}" ] || err "accesses of $s: got '$got', want ${probes[$i]}"
done
# Unique sources per sensor and their sum (gauges: exact).
src=$(query "$(panel darkscope-overview "Unique sources in range (busiest day)" A)" "$T")
for i in 1 2 3; do
  s=${sensors[$((i - 1))]}
  got=$(jq -r --arg s "$s" '.[] | select(.metric.sensor == $s) | .value[1]' <<<"$src")
  [ "$got" = "${srcs[$i]}" ] || err "unique sources of $s: got '$got', want ${srcs[$i]}"
done
got=$(query "$(panel darkscope-overview "Unique sources in range (busiest day)" B)" "$T" | jq -r '.[0].value[1]')
[ "$got" = "$((srcs[1] + srcs[2] + srcs[3]))" ] || err "unique sources, all sensors: got '$got'"

# Top-5 tables: rank now, rank in the previous range (exact), packets over the range
# (increase() extrapolates to the window's edges: at least the packets sent and at
# most 15% more).
check_top5() { # DASHBOARD PANEL KEY_JQ "KEY=RANK..." "KEY=PREV..." "KEY=PACKETS..."
  local d=$1 p=$2 key=$3 want_rank=$4 want_prev=$5 want_pkts=$6 got
  got=$(query "$(panel "$d" "$p" B)" "$T" | jq -r "[.[] | \"\\($key)=\\(.value[1])\"] | sort | join(\" \")")
  [ "$got" = "$(tr ' ' '\n' <<<"$want_rank" | sort | paste -sd' ')" ] || err "$p, rank: got '$got', want '$want_rank'"
  got=$(query "$(panel "$d" "$p" C)" "$T" | jq -r "[.[] | \"\\($key)=\\(.value[1])\"] | sort | join(\" \")")
  [ "$got" = "$(tr ' ' '\n' <<<"$want_prev" | sort | paste -sd' ')" ] || err "$p, previous rank: got '$got', want '$want_prev'"
  got=$(query "$(panel "$d" "$p" A)" "$T")
  [ "$(jq length <<<"$got")" = 5 ] || err "$p: $(jq length <<<"$got") rows, want 5"
  for kv in $want_pkts; do
    v=$(jq -r --arg k "${kv%=*}" ".[] | select(($key) == \$k) | .value[1]" <<<"$got")
    awk -v v="$v" -v n="${kv#*=}" 'BEGIN {exit !(v != "" && v >= n && v <= n * 1.15)}' ||
      err "$p, packets of ${kv%=*}: got '$v', want ${kv#*=} (up to +15%)"
  done
}
check_top5 darkscope-ports-countries "Top 5 destination ports and their rank in the previous range" \
  '"\(.metric.port)/\(.metric.protocol)"' \
  "445/tcp=1 2967/tcp=2 23/tcp=3 3389/tcp=4 8/icmp=5" \
  "445/tcp=2 23/tcp=1 3389/tcp=5" \
  "445/tcp=50 2967/tcp=40 23/tcp=25 3389/tcp=16 8/icmp=12"
# Service names (issue #16) from the services database (netbase's /etc/services):
# 2967/tcp and the ICMP type have none, and keep their rows.
got=$(query "$(panel darkscope-ports-countries "Top 5 destination ports and their rank in the previous range" A)" "$T" |
  jq -r '[.[] | "\(.metric.port)/\(.metric.protocol)=\(.metric.service // "")"] | sort | join(" ")')
[ "$got" = "23/tcp=telnet 2967/tcp= 3389/tcp=ms-wbt-server 445/tcp=microsoft-ds 8/icmp=" ] || err "service names of the top 5 ports: got '$got'"
check_top5 darkscope-ports-countries "Top 5 source countries and their rank in the previous range" \
  '.metric.country' \
  "CN=1 US=2 JP=3 KR=4 DE=5" \
  "US=2 JP=1 DE=3" \
  "CN=50 US=40 JP=37 KR=16 DE=8"

# Today's table, all sensors, exact (gauges from each port's first packet of the day,
# no extrapolation): every phase's probes by destination port. Checked only when the
# whole run fell within one UTC day (the agents' day boundary).
if [ "$(date -u -d "@$t0" +%F)" = "$(date -u +%F)" ]; then
  got=$(query "$(panel darkscope-ports-countries "Today's top destination ports (exact, from each port's first packet)" A)" "$T" |
    jq -r '[.[] | "\(.metric.protocol)/\(.metric.port)=\(.value[1])"] | sort | join(" ")')
  want_today="icmp/8=14 tcp/22=28 tcp/23=65 tcp/2967=40 tcp/3389=22 tcp/445=82 tcp/8080=21 tcp/80=26 udp/161=2"
  [ "$got" = "$want_today" ] || err "today's top ports: got '$got', want '$want_today'"
  # Closed days (issue #16): none closed during the run (the agents' days are UTC
  # days), so every sensor's closed-day figures are 0, all 8 countries' (ZZ: 192.0.2.x) too.
  got=$(query "$(panel darkscope-overview "Accesses per source per sensor per day" A)" "$((T - 129600))" |
    jq -r '[.[] | "\(.metric.sensor)=\(.value[1])"] | sort | join(" ")')
  [ "$got" = "sensor-a=0 sensor-b=0 sensor-c=0" ] || err "accesses per source per day: got '$got'"
  got=$(query "$(panel darkscope-ports-countries "Unique sources per country per day (the sensor's day)" A)" "$((T - 129600))" |
    jq -r '[.[] | "\(.metric.country)=\(.value[1])"] | sort | join(" ")')
  [ "$got" = "BR=0 CN=0 DE=0 FR=0 JP=0 KR=0 US=0 ZZ=0" ] || err "unique sources per country per day: got '$got'"
else
  log "the run crossed a UTC day boundary: today's exact table not checked"
fi

# Cross-tabs (issue #16), current range, all sensors. Countries of port 445: the 30 + 20
# SYNs of phase 2 all come from CN, whose series exist since phase 0.
got=$(query "$(panel darkscope-ports-countries 'Countries of port $port' A)" "$T")
[ "$(jq -r '[.[] | "\(.metric.protocol)/\(.metric.port)/\(.metric.country)"] | join(" ")' <<<"$got")" = "tcp/445/CN" ] ||
  err "countries of port 445: got $(jq -c . <<<"$got"), want tcp/445/CN only"
v=$(jq -r '.[0].value[1]' <<<"$got")
awk -v v="$v" 'BEGIN {exit !(v >= 50 && v <= 50 * 1.15)}' || err "countries of port 445, CN: got '$v', want 50 (up to +15%)"

# Header signatures in the current range, all sensors: hping3's default SYNs (window
# 512) and the 4 from source port 6000 (window 1500); 6000/tcp the only source port
# with its own series (each S row counts up from source ports of its own: one probe each).
sig=$(query "$(panel darkscope-ports-countries "Top header signatures of TCP SYNs (window, TTL, options)" A)" "$T")
for kv in 512/64/none=142 1500/64/none=4; do
  v=$(jq -r --arg k "${kv%=*}" '.[] | select("\(.metric.window)/\(.metric.ttl)/\(.metric.options)" == $k) | .value[1]' <<<"$sig")
  awk -v v="$v" -v n="${kv#*=}" 'BEGIN {exit !(v != "" && v >= n && v <= n * 1.15)}' ||
    err "header signature ${kv%=*}: got '$v', want ${kv#*=} (up to +15%)"
done
[ "$(jq length <<<"$sig")" = 2 ] || err "header signatures: $(jq -c . <<<"$sig"), want 2 rows"
sp=$(query "$(panel darkscope-ports-countries "Top source ports of probes" A)" "$T")
got=$(jq -r '[.[] | "\(.metric.protocol)/\(.metric.port)"] | join(" ")' <<<"$sp")
[ "$got" = "tcp/6000" ] || err "source ports: got '$got', want tcp/6000"
v=$(jq -r '.[0].value[1]' <<<"$sp")
awk -v v="$v" 'BEGIN {exit !(v >= 4 && v <= 4 * 1.15)}' || err "source port 6000/tcp: got '$v', want 4 (up to +15%)"
# What source port 6000/tcp probes (issue #16): its 4 SYNs of phase 2, all to port 80
# (its 5 of phase 0 came before it was watched; its 2 of phase 1 are before the range).
# No other source port sends 5 probes, so the panel holds source port 6000's rows only.
got=$(query "$(panel darkscope-ports-countries "Destination ports of the busiest source ports" A)" "$T")
[ "$(jq -r '[.[] | "\(.metric.protocol)/\(.metric.source_port)/\(.metric.port)"] | join(" ")' <<<"$got")" = "tcp/6000/80" ] ||
  err "destination ports of source port 6000: got $(jq -c . <<<"$got"), want tcp/6000/80 only"
v=$(jq -r '.[0].value[1]' <<<"$got")
awk -v v="$v" 'BEGIN {exit !(v >= 4 && v <= 4 * 1.15)}' || err "source port 6000/tcp to port 80: got '$v', want 4 (up to +15%)"
got=$(query 'darkscope_source_port_destination_packets_total{sensor="sensor-b", source_port="6000"}' "$T" | jq -r '[.[] | "\(.metric.protocol)/\(.metric.source_port)/\(.metric.port)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "tcp/6000/80=6 tcp/6000/other=0" ] || err "source port 6000/tcp by destination port on sensor-b: got '$got', want 80=6 other=0"
# Over time: every source port with its own series (at most 20, all within the top
# 10 here), 6000/tcp among them.
got=$(query "$(panel darkscope-ports-countries "Busiest source ports of probes" A)" "$T" | jq -r '[.[] | "\(.metric.protocol)/\(.metric.port)"] | sort | join(" ")')
want=$(query 'count by (protocol, port) (darkscope_source_port_packets_total{port!="other"})' "$T" | jq -r '[.[] | "\(.metric.protocol)/\(.metric.port)"] | sort | join(" ")')
[ "$got" = "$want" ] && [[ " $got " == *" tcp/6000 "* ]] || err "busiest source ports over time: got '$got', want '$want' with tcp/6000"

# Backscatter: one attack on sensor-a (SYN-ACKs) and one on sensor-b (DNS
# responses), still active at T (5 min timeout);
# example.org on sensor-2 with 1 name and 1 resolver, not flagged, all 12 messages in
# its own series (the 10 before its admission also stay in zone="other").
got=$(query "$(panel darkscope-backscatter "DoS attacks active" A)" "$T" | jq -r '[.[] | "\(.metric.sensor)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "sensor-a=1 sensor-b=1 sensor-c=0" ] || err "attacks active: got '$got'"
got=$(query 'sum by (sensor) (darkscope_backscatter_attacks_started_total)' "$T" | jq -r '[.[] | "\(.metric.sensor)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "sensor-a=1 sensor-b=1 sensor-c=0" ] || err "attacks started: got '$got'"
got=$(query 'darkscope_backscatter_packets_total{sensor="sensor-a", kind=~"synack|rst", port="80"}' "$T" | jq -r '[.[] | "\(.metric.kind)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "rst=2 synack=3" ] || err "backscatter packets of sensor-a: got '$got'"
got=$(query "$(panel darkscope-backscatter "Zones: names, resolvers, random-subdomain flag" A)" "$T" | jq -r '[.[] | "\(.metric.zone)=\(.value[1])"] | join(" ")')
[ "$got" = "example.org=1" ] || err "zone names: got '$got'"
got=$(query "$(panel darkscope-backscatter "Zones: names, resolvers, random-subdomain flag" B)" "$T" | jq -r '[.[] | "\(.metric.zone)=\(.value[1])"] | join(" ")')
[ "$got" = "example.org=1" ] || err "zone resolvers: got '$got'"
got=$(query "$(panel darkscope-backscatter "Zones: names, resolvers, random-subdomain flag" C)" "$T" | jq -r '[.[] | "\(.metric.zone)=\(.value[1])"] | join(" ")')
[ "$got" = "example.org=0" ] || err "zone flag: got '$got'"
got=$(query 'darkscope_dns_backscatter_responses_total{sensor="sensor-b"}' "$T" | jq -r '[.[] | "\(.metric.zone)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "example.org=12 other=10" ] || err "DNS responses by zone on sensor-b: got '$got'"
got=$(query 'darkscope_dns_events_total{sensor="sensor-b"}' "$T" | jq -r '[.[] | "\(.metric.result)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "rate_limited=0 ringbuf_full=0 sent=12" ] || err "DNS events on sensor-b: got '$got'"

# Backscatter by victim country (issue #16), exact: the counters, and the panel's rows
# (all backscatter was sent in phase 0, before the current range: each row is 0).
got=$(query 'darkscope_backscatter_country_packets_total' "$T" | jq -r '[.[] | "\(.metric.sensor)/\(.metric.kind)/\(.metric.country)=\(.value[1])"] | sort | join(" ")')
# sensor-c: its 2 SERVFAIL responses from 203.0.113.54 (JP) and the 2 ICMP port
# unreachables quoting DNS (FR) are backscatter too.
[ "$got" = "sensor-a/rst/US=2 sensor-a/synack/JP=3 sensor-b/dns_response/FR=12 sensor-c/dns_response/JP=2 sensor-c/unreachable/FR=2" ] || err "backscatter by victim country: got '$got'"
got=$(query "$(panel darkscope-backscatter "Backscatter by kind and victim country in range" A)" "$T" | jq -r '[.[] | "\(.metric.kind)/\(.metric.country)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "dns_response/FR=0 dns_response/JP=0 rst/US=0 synack/JP=0 unreachable/FR=0" ] || err "backscatter by victim country panel: got '$got'"

# DNS backscatter figures of TSUBAME, exact per sensor: each panel's query with the
# range widened to the whole run, on one sensor, at that sensor's last scrape (the
# counters start at 0, so increase() has nothing to extrapolate).
in_run() { # DASHBOARD PANEL REF SENSOR KEY_JQ -> "KEY=VALUE ..." sorted
  local q ts
  q=$(panel "$1" "$2" "$3")
  q=${q//"[${range}s]"/[10m]}
  q=${q//"sensor=~\"$sensor_re\""/sensor=\"$4\"}
  ts=$(query "timestamp(darkscope_build_info{sensor=\"$4\"})" "$T" | jq -r '.[0].value[1]')
  query "$q" "$ts" | jq -r "[.[] | \"\\($5)=\\(.value[1])\"] | sort | join(\" \")"
}
got=$(in_run darkscope-backscatter "DNS responses by rcode in range" A sensor-b .metric.rcode)
[ "$got" = "NOERROR=0 NXDOMAIN=12 REFUSED=0 SERVFAIL=0 other=0" ] || err "DNS rcodes of sensor-b: got '$got'"
got=$(in_run darkscope-backscatter "DNS responses by rcode in range" A sensor-c .metric.rcode)
[ "$got" = "NOERROR=0 NXDOMAIN=0 REFUSED=0 SERVFAIL=2 other=0" ] || err "DNS rcodes of sensor-c: got '$got'"
# Responses by resolver country: sensor-b's 12 NXDOMAIN from 198.51.100.53 (FR),
# sensor-c's 2 SERVFAIL from 203.0.113.54 (JP); its ICMP errors are no responses, and
# sensor-a got none (an empty family). The counters themselves: a country's series is
# born at its first response, so increase() over the panel's range cannot see that
# first step (Prometheus has no sample before it); the panel is checked for data below.
for kv in sensor-a= sensor-b=FR=12 sensor-c=JP=2; do
  got=$(query "darkscope_dns_backscatter_resolver_country_responses_total{sensor=\"${kv%%=*}\"}" "$T" | jq -r '[.[] | "\(.metric.country)=\(.value[1])"] | sort | join(" ")')
  [ "$got" = "${kv#*=}" ] || err "DNS responses by resolver country of ${kv%%=*}: got '$got', want '${kv#*=}'"
done
for kv in sensor-a=0 sensor-b=0 sensor-c=2; do
  got=$(in_run darkscope-backscatter "ICMP errors quoting DNS in range" A "${kv%=*}" .metric.sensor)
  [ "$got" = "$kv" ] || err "ICMP errors quoting DNS: got '$got', want $kv"
done

# Who is scanning (all hping3 SYNs match no tool rule: window 512, no options). Per
# sensor: SYN sources; sources with SYNs to both 8080 and 23 (http-alt-telnet); sources
# with 25 probe packets or more (--scan-min-packets 25; all traffic is within 5 min).
syn_sources=0 combo_sources=0
for i in 1 2 3; do
  syn_sources=$((syn_sources + $(awk -v s="$i" '$2 == s && $3 == "S" {print $5}' "$tmp/traffic" | sort -u | wc -l)))
  combos[$i]=$(awk -v s="$i" '$2 == s && $3 == "S" && ($4 == 8080 || $4 == 23) {print $5, $4}' "$tmp/traffic" |
    sort -u | awk '{n[$1]++} END {for (k in n) if (n[k] == 2) c++; print c + 0}')
  combo_sources=$((combo_sources + combos[$i]))
  scanners[$i]=$(awk -v s="$i" -v b="$backscatter_kinds" '$2 == s && $3 !~ b {n[$5] += $6} END {for (k in n) if (n[k] >= 25) c++; print c + 0}' "$tmp/traffic")
done
got=$(query "$(panel darkscope-overview "Sources today by scanning tool" A)" "$T" | jq -r '[.[] | "\(.metric.tool)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "masscan=0 mirai=0 nmap=0 unknown=$syn_sources zmap=0" ] || err "sources by tool: got '$got', want unknown=$syn_sources"
got=$(query "$(panel darkscope-overview "Sources today by port combination" A)" "$T" | jq -r '[.[] | "\(.metric.combination)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "http-alt-telnet=$combo_sources symantec-av-bot=0" ] || err "sources by port combination: got '$got', want http-alt-telnet=$combo_sources"
got=$(query "$(panel darkscope-overview "Scanners active and scan events in range" A)" "$T" | jq -r '[.[] | "\(.metric.sensor)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "sensor-a=${scanners[1]} sensor-b=${scanners[2]} sensor-c=${scanners[3]}" ] || err "scanners active: got '$got', want ${scanners[*]}"
got=$(query 'sum by (sensor) (darkscope_scan_events_total)' "$T" | jq -r '[.[] | "\(.metric.sensor)=\(.value[1])"] | sort | join(" ")')
[ "$got" = "sensor-a=${scanners[1]} sensor-b=${scanners[2]} sensor-c=${scanners[3]}" ] || err "scan events: got '$got', want ${scanners[*]}"
# darkscope status lists the same, read from each agent's status file.
for i in 1 2 3; do
  out=$("$agent" status --sensor-name "$tag-$i" 2>&1)
  grep -q "scanners: ${scanners[$i]} active, ${scanners[$i]} scan events" <<<"$out" || err "status of sensor $i: no 'scanners: ${scanners[$i]} active': $out"
  grep -qE "^    http-alt-telnet +${combos[$i]} +23,8080$" <<<"$out" || err "status of sensor $i: no http-alt-telnet ${combos[$i]}: $out"
done

log "checks done"
if [ "$fail" -ne 0 ]; then
  echo "--- agent logs" >&2; cat "$tmp"/agent*.log >&2
  echo "--- prometheus log" >&2; tail -20 "$tmp/prometheus.log" >&2
  exit 1
fi
echo "ok: $nq dashboard queries with data, $want rules; exact accesses, sources, top-5 ranks, header signatures, attacks, DNS zones, tool sources ($syn_sources), port combinations ($combo_sources) and scanners (${scanners[*]})"
