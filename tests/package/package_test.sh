#!/usr/bin/env bash
# package_test.sh BUILD_DIR VERSION — the Debian package for real: build it
# (`--target package`), check it with lintian and by its contents, install it with
# dpkg, run the installed /usr/sbin/darkscope as the package's darkscope user on a
# veth in a network namespace against hping3 probes, scrape it, then `dpkg -r` and
# `dpkg --purge` and check that nothing of it is left.
#
# It installs on this machine (a throwaway dpkg --root could not run the binary
# against the host's kernel without a whole chroot), so it skips when darkscope is
# already installed or known to systemd, and it never enables or starts the unit.
# The darkscope user survives the purge, as Debian keeps system users; the test
# removes it afterwards when it did not exist before.
#
# Addresses: veth 198.51.100.0/30, dark prefix 203.0.113.0/24. Needs root, dpkg,
# lintian, hping3, curl, bash-completion.
set -euo pipefail
build=$(cd "${1:?usage: package_test.sh BUILD_DIR VERSION}" && pwd)
version=${2:?usage: package_test.sh BUILD_DIR VERSION}

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: needs root (dpkg -i, network namespaces, XDP)" >&2
  exit 77
fi
if dpkg-query -W -f='${Status}' darkscope 2>/dev/null | grep -qv 'not-installed'; then
  echo "SKIP: a darkscope package is already on this machine; the test would replace and purge it" >&2
  exit 77
fi
if [ -e /usr/sbin/darkscope ] || [ -e /lib/systemd/system/darkscope.service ] || [ -e /etc/systemd/system/darkscope.service ] ||
  [ -e /etc/darkscope ]; then
  echo "SKIP: a darkscope installed by hand (/usr/sbin, /etc/darkscope or a unit) would clash with the package" >&2
  exit 77
fi
for tool in dpkg-deb lintian hping3 curl nsenter; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (scripts/setup.sh)" >&2; exit 1; }
done
[ -f /usr/share/bash-completion/bash_completion ] || { echo "FAIL: bash-completion not installed (scripts/setup.sh)" >&2; exit 1; }

tag=dspkg$$
sensor_ns=$tag-s peer_ns=$tag-p
tmp=$(mktemp -d)
agent_pid=""
user_existed=no
getent passwd darkscope >/dev/null && user_existed=yes
run_dir_existed=no run_dir_owner="" run_dir_mode=""
if [ -d /run/darkscope ]; then
  run_dir_existed=yes run_dir_owner=$(stat -c %u:%g /run/darkscope) run_dir_mode=$(stat -c %a /run/darkscope)
fi
cleanup() {
  set +e
  if [ -n "$agent_pid" ]; then
    kill -TERM "$agent_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$agent_pid" 2>/dev/null
    wait "$agent_pid" 2>/dev/null
  fi
  ip netns del "$sensor_ns" 2>/dev/null
  ip netns del "$peer_ns" 2>/dev/null
  rm -rf "/sys/fs/bpf/darkscope/$tag" 2>/dev/null
  rmdir /sys/fs/bpf/darkscope 2>/dev/null
  dpkg-query -W darkscope >/dev/null 2>&1 && dpkg_retry --purge darkscope >/dev/null
  [ "$user_existed" = no ] && getent passwd darkscope >/dev/null && userdel darkscope
  [ "$user_existed" = no ] && getent group darkscope >/dev/null && groupdel darkscope
  # The agent gives /run/darkscope to its --user: give it back, or remove it.
  rm -f "/run/darkscope/$tag.json" "/run/darkscope/$tag.state"
  if [ "$run_dir_existed" = yes ]; then
    chown "$run_dir_owner" /run/darkscope && chmod "$run_dir_mode" /run/darkscope
  else
    rmdir /run/darkscope 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail=0
err() { echo "FAIL: $*" >&2; fail=1; }
expect_eq() { [ "$2" = "$3" ] || err "$1: expected '$3', got '$2'"; }
# dpkg waits for no lock: retry while apt or another dpkg holds it (bounded).
dpkg_retry() {
  local out status
  for _ in $(seq 60); do
    status=0
    out=$(dpkg "$@" 2>&1) || status=$?
    [ $status -ne 0 ] && grep -q 'lock' <<<"$out" && { sleep 1; continue; }
    echo "$out"
    return $status
  done
  echo "$out"
  return 1
}

# --- build and check the package -------------------------------------------------
cmake --build "$build" --target package >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; exit 1; }
deb=$build/darkscope_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { echo "FAIL: $deb was not written" >&2; exit 1; }

lintian --tag-display-limit 0 "$deb" >"$tmp/lintian" 2>&1 || true
cat "$tmp/lintian"
errors=$(grep -c '^E: ' "$tmp/lintian" || true)
expect_eq "lintian errors" "$errors" 0

dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' >"$tmp/contents"
for path in /usr/sbin/darkscope /usr/lib/darkscope/libssl.so /lib/systemd/system/darkscope.service \
  /usr/lib/sysusers.d/darkscope.conf /etc/darkscope/darkscope.yaml /usr/share/man/man8/darkscope.8.gz \
  /usr/share/bash-completion/completions/darkscope /usr/share/doc/darkscope/copyright \
  /usr/share/doc/darkscope/changelog.gz /usr/share/darkscope/prometheus/prometheus.yml \
  /usr/share/darkscope/prometheus/rules/darkscope-alerts.yml /usr/share/darkscope/prometheus/rules/darkscope-recording.yml \
  /usr/share/darkscope/grafana/dashboards/darkscope-overview.json \
  /usr/share/darkscope/grafana/provisioning/dashboards/darkscope.yml; do
  grep -qxF "$path" "$tmp/contents" || err "the package has no $path"
done
expect_eq "conffiles" "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xOf - ./conffiles)" /etc/darkscope/darkscope.yaml
depends=$(dpkg-deb -f "$deb" Depends)
for dep in adduser libbpf1 libc6 libcivetweb1 libmaxminddb0 libpcap0.8; do
  grep -q "\b$dep\b" <<<"$depends" || err "Depends lacks $dep (shlibdeps): $depends"
done
# Read whole before grep: grep -q stops at the first match, and tar, still writing,
# would die of SIGPIPE and fail the pipeline (pipefail) with the line there.
copyright=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/doc/darkscope/copyright)
grep -q 'IP geolocation by DB-IP' <<<"$copyright" || err "the copyright file lacks the DB-IP attribution"

# The man page holds every option every subcommand's --help prints.
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/man/man8/darkscope.8.gz | gunzip >"$tmp/darkscope.8"
bin=$build/userspace/darkscope
subs=$("$bin" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
options=0
for sub in $subs; do
  # The subcommand's subsection: from its .SS line to the next .SS or .SH.
  awk -v ss=".SS \"darkscope $sub\"" '$0 == ss { on = 1; next } on && /^\.S[SH] / { exit } on' "$tmp/darkscope.8" \
    >"$tmp/section"
  [ -s "$tmp/section" ] || err "the man page has no section for darkscope $sub"
  for opt in $("$bin" "$sub" --help | awk '/^  -/ { n = split($1, a, ","); for (i = 1; i <= n; i++) if (a[i] ~ /^--/) print a[i] }'); do
    options=$((options + 1))
    # A tag names one option or several, comma-separated (-i,--interface; --log.level,--log-level).
    grep -qE "^\\\\fB([^ ]*,)?$(sed -e 's/-/\\\\-/g' -e 's/\./\\./g' <<<"$opt")( |,|\\\\fR)" "$tmp/section" ||
      err "the man page lacks darkscope $sub $opt"
  done
done
[ "$options" -gt 50 ] || err "only $options options found in the subcommands' help"

# --- install -----------------------------------------------------------------------
dpkg_retry -i "$deb" >"$tmp/install.log" || { cat "$tmp/install.log" >&2; echo "FAIL: dpkg -i" >&2; exit 1; }
dpkg -L darkscope >"$tmp/files"
getent passwd darkscope >/dev/null || err "postinst made no darkscope user"
expect_eq "owner and mode of the compat library" "$(stat -c '%U %a' /usr/lib/darkscope/libssl.so)" "root 644"
expect_eq "owner of /usr/lib/darkscope" "$(stat -c '%U %a' /usr/lib/darkscope)" "root 755"
[ -e /etc/systemd/system/multi-user.target.wants/darkscope.service ] && err "the install enabled the unit"
grep -q '^ExecStart=/usr/sbin/darkscope run ' /lib/systemd/system/darkscope.service || err "the unit does not start /usr/sbin/darkscope"

# Completion from the installed binary's help: subcommands, then a subcommand's options.
complete_words() {
  bash -c 'source /usr/share/bash-completion/bash_completion; source /usr/share/bash-completion/completions/darkscope
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _darkscope; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
expect_eq "completion of 're'" "$(complete_words darkscope re | sort | tr '\n' ' ')" "replay report "
expect_eq "completion of 'run --dark-'" "$(complete_words darkscope run --dark- | tr '\n' ' ')" "--dark-prefix "

# --- run the installed binary on a veth ----------------------------------------------
ip netns add "$sensor_ns"
ip netns add "$peer_ns"
ip -n "$sensor_ns" link set lo up
ip link add "${tag}s" netns "$sensor_ns" type veth peer name "${tag}p" netns "$peer_ns"
ip -n "$sensor_ns" addr add 198.51.100.1/30 dev "${tag}s"
ip -n "$peer_ns" addr add 198.51.100.2/30 dev "${tag}p"
ip -n "$sensor_ns" link set "${tag}s" up
ip -n "$peer_ns" link set "${tag}p" up
ip -n "$peer_ns" route add 203.0.113.0/24 via 198.51.100.1
# nsenter switches only the network namespace (`ip netns exec` would mount a fresh
# /sys, hiding the BPF filesystem the agent pins in).
nsenter --net="/run/netns/$sensor_ns" /usr/sbin/darkscope run -i "${tag}s" --dark-prefix 203.0.113.0/24 \
  --sensor-name "$tag" --user darkscope --poll-interval 200ms --web.listen-address 127.0.0.1:9817 \
  >"$tmp/agent.log" 2>&1 &
agent_pid=$!
scrape() { nsenter --net="/run/netns/$sensor_ns" curl -fsS --max-time 2 http://127.0.0.1:9817/metrics; }
for _ in $(seq 100); do scrape >/dev/null 2>&1 && break; sleep 0.1; done
scrape >/dev/null || { cat "$tmp/agent.log" >&2; echo "FAIL: the installed agent serves no metrics" >&2; exit 1; }
expect_eq "agent's user" "$(awk '/^Uid:/ { print $2 }' "/proc/$agent_pid/status")" "$(id -u darkscope)"
expect_eq "agent's effective capabilities" "$(awk '/^CapEff:/ { print $2 }' "/proc/$agent_pid/status")" 0000000000000000

# 7 SYNs to port 23 of the dark prefix (bounded: -c 7).
ip netns exec "$peer_ns" hping3 -q -S -p 23 -i u10000 -c 7 203.0.113.7 >/dev/null 2>&1 || true
value() { awk -v s="$1" '$1 == s { print $2 }' "$tmp/metrics"; }
for _ in $(seq 50); do
  scrape >"$tmp/metrics"
  [ "$(value 'darkscope_port_packets_total{port="23",protocol="tcp"}')" = 7 ] && break
  sleep 0.1
done
expect_eq "darkscope_packets_total syn" "$(value 'darkscope_packets_total{class="syn",protocol="tcp"}')" 7
expect_eq "darkscope_port_packets_total 23/tcp" "$(value 'darkscope_port_packets_total{port="23",protocol="tcp"}')" 7

kill -TERM "$agent_pid"
wait "$agent_pid" || err "the agent exited $? on SIGTERM"
agent_pid=""

# --- remove, then purge ------------------------------------------------------------
dpkg_retry -r darkscope >/dev/null || err "dpkg -r"
[ -e /usr/sbin/darkscope ] && err "dpkg -r left /usr/sbin/darkscope"
[ -f /etc/darkscope/darkscope.yaml ] || err "dpkg -r removed the conffile (only purge should)"
expect_eq "status after dpkg -r" "$(dpkg-query -W -f='${Status}' darkscope)" "deinstall ok config-files"

dpkg_retry --purge darkscope >/dev/null || err "dpkg --purge"
dpkg-query -W darkscope >/dev/null 2>&1 && err "dpkg still knows darkscope after the purge"
left=$(while read -r f; do [ -d "$f" ] || [ ! -e "$f" ] || echo "$f"; done <"$tmp/files")
expect_eq "files left after the purge" "$left" ""
for dir in /etc/darkscope /usr/lib/darkscope /usr/share/darkscope /usr/share/doc/darkscope /var/lib/darkscope \
  /var/log/darkscope /etc/systemd/system/darkscope.service; do
  [ -e "$dir" ] && err "the purge left $dir"
done
ls /var/lib/dpkg/info/darkscope.* >/dev/null 2>&1 && err "the purge left /var/lib/dpkg/info/darkscope.*"
grep -rqs darkscope /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked &&
  err "the purge left deb-systemd-helper state"
getent passwd darkscope >/dev/null || err "the purge removed the darkscope user (Debian keeps system users)"

[ $fail -eq 0 ] && echo "package test: passed ($options options in the man page)"
exit $fail
