// Tool fingerprints of dark TCP SYNs (bpf/fingerprint.h), as data: each case is one
// frame, the rules it must match (the tool_stats index) and the tool it is
// attributed to (in its per-source key). Frames go through
// BPF_PROG_TEST_RUN on the real object; a failure names the case.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "fingerprint/tool_counts.h"
#include "support/dataplane_diff.h"
#include "support/frame_builder.h"

using namespace darkscope;
using darkscope::test::FrameBuilder;

namespace {

const char* const kSrc4 = "203.0.113.7";
const char* const kDark4 = "198.51.100.9";  // 0xc6336409
constexpr uint32_t kDark4Int = 0xc6336409;
const char* const kSrc6 = "2001:db8:1::7";
const char* const kDark6 = "2001:db8:dead::9";
constexpr uint8_t SYN = 0x02, ACK = 0x10;
constexpr uint32_t MIRAI = DS_RULE_BIT(DS_TOOL_MIRAI), MASSCAN = DS_RULE_BIT(DS_TOOL_MASSCAN),
                   NMAP = DS_RULE_BIT(DS_TOOL_NMAP), ZMAP = DS_RULE_BIT(DS_TOOL_ZMAP);
const std::vector<uint8_t> kMss1460 = {0x02, 0x04, 0x05, 0xb4};

struct Case {
    std::string name;
    std::vector<uint8_t> frame;
    bool syn;        // a dark TCP SYN without ACK: fingerprinted at all
    uint32_t rules;  // the rule mask it must match
    uint32_t tool;   // the tool it is attributed to
    uint16_t dport;  // the port of its per-source key
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// IPv4 SYN from kSrc4 to kDark4 with the given IP ID, sequence number, window and options.
std::vector<uint8_t> syn4(uint16_t id, uint32_t seq, uint16_t window, const std::vector<uint8_t>& options = {},
                          uint16_t dport = 445, uint8_t flags = SYN) {
    return FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, id).tcp(40000, dport, flags, seq, window, options).build();
}
// masscan's IP ID for (kDark4, dport, seq).
uint16_t masscan_id(uint16_t dport, uint32_t seq) { return static_cast<uint16_t>((kDark4Int ^ dport ^ seq) & 0xffff); }

std::vector<Case> cases() {
    const uint32_t seq = 0x11223344;
    std::vector<Case> c = {
        {"plain_syn", syn4(0x0101, seq, 29200), true, 0, DS_TOOL_UNKNOWN, 445},
        {"mirai", syn4(0x0202, kDark4Int, 29200, {}, 23), true, MIRAI, DS_TOOL_MIRAI, 23},
        {"masscan_1_3", syn4(masscan_id(80, seq), seq, 1024, kMss1460, 80), true, MASSCAN | NMAP, DS_TOOL_MASSCAN, 80},
        {"masscan_no_options", syn4(masscan_id(80, seq), seq, 1024, {}, 80), true, MASSCAN, DS_TOOL_MASSCAN, 80},
        {"masscan_wrong_port", syn4(masscan_id(80, seq), seq, 1024, {}, 81), true, 0, DS_TOOL_UNKNOWN, 81},
        {"zmap", syn4(DS_ZMAP_IP_ID, seq, 65535, {}, 22), true, ZMAP, DS_TOOL_ZMAP, 22},
        {"nmap_1024", syn4(0x0303, seq, 1024, kMss1460), true, NMAP, DS_TOOL_NMAP, 445},
        {"nmap_2048", syn4(0x0303, seq, 2048, kMss1460), true, NMAP, DS_TOOL_NMAP, 445},
        {"nmap_3072", syn4(0x0303, seq, 3072, kMss1460), true, NMAP, DS_TOOL_NMAP, 445},
        {"nmap_4096", syn4(0x0303, seq, 4096, kMss1460), true, NMAP, DS_TOOL_NMAP, 445},
        {"nmap_ip_id_54321", syn4(DS_ZMAP_IP_ID, seq, 1024, kMss1460), true, NMAP | ZMAP, DS_TOOL_NMAP, 445},
        {"mirai_and_zmap", syn4(DS_ZMAP_IP_ID, kDark4Int, 5840, {}, 23), true, MIRAI | ZMAP, DS_TOOL_MIRAI, 23},
        {"window_1025", syn4(0x0303, seq, 1025, kMss1460), true, 0, DS_TOOL_UNKNOWN, 445},
        {"window_5120", syn4(0x0303, seq, 5120, kMss1460), true, 0, DS_TOOL_UNKNOWN, 445},
        {"mss_1440", syn4(0x0303, seq, 1024, {0x02, 0x04, 0x05, 0xa0}), true, 0, DS_TOOL_UNKNOWN, 445},
        {"mss_and_nops", syn4(0x0303, seq, 1024, {0x02, 0x04, 0x05, 0xb4, 1, 1, 1, 0}), true, 0, DS_TOOL_UNKNOWN, 445},
        {"hping3_like", FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 0x0404).tcp(6000, 445, SYN, seq, 64).build(), true,
         0, DS_TOOL_UNKNOWN, 445},
        {"vlan_zmap", FrameBuilder().eth().vlan(7).ipv4(kSrc4, kDark4, 0, DS_ZMAP_IP_ID).tcp(1, 22, SYN, 5, 65535).build(),
         true, ZMAP, DS_TOOL_ZMAP, 22},
        {"ipv4_options_mirai",
         FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 9, 0, {1, 1, 1, 0}).tcp(1, 23, SYN, kDark4Int, 5840).build(), true,
         MIRAI, DS_TOOL_MIRAI, 23},
        // A first fragment whose TCP header claims 24 bytes but carries 20: no MSS to read.
        {"first_fragment_cut_options",
         FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 0x0505, 0x2000).tcp(1, 445, SYN, seq, 1024).build(), true, 0,
         DS_TOOL_UNKNOWN, 445},
        {"ipv6_nmap", FrameBuilder().eth().ipv6(kSrc6, kDark6).tcp(40000, 443, SYN, seq, 1024, kMss1460).build(), true,
         NMAP, DS_TOOL_NMAP, 443},
        {"ipv6_plain", FrameBuilder().eth().ipv6(kSrc6, kDark6).tcp(40000, 443, SYN, 0, 65535).build(), true, 0,
         DS_TOOL_UNKNOWN, 443},
        // Backscatter: filed under the victim's (source) port, never fingerprinted.
        {"synack_not_fingerprinted", syn4(DS_ZMAP_IP_ID, seq, 1024, kMss1460, 445, SYN | ACK), false, 0,
         DS_TOOL_UNKNOWN, 40000},
    };
    // The first fragment above: data offset 6 written by hand, the options left out.
    auto& ff = c[c.size() - 4].frame;
    ff.at(14 + 20 + 12) = 0x60;
    return c;
}

DataPlaneConfig config() {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
    cfg.source_map_entries = 64;
    return cfg;
}

std::vector<ds_counter> minus(const std::vector<ds_counter>& a, const std::vector<ds_counter>& b) {
    return test::CounterSnapshot::minus(a, b);
}

class FingerprintCase : public ::testing::TestWithParam<Case> {
protected:
    static void SetUpTestSuite() { dp_ = std::make_unique<DataPlane>(config()); }
    static void TearDownTestSuite() { dp_.reset(); }
    static std::unique_ptr<DataPlane> dp_;
};
std::unique_ptr<DataPlane> FingerprintCase::dp_;

TEST_P(FingerprintCase, MatchesExactly) {
    const Case& c = GetParam();
    DataPlane& dp = *dp_;
    dp.drain_sources(true);
    const auto tools_before = dp.read_tool_stats();
    ASSERT_EQ(dp.test_run(c.frame.data(), static_cast<uint32_t>(c.frame.size())), XDP_DROP);
    const auto tools = minus(dp.read_tool_stats(), tools_before);
    const uint64_t len = c.frame.size();
    for (uint32_t mask = 0; mask < DS_RULE_MASKS; ++mask) {
        const uint64_t want = c.syn && mask == c.rules;
        EXPECT_EQ(tools[mask].packets, want) << "rule mask " << mask;
        EXPECT_EQ(tools[mask].bytes, want * len) << "rule mask " << mask;
    }
    EXPECT_EQ(attributed_tool(c.rules), c.tool) << "the userspace attribution agrees with the program's";
    const auto entries = dp.drain_sources(true);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].key.port, c.dport);
    const uint8_t info = entries[0].key.info;
    ASSERT_EQ(DS_KEY_IS_SYN(info), c.syn) << test::key_str(entries[0].key);
    if (c.syn) EXPECT_EQ(DS_KEY_SYN_TOOL(info), c.tool) << test::key_str(entries[0].key);
}

INSTANTIATE_TEST_SUITE_P(Fingerprints, FingerprintCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// With fingerprinting off (how bench/bpf_bench measures its cost) nothing is counted
// and SYN keys carry no tool.
TEST(Fingerprints, OffCountsNothing) {
    DataPlaneConfig cfg = config();
    cfg.fingerprints = false;
    DataPlane dp(cfg);
    auto f = syn4(DS_ZMAP_IP_ID, 1, 1024, kMss1460);
    ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
    for (const ds_counter& c : dp.read_tool_stats()) EXPECT_EQ(c.packets, 0u);
    const auto entries = dp.drain_sources(true);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_FALSE(DS_KEY_IS_SYN(entries[0].key.info));
    EXPECT_EQ(dp.read_stats()[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].packets, 1u);
}

// The userspace view of tool_stats: attribution sums to the SYNs, each rule counted on its own.
TEST(Fingerprints, ToolCountsFromRuleMasks) {
    std::vector<ds_counter> stats(DS_RULE_MASKS);
    stats[0] = {10, 600};
    stats[MASSCAN | NMAP] = {5, 300};
    stats[NMAP | ZMAP] = {1, 60};
    stats[ZMAP] = {2, 120};
    const ToolCounts t = tool_counts(stats);
    EXPECT_EQ(t.attributed[DS_TOOL_UNKNOWN].packets, 10u);
    EXPECT_EQ(t.attributed[DS_TOOL_MASSCAN].packets, 5u);
    EXPECT_EQ(t.attributed[DS_TOOL_NMAP].packets, 1u);
    EXPECT_EQ(t.attributed[DS_TOOL_ZMAP].packets, 2u);
    EXPECT_EQ(t.rule_matches[DS_TOOL_NMAP].packets, 6u);
    EXPECT_EQ(t.rule_matches[DS_TOOL_ZMAP].packets, 3u);
    EXPECT_EQ(t.rule_matches[DS_TOOL_ZMAP].bytes, 180u);
    EXPECT_EQ(t.rule_matches[DS_TOOL_MIRAI].packets, 0u);
}

}  // namespace
