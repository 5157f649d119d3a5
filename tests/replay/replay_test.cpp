// darkscope replay on captures the test writes itself: exact JSON numbers, days
// from the capture's timestamps, and the errors for files that are not captures.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "replay/replay.h"
#include "replay/report.h"
#include "support/frame_builder.h"

using namespace darkscope;
using darkscope::test::FrameBuilder;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kSec = 1'000'000'000;
// 2024-10-04 23:59:57 UTC: midnight UTC falls between the second and third frame.
constexpr int64_t kStart = 1728086397LL * kSec;

struct Frame {
    int64_t ts_ns;
    std::vector<uint8_t> bytes;
};

fs::path temp_file(const std::string& name) {
    fs::path dir = fs::temp_directory_path() / ("darkscope-replay-test-" + std::to_string(getpid()));
    fs::create_directories(dir);
    return dir / name;
}

void write_pcap(const fs::path& path, const std::vector<Frame>& frames, int linktype = DLT_EN10MB) {
    pcap_t* dead = pcap_open_dead_with_tstamp_precision(linktype, 65535, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
    ASSERT_NE(d, nullptr) << pcap_geterr(dead);
    for (const Frame& f : frames) {
        pcap_pkthdr h{};
        h.ts.tv_sec = f.ts_ns / kSec;
        h.ts.tv_usec = f.ts_ns % kSec;  // nanoseconds with the NANO precision
        h.caplen = h.len = static_cast<bpf_u_int32>(f.bytes.size());
        pcap_dump(reinterpret_cast<u_char*>(d), &h, f.bytes.data());
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

// A small darknet day: two scanners, one backscatter source, noise and garbage.
std::vector<Frame> scenario() {
    std::vector<Frame> f;
    int64_t t = kStart;
    auto add = [&](std::vector<uint8_t> b) { f.push_back({t += kSec, std::move(b)}); };
    for (int i = 0; i < 3; ++i)  // 3 SYNs to 445 from .1 (before midnight: 2, after: 1)
        add(FrameBuilder().eth().ipv4("198.18.0.1", "203.0.113.5", 6).tcp(40000 + i, 445, 0x02).build());
    for (int i = 0; i < 4; ++i)  // 4 SYNs to 23 from .2 (after midnight)
        add(FrameBuilder().eth().ipv4("198.18.0.2", "203.0.113.6", 6).tcp(50000, 23, 0x02).build());
    add(FrameBuilder().eth().ipv4("198.18.0.1", "203.0.113.7", 6).tcp(40001, 23, 0x02).build());
    for (int i = 0; i < 2; ++i)  // backscatter: SYN-ACKs from a web server, DNS response
        add(FrameBuilder().eth().ipv4("192.0.2.80", "203.0.113.9", 6).tcp(80, 31337, 0x12).build());
    add(FrameBuilder().eth().ipv4("192.0.2.53", "203.0.113.9", 17).udp(53, 4444).build());
    add(FrameBuilder().eth().ipv4("198.18.0.3", "203.0.113.9", 1).icmp(8, 0).build());
    add(FrameBuilder().eth().ipv4("198.18.0.3", "198.51.100.1", 6).tcp(1, 2, 0x02).build());  // not dark
    add(FrameBuilder().eth(0x0806).payload(28).build());                                     // ARP
    add(FrameBuilder().eth().ipv4("198.18.0.4", "203.0.113.9", 6).tcp(1, 2, 0x02).truncated(14 + 20 + 10));
    return f;
}

ReplayOptions options() {
    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("203.0.113.0/24")};
    o.country = [](uint8_t, const uint8_t* a) { return a[3] == 1 ? std::string("JP") : std::string("US"); };
    o.accumulator.tracked_ports = {23, 445};
    return o;
}

}  // namespace

TEST(Replay, CraftedCaptureGivesExactReport) {
    fs::path pcap = temp_file("scenario.pcap");
    write_pcap(pcap, scenario());
    ReplayResult r = replay({pcap.string()}, options());
    ASSERT_EQ(r.error, "");
    nlohmann::json j = to_json(r);

    EXPECT_EQ(j["frames"], 15);
    EXPECT_EQ(j["totals"]["dark_packets"], 12);
    EXPECT_EQ(j["totals"]["probe_packets"], 9);
    EXPECT_EQ(j["totals"]["backscatter_packets"], 3);
    EXPECT_EQ(j["totals"]["passed_packets"], 2);
    EXPECT_EQ(j["totals"]["malformed_packets"], 1);
    EXPECT_EQ(j["unattributed"], 0);
    EXPECT_EQ(j["passed"]["not_dark"], 1);
    EXPECT_EQ(j["passed"]["non_ip"], 1);
    EXPECT_EQ(j["malformed"]["tcp_truncated"], 1);
    EXPECT_EQ(j["sources"]["distinct"], 3);

    std::map<std::string, int> classes;
    for (auto& c : j["classes"]) classes[c["protocol"].get<std::string>() + "/" + c["class"].get<std::string>()] = c["packets"];
    EXPECT_EQ(classes, (std::map<std::string, int>{
                           {"tcp/syn", 8}, {"tcp/synack", 2}, {"udp/dns_response", 1}, {"icmp/echo_request", 1}}));

    ASSERT_EQ(j["ports"].size(), 2u);  // ranked by packets
    EXPECT_EQ(j["ports"][0], (nlohmann::json{{"protocol", "tcp"}, {"port", 23}, {"packets", 5}, {"bytes", 5 * 54}, {"sources", 2}}));
    EXPECT_EQ(j["ports"][1], (nlohmann::json{{"protocol", "tcp"}, {"port", 445}, {"packets", 3}, {"bytes", 3 * 54}, {"sources", 1}}));
    EXPECT_EQ(j["backscatter_ports"][0]["source_port"], 80);
    EXPECT_EQ(j["backscatter_ports"][0]["packets"], 2);

    ASSERT_EQ(j["countries"].size(), 2u);
    EXPECT_EQ(j["countries"][0], (nlohmann::json{{"country", "US"}, {"packets", 5}, {"bytes", 4 * 54 + 42}, {"sources", 2}}));
    EXPECT_EQ(j["countries"][1], (nlohmann::json{{"country", "JP"}, {"packets", 4}, {"bytes", 4 * 54}, {"sources", 1}}));

    // Midnight UTC falls after the second SYN: day one has 2 packets from 1 source.
    ASSERT_EQ(j["days"].size(), 2u);
    EXPECT_EQ(j["days"][0], (nlohmann::json{{"day", "2024-10-04"}, {"packets", 2}, {"sources", 1}}));
    EXPECT_EQ(j["days"][1], (nlohmann::json{{"day", "2024-10-05"}, {"packets", 7}, {"sources", 3}}));

    std::string text = format_summary(r);
    EXPECT_NE(text.find("Top destination ports by packets"), std::string::npos);
    EXPECT_NE(text.find("23/tcp"), std::string::npos);
    fs::remove_all(pcap.parent_path());
}

TEST(Replay, DaysFollowTheConfiguredTimeZone) {
    fs::path pcap = temp_file("tz.pcap");
    write_pcap(pcap, scenario());
    ReplayOptions o = options();
    o.accumulator.day_timezone = "Asia/Tokyo";  // 23:59 UTC is 08:59 JST: one day
    ReplayResult r = replay({pcap.string()}, o);
    nlohmann::json j = to_json(r);
    ASSERT_EQ(j["days"].size(), 1u);
    EXPECT_EQ(j["days"][0], (nlohmann::json{{"day", "2024-10-05"}, {"packets", 9}, {"sources", 3}}));
    fs::remove_all(pcap.parent_path());
}

TEST(Replay, NotACaptureIsAnError) {
    fs::path bad = temp_file("notes.txt");
    std::ofstream(bad) << "this is not a capture\n";
    ReplayResult r = replay({bad.string()}, options());
    EXPECT_NE(r.error.find("notes.txt"), std::string::npos) << r.error;
    EXPECT_EQ(r.frames, 0u);
    fs::remove_all(bad.parent_path());
}

TEST(Replay, OtherLinkTypeIsAnError) {
    fs::path raw = temp_file("raw.pcap");
    write_pcap(raw, {{kStart, std::vector<uint8_t>(40, 0x45)}}, DLT_RAW);
    ReplayResult r = replay({raw.string()}, options());
    EXPECT_NE(r.error.find("raw.pcap"), std::string::npos) << r.error;
    EXPECT_EQ(r.frames, 0u);
    fs::remove_all(raw.parent_path());
}

TEST(Replay, TruncatedCaptureKeepsWhatWasCounted) {
    fs::path pcap = temp_file("cut.pcap");
    write_pcap(pcap, scenario());
    // Cut the last record in half: the 14 frames before it are still reported.
    fs::resize_file(pcap, fs::file_size(pcap) - 20);
    ReplayResult r = replay({pcap.string()}, options());
    EXPECT_FALSE(r.error.empty());
    EXPECT_EQ(r.frames, 14u);
    EXPECT_EQ(to_json(r)["totals"]["dark_packets"], 12);
    fs::remove_all(pcap.parent_path());
}
