// What the report tests share: a temporary directory they own, a small multi-day
// capture they write with libpcap, and running the darkscope binary.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/dns_message.h"
#include "support/frame_builder.h"
#include "support/run_command.h"
#include "support/sparse_capture.h"

namespace darkscope::test {

namespace fs = std::filesystem;

// A directory under the system's temporary one, removed with everything in it.
class TempDir {
public:
    explicit TempDir(const std::string& tag)
        : path_(fs::temp_directory_path() / ("darkscope-" + tag + "-" + std::to_string(getpid()))) {
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// Frames with their capture time, written by support/sparse_capture.h's writer.
using Frame = TimedFrame;

inline void write_pcap(const fs::path& path, const std::vector<Frame>& frames) { write_pcap_file(path, frames); }

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kDay = 86400 * kSec;
// 2024-10-04 00:00:00 UTC.
constexpr int64_t kDay0 = 1728000000LL * kSec;

// Three days of a small darknet: sources in 198.18.0.0/15 and 2001:db8::/32, dark
// destinations in 203.0.113.0/24 (and 2001:db8:203::/48 for IPv6). 21 accesses:
//   day 0: 5 SYNs tcp/23 from 198.18.0.1, 3 tcp/445 from 198.18.0.2, 2 tcp/22 from
//          2001:db8:1::1, 1 ICMP echo request from 198.18.0.3;
//   day 1: 4 tcp/23 from 198.18.0.1, 2 udp/161 from 198.18.1.1, and 2 SYN-ACKs from
//          192.0.2.80:80 (backscatter, not accesses);
//   day 2: 3 tcp/23 from 2001:db8:2::2, 1 tcp/445 from 198.18.0.2.
inline std::vector<Frame> three_days(int64_t start = kDay0) {
    std::vector<Frame> f;
    auto at = [&](int day, int i, std::vector<uint8_t> b) {
        f.push_back({start + day * kDay + 3600 * kSec + i * 60 * kSec, std::move(b)});
    };
    for (int i = 0; i < 5; ++i) at(0, i, FrameBuilder().eth().ipv4("198.18.0.1", "203.0.113.5", 6).tcp(40000 + i, 23, 0x02).build());
    for (int i = 0; i < 3; ++i) at(0, 10 + i, FrameBuilder().eth().ipv4("198.18.0.2", "203.0.113.6", 6).tcp(41000, 445, 0x02).build());
    for (int i = 0; i < 2; ++i)
        at(0, 20 + i, FrameBuilder().eth().ipv6("2001:db8:1::1", "2001:db8:203::5", 6).tcp(42000 + i, 22, 0x02).build());
    at(0, 30, FrameBuilder().eth().ipv4("198.18.0.3", "203.0.113.9", 1).icmp(8, 0).build());
    for (int i = 0; i < 4; ++i) at(1, i, FrameBuilder().eth().ipv4("198.18.0.1", "203.0.113.7", 6).tcp(40100 + i, 23, 0x02).build());
    for (int i = 0; i < 2; ++i) at(1, 10 + i, FrameBuilder().eth().ipv4("198.18.1.1", "203.0.113.8", 17).udp(43000, 161).build());
    for (int i = 0; i < 2; ++i) at(1, 20 + i, FrameBuilder().eth().ipv4("192.0.2.80", "203.0.113.9", 6).tcp(80, 31337, 0x12).build());
    for (int i = 0; i < 3; ++i)
        at(2, i, FrameBuilder().eth().ipv6("2001:db8:2::2", "2001:db8:203::6", 6).tcp(44000 + i, 23, 0x02).build());
    at(2, 10, FrameBuilder().eth().ipv4("198.18.0.2", "203.0.113.6", 6).tcp(41001, 445, 0x02).build());
    return f;
}

// The small test GeoIP databases (tests/unit/make_test_geoip.pl): 198.18.0.0/15 is
// XD, 192.0.2.200 XB, 198.51.100.7 XC.
const std::string kTestGeoip = std::string(DARKSCOPE_TEST_GEOIP_DIR) + "/country-maxmind.mmdb";
// Thresholds low enough for new_families() to fill every cross-tab and flag its zone.
inline std::string new_families_options() {
    return "--geoip " + kTestGeoip +
           " --signature-min-packets 5 --port-country-min-packets 3 --source-port-destination-min-packets 3"
           " --dns-random-min-names 4";
}

// One day (`start`'s) for the newer families, 124 accesses and 7 backscatter packets:
//   01:00, 5 SYNs from 198.18.0.1:6000 to tcp/80 (XD): they admit source port 6000
//          (--signature-min-packets 5) and are in no destination row;
//   03:00, 198.18.0.1:6000 probes tcp/23 120 times (XD: a jump worth a notable change)
//          and tcp/445 4 times, now counted by destination port;
//   04:00, 3 SYN-ACKs from 192.0.2.200:80 (XB, a victim's backscatter);
//   05:00, 4 DNS responses from 198.51.100.7:53 for example.com: 3 NXDOMAIN
//          (a1, a2, a3.example.com) and 1 SERVFAIL (b.example.com), 4 distinct names.
inline std::vector<Frame> new_families(int64_t start = kDay0) {
    std::vector<Frame> f;
    auto at = [&](int hour, int i, std::vector<uint8_t> b) { f.push_back({start + hour * 3600 * kSec + i * kSec, std::move(b)}); };
    auto syn = [](int dport) { return FrameBuilder().eth().ipv4("198.18.0.1", "203.0.113.5", 6).tcp(6000, dport, 0x02).build(); };
    for (int i = 0; i < 5; ++i) at(1, i, syn(80));
    for (int i = 0; i < 120; ++i) at(3, i, syn(23));
    for (int i = 0; i < 4; ++i) at(3, 200 + i, syn(445));
    for (int i = 0; i < 3; ++i) at(4, i, FrameBuilder().eth().ipv4("192.0.2.200", "203.0.113.9", 6).tcp(80, 31337, 0x12).build());
    const std::vector<std::pair<std::string, uint8_t>> answers = {
        {"a1.example.com", 3}, {"a2.example.com", 3}, {"a3.example.com", 3}, {"b.example.com", 2}};
    for (size_t i = 0; i < answers.size(); ++i)
        at(5, static_cast<int>(i), FrameBuilder().eth().ipv4("198.51.100.7", "203.0.113.10", 17).udp(53, 33000)
                                       .raw(DnsMessage().response(answers[i].second).question(answers[i].first).build()).build());
    return f;
}

inline std::string run_darkscope(const std::string& args, int* status = nullptr) {
    return run_out(std::string(DARKSCOPE_BIN) + " " + args, status);
}

inline nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p);
    return nlohmann::json::parse(in);
}

inline std::string read_text(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Every file in a directory, with its contents: "unchanged" means equal.
inline std::map<std::string, std::string> snapshot_dir(const fs::path& dir) {
    std::map<std::string, std::string> out;
    if (fs::exists(dir))
        for (auto& e : fs::recursive_directory_iterator(dir)) out[e.path().string()] = e.is_regular_file() ? read_text(e.path()) : "";
    return out;
}

}  // namespace darkscope::test
