// darkscope replay on captures the test writes itself: exact JSON numbers, days
// from the capture's timestamps, and the errors for files that are not captures.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "backscatter/attack_json.h"
#include "exposition/backscatter_collector.h"
#include "replay/openmetrics_writer.h"
#include "replay/replay.h"
#include "replay/report.h"
#include "support/dns_message.h"
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
    EXPECT_EQ(j["ports"][0], (nlohmann::json{{"protocol", "tcp"}, {"port", 23}, {"packets", 5}, {"bytes", 5 * 54}, {"sources", 2}, {"service", "telnet"}}));
    EXPECT_EQ(j["ports"][1], (nlohmann::json{{"protocol", "tcp"}, {"port", 445}, {"packets", 3}, {"bytes", 3 * 54}, {"sources", 1}, {"service", "microsoft-ds"}}));
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

namespace {

// 2023-11-14T22:13:20Z, on a whole second: drains fall on second boundaries.
constexpr int64_t kFloodStart = 1700000000LL * kSec;

// A SYN-ACK flood of capture time: 198.51.100.7:80 answers every 0.5 s for 70 s (141
// SYN-ACKs), 198.51.100.8 three times; 150 NXDOMAIN responses for random names under
// example.com from two resolvers at +5 s.
std::vector<Frame> flood_scenario() {
    std::vector<Frame> f;
    for (int i = 0; i <= 140; ++i)
        f.push_back({kFloodStart + i * kSec / 2,
                     FrameBuilder().eth().ipv4("198.51.100.7", "203.0.113." + std::to_string(i % 200), 6)
                         .tcp(80, static_cast<uint16_t>(1024 + i), 0x12).build()});
    for (int i = 0; i < 3; ++i)
        f.push_back({kFloodStart + 20 * kSec + i * kSec,
                     FrameBuilder().eth().ipv4("198.51.100.8", "203.0.113.1", 6).tcp(443, 2000, 0x12).build()});
    for (int i = 0; i < 150; ++i) {
        char name[40];
        std::snprintf(name, sizeof name, "r%05dx%d.example.com", i * 7919 % 100000, i);
        f.push_back({kFloodStart + 5 * kSec + i * 1000,
                     FrameBuilder().eth().ipv4(i % 2 ? "192.0.2.54" : "192.0.2.53", "203.0.113.9", 17)
                         .udp(53, static_cast<uint16_t>(30000 + i))
                         .raw(test::DnsMessage().response().question(name).build()).build()});
    }
    std::stable_sort(f.begin(), f.end(), [](const Frame& a, const Frame& b) { return a.ts_ns < b.ts_ns; });
    return f;
}

}  // namespace

TEST(Replay, SynAckFloodInCaptureTimeIsOneAttackAndDnsZoneIsFlagged) {
    const fs::path pcap = temp_file("flood.pcap");
    write_pcap(pcap, flood_scenario());
    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("203.0.113.0/24")};
    o.victims.ipv4_scale = ipv4_scale(o.dataplane.dark_prefixes);
    o.victims.ports.tracked_ports = {80, 443};
    // The OpenMetrics file samples the backscatter families with the others.
    BackscatterView sampled;
    OpenMetricsWriter om([&](const Snapshot&) { return BackscatterCollector::families(sampled); });
    o.on_interval = [&](int64_t ts, const Accumulator& acc, const BackscatterView& b) {
        sampled = b;
        om.sample(ts, acc.snapshot());
    };
    const ReplayResult r = replay({pcap.string()}, o);
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(r.frames, 141u + 3u + 150u);

    // Dated by the drains once a second of capture time: first seen at the drain of
    // +0.5 s, last at the end of the capture (+70 s): 69.5 s, 141 packets.
    ASSERT_EQ(r.attacks.size(), 1u);
    const nlohmann::json a = attack_to_json(r.attacks[0]);
    EXPECT_EQ(a["victim"], "198.51.100.7");
    EXPECT_EQ(a["packets"], 141);
    EXPECT_EQ(a["ports"], nlohmann::json::parse(R"([{"protocol":"tcp","port":80,"packets":141}])"));
    EXPECT_EQ(a["start"], "2023-11-14T22:13:20.500Z");
    EXPECT_EQ(a["end"], "2023-11-14T22:14:30.000Z");
    EXPECT_EQ(a["duration_seconds"], 69.5);
    EXPECT_EQ(a["ended"], "capture_end");
    EXPECT_DOUBLE_EQ(a["observed_pps"].get<double>(), 141 / 69.5);
    EXPECT_DOUBLE_EQ(a["estimated_pps"].get<double>(), 141 / 69.5 * 16777216.0);
    const BackscatterView& b = r.backscatter;
    EXPECT_EQ(b.victims.attacks_started, 1u);
    EXPECT_EQ(b.victims.attacks_active, 0u);  // ended with the capture
    EXPECT_EQ(b.victims.packets.at({"synack", "80"}), 141u);
    EXPECT_EQ(b.victims.packets.at({"synack", "443"}), 3u);
    EXPECT_EQ(b.victims.packets.at({"dns_response", "53"}), 150u);

    ASSERT_FALSE(b.dns.zones.empty());
    const dns::ZoneRow& z = b.dns.zones[0];
    EXPECT_EQ(z.zone, "example.com");
    EXPECT_EQ(z.messages, 150u);
    EXPECT_EQ(z.names_today, 150u);
    EXPECT_EQ(z.resolvers_today, 2u);
    EXPECT_TRUE(z.random_subdomain);
    EXPECT_EQ(b.dns_sent, 150u);
    EXPECT_EQ(b.dns_rate_limited, 0u);

    const nlohmann::json j = to_json(r);
    EXPECT_EQ(j["attacks"].size(), 1u);
    EXPECT_EQ(j["dns"]["zones"][0]["zone"], "example.com");
    EXPECT_EQ(j["dns"]["zones"][0]["random_subdomain"], true);
    const std::string text = format_summary(r, 5);
    EXPECT_NE(text.find("Backscatter: 1 attacks"), std::string::npos) << text;
    EXPECT_NE(text.find("198.51.100.7"), std::string::npos) << text;
    EXPECT_NE(text.find("RANDOM-SUBDOMAIN ATTACK"), std::string::npos) << text;

    // The last sample (+70 s), before the capture's end ended the attack.
    const fs::path out = temp_file("flood.om");
    om.write(out.string());
    std::ifstream in(out);
    const std::string om_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(om_text.find("darkscope_backscatter_attacks_active 1 1700000070.000\n"), std::string::npos) << om_text;
    EXPECT_NE(om_text.find("darkscope_backscatter_attacks_started_total 1 1700000070.000\n"), std::string::npos);
    EXPECT_NE(om_text.find("darkscope_dns_backscatter_random_subdomain{zone=\"example.com\"} 1 1700000070.000\n"),
              std::string::npos);
    EXPECT_NE(om_text.find("darkscope_backscatter_packets_total{kind=\"synack\",port=\"80\"} 141 1700000070.000\n"),
              std::string::npos);
    fs::remove(pcap);
    fs::remove(out);
}

// Port combinations on crafted frames: 3 sources hit 2967,135,139,445 (the Symantec AV
// bots' set), 2 hit only 445,139, 1 hits 445/udp and 80/tcp (with --track-port 445,
// 445/udp is a port of interest; 80 is not).
TEST(Replay, PortCombinationsCountSourcesExactly) {
    std::vector<Frame> frames;
    int64_t t = kStart - 3600 * kSec;  // all on 2024-10-04
    auto syn = [&](const std::string& src, uint16_t port) {
        frames.push_back({t += kSec, FrameBuilder().eth().ipv4(src, "203.0.113.10", 6).tcp(40000, port, 0x02).build()});
    };
    for (const char* src : {"198.18.1.1", "198.18.1.2", "198.18.1.3"})
        for (uint16_t port : {2967, 135, 139, 445, 445}) syn(src, port);
    for (const char* src : {"198.18.2.1", "198.18.2.2"})
        for (uint16_t port : {445, 139}) syn(src, port);
    frames.push_back({t += kSec, FrameBuilder().eth().ipv4("198.18.3.1", "203.0.113.10", 17).udp(5000, 445).build()});
    syn("198.18.3.1", 80);
    fs::path pcap = temp_file("combinations.pcap");
    write_pcap(pcap, frames);
    ReplayOptions o = options();
    o.accumulator.tracked_ports = {445};
    for (const std::string& c : default_port_combinations())
        o.accumulator.port_combinations.push_back(parse_named_combination(c));
    ReplayResult r = replay({pcap.string()}, o);
    ASSERT_EQ(r.error, "");
    const nlohmann::json j = to_json(r)["port_combinations"];
    EXPECT_EQ(j["named"], (nlohmann::json::parse(R"([
        {"name": "symantec-av-bot", "ports": "135,139,445,2967", "sources": 3},
        {"name": "smb-netbios", "ports": "139,445", "sources": 5}])")));
    EXPECT_EQ(j["top"], (nlohmann::json::parse(R"([
        {"ports": "135,139,445,2967", "sources": 3},
        {"ports": "139,445", "sources": 2},
        {"ports": "445/udp", "sources": 1}])")));
    EXPECT_EQ(j["tracked_sources"], 6);
    EXPECT_EQ(j["untracked_sources"], 0);
    // The day's numbers (what `run` exports) agree on a one-day capture.
    ASSERT_EQ(r.snapshot.combinations.named.size(), 2u);
    EXPECT_EQ(r.snapshot.combinations.named[0].second, 3u);
    EXPECT_EQ(r.snapshot.combinations.named[1].second, 5u);
    const std::string text = format_summary(r);
    EXPECT_NE(text.find("symantec-av-bot              3 sources  135,139,445,2967"), std::string::npos) << text;
    fs::remove_all(pcap.parent_path());
}

// Scan events on crafted frames, with the default criteria (15 ports or 100 packets in
// 5 minutes): .1 probes 20 ports once each, .2 sends 100 SYNs to 23, .3 probes 14 ports
// (not a scanner); .1 comes back 10 minutes later with 15 more ports: a second event.
TEST(Replay, ScanEventsFromDistinctPortsOrPackets) {
    std::vector<Frame> frames;
    int64_t t = kStart - 3600 * kSec;
    auto syn = [&](const std::string& src, uint16_t port, int64_t step) {
        frames.push_back({t += step, FrameBuilder().eth().ipv4(src, "203.0.113.20", 6).tcp(40000, port, 0x02).build()});
    };
    for (uint16_t p = 1000; p < 1020; ++p) syn("198.18.5.1", p, kSec / 10);
    for (int i = 0; i < 100; ++i) syn("198.18.5.2", 23, kSec / 10);
    for (uint16_t p = 2000; p < 2014; ++p) syn("198.18.5.3", p, kSec / 10);
    t += 600 * kSec;
    for (uint16_t p = 3000; p < 3015; ++p) syn("198.18.5.1", p, kSec / 10);
    fs::path pcap = temp_file("scans.pcap");
    write_pcap(pcap, frames);
    ReplayOptions o = options();
    o.accumulator.tracked_ports = {};
    ReplayResult r = replay({pcap.string()}, o);
    ASSERT_EQ(r.error, "");
    const nlohmann::json j = to_json(r)["scans"];
    EXPECT_EQ(j["events"], 3);
    EXPECT_EQ(j["active_at_end"], 1);
    EXPECT_EQ(j["untracked_entries"], 0);
    ASSERT_EQ(j["biggest"].size(), 3u);
    EXPECT_EQ(j["biggest"][0]["source"], "198.18.5.1");
    EXPECT_EQ(j["biggest"][0]["ports"], 20);
    EXPECT_EQ(j["biggest"][0]["packets"], 20);
    EXPECT_EQ(j["biggest"][1]["source"], "198.18.5.1");
    EXPECT_EQ(j["biggest"][1]["ports"], 15);
    EXPECT_EQ(j["biggest"][2]["source"], "198.18.5.2");
    EXPECT_EQ(j["biggest"][2]["packets"], 100);
    EXPECT_NE(format_summary(r).find("Scan events (docs/configuration.md#scan-events): 3 started, 1 still going on"),
              std::string::npos);
    fs::remove_all(pcap.parent_path());
}

// --header-signatures false: the data plane skips the signature map (its cost per
// probe), the report's signature tables are empty, everything else is unchanged.
TEST(Replay, HeaderSignaturesCanBeTurnedOff) {
    fs::path pcap = temp_file("signatures.pcap");
    write_pcap(pcap, scenario());
    ReplayOptions on = options(), off = options();
    off.dataplane.signatures = false;
    nlohmann::json with = to_json(replay({pcap.string()}, on)), without = to_json(replay({pcap.string()}, off));
    uint64_t signed_probes = 0;
    for (auto& s : with["header_signatures"]["signatures"]) signed_probes += s["packets"].get<uint64_t>();
    EXPECT_EQ(signed_probes, 8u);  // the 8 dark SYNs (no UDP probe in the scenario)
    EXPECT_TRUE(without["header_signatures"]["signatures"].empty());
    EXPECT_TRUE(without["header_signatures"]["source_ports"].empty());
    EXPECT_EQ(without["totals"], with["totals"]);
    EXPECT_EQ(without["ports"], with["ports"]);
    fs::remove_all(pcap.parent_path());
}

// The cross-tabs of issue #16 in replay's JSON and text: countries per port (one
// country admitted per port here) and backscatter by kind and victim country.
TEST(Replay, CrossTabsOfTheCraftedCapture) {
    fs::path pcap = temp_file("crosstabs.pcap");
    write_pcap(pcap, scenario());
    ReplayOptions o = options();
    o.accumulator.port_countries = {.max_columns = 1, .min_packets = 1};
    ReplayResult r = replay({pcap.string()}, o);
    ASSERT_EQ(r.error, "");
    const nlohmann::json j = to_json(r);
    using nlohmann::json;
    // 23/tcp: 4 SYNs from .2 (US) first, then 1 from .1 (JP): no room left for JP.
    EXPECT_EQ(j["port_countries"],
              json::array({{{"protocol", "tcp"}, {"port", "23"}, {"service", "telnet"}, {"countries", {{{"country", "US"}, {"packets", 4}}, {{"country", "other"}, {"packets", 1}}}}},
                           {{"protocol", "tcp"}, {"port", "445"}, {"service", "microsoft-ds"}, {"countries", {{{"country", "JP"}, {"packets", 3}}}}},
                           {{"protocol", "icmp"}, {"port", "8"}, {"service", ""}, {"countries", {{{"country", "US"}, {"packets", 1}}}}}}));
    EXPECT_EQ(j["backscatter"]["countries"],
              json::array({{{"kind", "dns_response"}, {"country", "US"}, {"packets", 1}},
                           {{"kind", "synack"}, {"country", "US"}, {"packets", 2}}}));
    const std::string text = format_summary(r);
    EXPECT_NE(text.find("   23/tcp    telnet           US 4, other 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("     1     23/tcp           5   62.5%  telnet\n"), std::string::npos) << text;
    EXPECT_NE(text.find("packets by kind and victim country: dns_response/US 1, synack/US 2\n"), std::string::npos) << text;
    fs::remove_all(pcap.parent_path());
}

// What a fixed-source-port scanner probes (issue #16, TSUBAME 2.2): its source port is
// admitted at the minute's flush (3 probes here) and watched from then on; its later
// probes are counted by destination port (one admitted at 2 probes, the rest "other").
TEST(Replay, DestinationPortsOfAFixedSourcePort) {
    std::vector<Frame> frames;
    auto syn = [&](int64_t t, uint16_t dport) {
        frames.push_back({t, FrameBuilder().eth().ipv4("198.18.0.1", "203.0.113.5", 6).tcp(6000, dport, 0x02).build()});
    };
    for (int i = 0; i < 3; ++i) syn(kStart + i * kSec, 445);  // before the watch: in no row
    for (int i = 0; i < 4; ++i) syn(kStart + (70 + i) * kSec, 445);
    syn(kStart + 75 * kSec, 23);
    syn(kStart + 76 * kSec, 80);
    syn(kStart + 77 * kSec, 80);
    fs::path pcap = temp_file("source-port.pcap");
    write_pcap(pcap, frames);
    ReplayOptions o = options();
    o.accumulator.signatures.admit_packets = 3;
    o.accumulator.source_port_dests = {.max_columns = 1, .min_packets = 2};
    ReplayResult r = replay({pcap.string()}, o);
    ASSERT_EQ(r.error, "");
    using nlohmann::json;
    EXPECT_EQ(to_json(r)["source_port_destinations"],
              json::array({{{"protocol", "tcp"}, {"source_port", 6000},
                            {"ports", {{{"port", "445"}, {"packets", 4}}, {{"port", "other"}, {"packets", 3}}}}}}));
    EXPECT_NE(format_summary(r).find(" 6000/tcp    445 4, other 3\n"), std::string::npos) << format_summary(r);
    fs::remove_all(pcap.parent_path());
}
