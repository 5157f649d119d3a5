// `darkscope replay` on every shared real capture, its JSON compared field by field
// with the tshark ground truth in summaries/. Every destination is dark (replay's
// default), so every IP frame is counted. Skips, saying so, where ../shared is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "replay/replay.h"
#include "replay/report.h"
#include "support/ground_truth.h"

using namespace darkscope;
namespace fs = std::filesystem;

namespace {

// Numbers darkscope counts differently from tshark on purpose (docs/replay.md),
// per capture: field -> what darkscope reports.
const std::map<std::string, std::map<std::string, long long>> kDeliberate = {
    // The Fragment header is all there (offset != 0): darkscope reads it and counts a
    // non-first fragment; tshark gives up on the packet because the IPv6 payload
    // length (0) contradicts it. darkscope does not check length fields it does not need.
    {"tcpdump_ipv6_frag6_negative_len.pcap", {{"fragment", 1}}},
};

// Captures whose port tables differ on purpose: the UDP header is cut to 4 bytes,
// which tshark still reads a destination port from and darkscope counts as
// malformed udp_truncated (a frame too short for the header it claims).
const std::set<std::string> kPortsDiffer = {"tcpdump_udp-length-heapoverflow.pcap"};

struct Counts {
    std::map<std::string, long long> classes;  // class -> packets, all protocols
    std::map<std::string, long long> icmp4, icmp6;
    std::map<std::string, long long> tcp_ports, udp_ports;
};

Counts counts_of(const nlohmann::json& j) {
    Counts c;
    for (auto& k : j["classes"]) c.classes[k["class"].get<std::string>()] += k["packets"].get<long long>();
    for (auto& i : j["icmp"]) {
        auto& m = i["protocol"] == "icmp" ? c.icmp4 : c.icmp6;
        m[std::to_string(i["type"].get<int>()) + "/" + std::to_string(i["code"].get<int>())] += i["packets"].get<long long>();
    }
    for (auto& p : j["ports"])
        (p["protocol"] == "tcp" ? c.tcp_ports : c.udp_ports)[std::to_string(p["port"].get<int>())] += p["packets"].get<long long>();
    return c;
}

long long get(const std::map<std::string, long long>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
}

// The top-10 list of the ground truth must be the head of darkscope's port table.
void expect_top_ports(const std::map<std::string, long long>& truth, const std::map<std::string, long long>& ours,
                      const std::string& what) {
    for (auto& [port, n] : truth) EXPECT_EQ(get(ours, port), n) << what << " port " << port;
}

}  // namespace

class ReplayGroundTruth : public ::testing::TestWithParam<std::string> {};

TEST_P(ReplayGroundTruth, MatchesTshark) {
    const fs::path dir = test::shared_pcaps_dir(DARKSCOPE_SOURCE_DIR);
    if (dir.empty()) GTEST_SKIP() << "../shared/data/pcaps is absent beside the checkout";
    const std::string file = GetParam();
    const test::GroundTruth gt = test::read_ground_truth(dir / "summaries" / (file + ".txt"));
    ASSERT_GT(gt.num("frames"), 0) << "no ground truth for " << file;

    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("0.0.0.0/0"), Prefix::parse("::/0")};
    ReplayResult r = replay({(dir / file).string()}, o);
    ASSERT_EQ(r.error, "");
    const nlohmann::json j = to_json(r);
    const Counts c = counts_of(j);
    auto deliberate = [&](const std::string& field, long long truth) {
        auto f = kDeliberate.find(file);
        if (f == kDeliberate.end()) return truth;
        auto v = f->second.find(field);
        return v == f->second.end() ? truth : v->second;
    };

    // Every frame lands in exactly one of dark, passed, malformed.
    EXPECT_EQ(j["frames"].get<long long>(), gt.num("frames"));
    EXPECT_EQ(j["totals"]["dark_packets"].get<long long>() + j["totals"]["passed_packets"].get<long long>() +
                  j["totals"]["malformed_packets"].get<long long>(),
              gt.num("frames"));

    // TCP classes. darkscope's classes are exclusive (SYN before SYN-ACK before RST),
    // tshark's counts overlap only for flag sets no capture here holds.
    EXPECT_EQ(get(c.classes, "syn"), deliberate("syn", gt.num("tcp_syn_no_ack")));
    EXPECT_EQ(get(c.classes, "synack"), deliberate("synack", gt.num("tcp_syn_ack")));
    EXPECT_EQ(get(c.classes, "rst"), deliberate("rst", gt.num("tcp_rst_any")));
    EXPECT_EQ(get(c.classes, "ack"), deliberate("ack", gt.num("tcp_ack_only(ACK, no SYN/FIN/RST/PSH/URG)")));
    EXPECT_EQ(get(c.classes, "fin"), deliberate("fin", gt.num("tcp_fin_only")));
    EXPECT_EQ(get(c.classes, "null"), deliberate("null", gt.num("tcp_null(no FIN/SYN/RST/PSH/ACK/URG)")));
    EXPECT_EQ(get(c.classes, "xmas"), deliberate("xmas", gt.num("tcp_xmas(FIN+PSH+URG, no SYN/RST/ACK)")));

    // DNS responses: UDP from port 53.
    EXPECT_EQ(get(c.classes, "dns_response"), deliberate("dns_response", gt.num("udp_src_port_53")));

    // ICMP and ICMPv6 by type/code.
    EXPECT_EQ(c.icmp4, gt.list("icmpv4_type/code"));
    EXPECT_EQ(c.icmp6, gt.list("icmpv6_type/code"));

    // Non-first fragments, IPv4 and IPv6.
    EXPECT_EQ(get(c.classes, "fragment"), deliberate("fragment", gt.num("ipv4_fragments_non_first(offset>0)") +
                                                                     gt.num("ipv6_fragments_non_first(offset>0)")));
    EXPECT_EQ(j["totals"]["vlan_tagged_frames"].get<long long>(),
              gt.num("frames_vlan_tagged(>=1 802.1Q/802.1ad tag)"));

    // Destination ports: darkscope's table holds probes only (backscatter goes by the
    // victim's source port), so the comparison holds where the capture has none.
    if (get(c.classes, "synack") + get(c.classes, "rst") == 0 && gt.num("tcp_syn_ack") + gt.num("tcp_rst_any") == 0)
        expect_top_ports(gt.list("top10_tcp_dst_ports"), c.tcp_ports, "tcp");
    if (kPortsDiffer.count(file)) {
        EXPECT_EQ(j["malformed"]["udp_truncated"].get<long long>(), 1);
    } else if (gt.num("udp_src_port_53") == 0 && get(c.classes, "udp_reflection") == 0) {
        expect_top_ports(gt.list("top10_udp_dst_ports"), c.udp_ports, "udp");
    }

    // Tools: each rule's matches as summarize.sh counts them, and every SYN attributed once.
    std::map<std::string, long long> rule_matches;
    long long attributed = 0;
    for (const auto& t : j["tools"]) {
        attributed += t["packets"].get<long long>();
        if (t.contains("rule_matches")) rule_matches[t["tool"]] = t["rule_matches"].get<long long>();
    }
    EXPECT_EQ(attributed, get(c.classes, "syn"));
    EXPECT_EQ(rule_matches["mirai"], gt.num("fingerprint_mirai_seq_eq_dst_syn"));
    EXPECT_EQ(rule_matches["masscan"], gt.num("fingerprint_masscan_ipid_syn"));
    EXPECT_EQ(rule_matches["nmap"], gt.num("fingerprint_nmap_syn_heuristic"));
    EXPECT_EQ(rule_matches["zmap"], gt.num("fingerprint_zmap_ipid54321_syn"));
    if (file == "ndpi_nmap_synscan.pcap") {
        // nmap's SYN with IP ID 54321 by chance is nmap's, not ZMap's: one scanner, one tool.
        for (const auto& t : j["tools"]) {
            const std::string tool = t["tool"];
            EXPECT_EQ(t["packets"].get<long long>(), tool == "nmap" ? 1994 : 0) << tool;
            EXPECT_EQ(t["sources"].get<long long>(), tool == "nmap" ? 1 : 0) << tool;
        }
    }

    // Malformed frames are counted, by reason, and never more than the frames.
    long long malformed = 0;
    for (auto& [reason, n] : j["malformed"].items()) malformed += n.get<long long>();
    EXPECT_EQ(malformed, j["totals"]["malformed_packets"].get<long long>());
}

std::vector<std::string> shared_captures() {
    std::vector<std::string> files;
    const fs::path dir = test::shared_pcaps_dir(DARKSCOPE_SOURCE_DIR);
    if (dir.empty()) return {"(shared captures absent)"};
    for (auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".pcap" || e.path().extension() == ".pcapng") files.push_back(e.path().filename());
    std::sort(files.begin(), files.end());
    return files;
}

INSTANTIATE_TEST_SUITE_P(SharedCaptures, ReplayGroundTruth, ::testing::ValuesIn(shared_captures()),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (char& ch : n)
                                 if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return n;
                         });

// Keeps the suite honest where ../shared is missing: the skip says why.
TEST(ReplayGroundTruthSetup, SharedCapturesPresent) {
    if (test::shared_pcaps_dir(DARKSCOPE_SOURCE_DIR).empty())
        GTEST_SKIP() << "../shared/data/pcaps is absent beside the checkout: the real-capture comparisons are skipped";
    SUCCEED();
}
