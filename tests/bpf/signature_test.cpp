// Header signatures of probes (bpf/signature.h), as data: each case is one frame and
// the one signatures-map key it must add exactly one packet to (or none). Frames go
// through BPF_PROG_TEST_RUN on the real object; a failure names the case.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "fingerprint/signatures.h"
#include "support/frame_builder.h"
#include "support/pinned_to_cpu.h"

using namespace darkscope;
using darkscope::test::FrameBuilder;
using darkscope::test::PinnedToCpu;

namespace {

const char* const kSrc4 = "203.0.113.7";
const char* const kDark4 = "198.51.100.9";
const char* const kSrc6 = "2001:db8:1::7";
const char* const kDark6 = "2001:db8:dead::9";
constexpr uint8_t SYN = 0x02, ACK = 0x10, RST = 0x04;

// Linux 6.x: mss,sok,ts,nop,ws (20 bytes). Windows 10: mss,nop,ws,nop,nop,sok (12 bytes).
const std::vector<uint8_t> kLinux = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
const std::vector<uint8_t> kWindows = {2, 4, 5, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2};
constexpr uint32_t kLinuxLayout = DS_OPT_MSS | DS_OPT_SOK << 4 | DS_OPT_TS << 8 | DS_OPT_NOP << 12 | DS_OPT_WS << 16;

using Key = std::tuple<uint8_t, uint16_t, uint16_t, uint8_t, uint32_t>;  // proto, sport, window, ttl, options
struct Case {
    std::string name;
    std::vector<uint8_t> frame;
    std::optional<Key> key;  // the signature it is counted under; none: not a probe
    std::string layout;      // option_layout_name of the key
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<uint8_t> syn4(uint16_t sport, uint16_t window, const std::vector<uint8_t>& options, uint8_t ttl,
                          uint8_t flags = SYN) {
    return FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 1, 0, {}, ttl).tcp(sport, 445, flags, 7, window, options).build();
}
Key tcp(uint16_t sport, uint16_t window, uint8_t ttl, uint32_t options) {
    return {IPPROTO_TCP, sport, window, ttl, options};
}

std::vector<Case> cases() {
    std::vector<Case> c = {
        {"hping3_like", syn4(6000, 512, {}, 64), tcp(6000, 512, 64, 0), "none"},
        {"linux", syn4(40000, 64240, kLinux, 50), tcp(40000, 64240, 64, kLinuxLayout), "mss,sok,ts,nop,ws"},
        {"windows", syn4(50000, 64240, kWindows, 113),
         tcp(50000, 64240, 128,
             DS_OPT_MSS | DS_OPT_NOP << 4 | DS_OPT_WS << 8 | DS_OPT_NOP << 12 | DS_OPT_NOP << 16 | DS_OPT_SOK << 20),
         "mss,nop,ws,nop,nop,sok"},
        {"ttl_1", syn4(1, 1, {}, 1), tcp(1, 1, 32, 0), "none"},
        {"ttl_32", syn4(1, 1, {}, 32), tcp(1, 1, 32, 0), "none"},
        {"ttl_33", syn4(1, 1, {}, 33), tcp(1, 1, 64, 0), "none"},
        {"ttl_65", syn4(1, 1, {}, 65), tcp(1, 1, 128, 0), "none"},
        {"ttl_129", syn4(1, 1, {}, 129), tcp(1, 1, 255, 0), "none"},
        {"ttl_255", syn4(1, 1, {}, 255), tcp(1, 1, 255, 0), "none"},
        {"mss_eol_padding", syn4(2, 1024, {2, 4, 5, 0xb4, 0, 0, 0, 0}, 64), tcp(2, 1024, 64, DS_OPT_MSS | DS_OPT_EOL << 4),
         "mss,eol"},
        {"other_kind", syn4(2, 1024, {30, 4, 0, 0}, 64), tcp(2, 1024, 64, DS_OPT_OTHER), "?"},
        {"sack", syn4(2, 1024, {1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2}, 64),
         tcp(2, 1024, 64, DS_OPT_NOP | DS_OPT_NOP << 4 | DS_OPT_SACK << 8), "nop,nop,sack"},
        {"zero_length", syn4(2, 1024, {2, 0, 0, 0}, 64), tcp(2, 1024, 64, DS_OPT_BAD), "bad"},
        {"past_header", syn4(2, 1024, {4, 2, 8, 10}, 64), tcp(2, 1024, 64, DS_OPT_SOK | DS_OPT_BAD << 4), "sok,bad"},
        {"twelve_nops", syn4(2, 1024, std::vector<uint8_t>(12, 1), 64),
         tcp(2, 1024, 64, 0xf2222222u), "nop,nop,nop,nop,nop,nop,nop,+"},
        {"ipv6", FrameBuilder().eth().ipv6(kSrc6, kDark6, 0, 57).tcp(3, 443, SYN, 0, 65535, kLinux).build(),
         tcp(3, 65535, 64, kLinuxLayout), "mss,sok,ts,nop,ws"},
        {"udp_probe", FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 1, 0, {}, 240).udp(6000, 161).build(),
         Key{IPPROTO_UDP, 6000, 0, 255, 0}, "none"},
        // Backscatter and other flags: not probes.
        {"dns_response", FrameBuilder().eth().ipv4(kSrc4, kDark4).udp(53, 40000).build(), std::nullopt, ""},
        {"synack", syn4(6000, 512, {}, 64, SYN | ACK), std::nullopt, ""},
        {"rst", syn4(6000, 512, {}, 64, RST), std::nullopt, ""},
        {"ack", syn4(6000, 512, {}, 64, ACK), std::nullopt, ""},
        // A first fragment whose TCP header claims 24 bytes but carries 20: the option is cut.
        {"first_fragment_cut_options",
         FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 5, 0x2000).tcp(4, 445, SYN, 7, 1024).build(),
         tcp(4, 1024, 64, DS_OPT_BAD), "bad"},
    };
    auto& ff = c.back().frame;
    ff.at(14 + 20 + 12) = 0x60;
    return c;
}

DataPlaneConfig config() {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
    cfg.source_map_entries = 64;
    return cfg;
}

std::map<Key, ds_counter> read(const DataPlane& dp) {
    std::map<Key, ds_counter> out;
    for (const SignatureEntry& e : dp.read_signatures())
        out[{e.key.proto, e.key.sport, e.key.window, e.key.ttl, e.key.options}] = e.counter;
    return out;
}

class SignatureCase : public ::testing::TestWithParam<Case> {
protected:
    static void SetUpTestSuite() { dp_ = std::make_unique<DataPlane>(config()); }
    static void TearDownTestSuite() { dp_.reset(); }
    static std::unique_ptr<DataPlane> dp_;
};
std::unique_ptr<DataPlane> SignatureCase::dp_;

TEST_P(SignatureCase, CountedExactly) {
    const Case& c = GetParam();
    DataPlane& dp = *dp_;
    const auto before = read(dp);
    ASSERT_EQ(dp.test_run(c.frame.data(), static_cast<uint32_t>(c.frame.size())), XDP_DROP);
    const auto after = read(dp);
    uint64_t added = 0;
    for (const auto& [key, counter] : after) {
        auto it = before.find(key);
        const uint64_t was = it == before.end() ? 0 : it->second.packets;
        const uint64_t was_bytes = it == before.end() ? 0 : it->second.bytes;
        if (counter.packets == was) continue;
        added += counter.packets - was;
        ASSERT_TRUE(c.key.has_value()) << "counted although not a probe";
        EXPECT_EQ(key, *c.key);
        EXPECT_EQ(counter.bytes - was_bytes, c.frame.size());
        EXPECT_EQ(option_layout_name(std::get<4>(key)), c.layout);
    }
    EXPECT_EQ(added, c.key ? 1u : 0u);
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_SIGNATURE_FULL)].packets, 0u);
}

INSTANTIATE_TEST_SUITE_P(Signatures, SignatureCase, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

// A full map refuses new signatures and says how many probes it could not file;
// signatures it holds keep counting. (The hash alone: no slots in front of it.)
TEST(Signatures, FullMapCountsWhatItRefuses) {
    DataPlaneConfig cfg = config();
    cfg.signature_map_entries = 4;
    cfg.signature_slots = 0;
    DataPlane dp(cfg);
    for (uint16_t sport = 1; sport <= 6; ++sport) {
        auto f = syn4(sport, 512, {}, 64);
        ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
    }
    auto f = syn4(1, 512, {}, 64);
    ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size()), 3), XDP_DROP);
    const auto sigs = read(dp);
    ASSERT_EQ(sigs.size(), 4u);
    EXPECT_EQ(sigs.at(tcp(1, 512, 64, 0)).packets, 4u);
    EXPECT_EQ(sigs.at(tcp(4, 512, 64, 0)).packets, 1u);
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_SIGNATURE_FULL)].packets, 2u);
}

void send(DataPlane& dp, uint16_t sport, uint32_t repeat = 1) {
    auto f = syn4(sport, 512, {}, 64);
    ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size()), repeat), XDP_DROP);
}

// One set of two slots per CPU in front of a 4-entry hash: the first two signatures
// take the slots for good, the next four the hash, the rest are refused and
// counted; every probe of a signature counts where its signature is.
TEST(Signatures, SlotsThenTheHashThenRefused) {
    PinnedToCpu pin(0);
    ASSERT_TRUE(pin.ok());
    DataPlaneConfig cfg = config();
    cfg.signature_map_entries = 4;
    cfg.signature_slots = 2;
    DataPlane dp(cfg);
    for (uint16_t sport = 1; sport <= 8; ++sport) send(dp, sport);
    send(dp, 1, 3);  // a slot
    send(dp, 3);     // the hash
    send(dp, 8);     // refused again
    const auto sigs = read(dp);
    ASSERT_EQ(sigs.size(), 6u);
    const uint64_t frame = syn4(1, 512, {}, 64).size();
    EXPECT_EQ(sigs.at(tcp(1, 512, 64, 0)).packets, 4u);
    EXPECT_EQ(sigs.at(tcp(1, 512, 64, 0)).bytes, 4 * frame);
    EXPECT_EQ(sigs.at(tcp(2, 512, 64, 0)).packets, 1u);
    EXPECT_EQ(sigs.at(tcp(3, 512, 64, 0)).packets, 2u);
    EXPECT_EQ(sigs.at(tcp(3, 512, 64, 0)).bytes, 2 * frame);
    for (uint16_t sport : {4, 5, 6}) EXPECT_EQ(sigs.at(tcp(sport, 512, 64, 0)).packets, 1u) << sport;
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_SIGNATURE_FULL)].packets, 3u);
}

// One signature in the slot of CPU 0 and in the hash of CPU 1 (whose set two others
// took first) is one entry with the packets of both.
TEST(Signatures, OneSignatureOnTwoCpusIsOneEntry) {
    if (libbpf_num_possible_cpus() < 2) GTEST_SKIP() << "needs two CPUs";
    DataPlaneConfig cfg = config();
    cfg.signature_slots = 2;
    DataPlane dp(cfg);
    {
        PinnedToCpu pin(0);
        ASSERT_TRUE(pin.ok());
        send(dp, 9, 2);
    }
    {
        PinnedToCpu pin(1);
        ASSERT_TRUE(pin.ok());
        send(dp, 10);
        send(dp, 11);
        send(dp, 9);
    }
    const auto sigs = read(dp);
    ASSERT_EQ(sigs.size(), 3u);
    EXPECT_EQ(sigs.at(tcp(9, 512, 64, 0)).packets, 3u);
    EXPECT_EQ(sigs.at(tcp(10, 512, 64, 0)).packets, 1u);
    EXPECT_EQ(sigs.at(tcp(11, 512, 64, 0)).packets, 1u);
}

// Off (how bench/bpf_bench measures the cost): nothing counted, nothing refused.
TEST(Signatures, OffCountsNothing) {
    DataPlaneConfig cfg = config();
    cfg.signatures = false;
    DataPlane dp(cfg);
    auto f = syn4(6000, 512, {}, 64);
    ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
    EXPECT_TRUE(dp.read_signatures().empty());
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_SIGNATURE_FULL)].packets, 0u);
}

// The agent's two views: by window/TTL/layout (TCP only) and by source port, the
// busiest first; the rest in "other". Exported labels count from admission on.
TEST(Signatures, BookRanksAndAdmits) {
    auto entry = [](uint8_t proto, uint16_t sport, uint16_t window, uint32_t options, uint64_t packets) {
        SignatureEntry e{};
        e.key.proto = proto;
        e.key.sport = sport;
        e.key.window = window;
        e.key.ttl = 64;
        e.key.options = options;
        e.counter = {packets, packets * 60};
        return e;
    };
    SignatureBook book({.top = 2, .max_labels = 1, .admit_packets = 10});
    book.update({entry(IPPROTO_TCP, 6000, 512, 0, 20), entry(IPPROTO_TCP, 6001, 512, 0, 5),
                 entry(IPPROTO_TCP, 40000, 64240, kLinuxLayout, 7), entry(IPPROTO_UDP, 6000, 0, 0, 3),
                 entry(IPPROTO_TCP, 40001, 1024, 0, 1)});
    SignatureTop top = book.top();
    ASSERT_EQ(top.signatures.size(), 2u);
    EXPECT_EQ(top.signatures[0].key, (HeaderSignature{512, 64, 0}));
    EXPECT_EQ(top.signatures[0].counter.packets, 25u);
    EXPECT_EQ(top.signatures[1].key, (HeaderSignature{64240, 64, kLinuxLayout}));
    EXPECT_EQ(top.other_signatures.packets, 1u);
    ASSERT_EQ(top.source_ports.size(), 2u);
    EXPECT_EQ(top.source_ports[0].key, (SourcePort{IPPROTO_TCP, 6000}));
    EXPECT_EQ(top.source_ports[0].counter.packets, 20u);
    EXPECT_EQ(top.source_ports[1].key, (SourcePort{IPPROTO_TCP, 40000}));
    EXPECT_EQ(top.other_source_ports.packets, 9u);  // 5 + 3 (UDP 6000) + 1

    // Admitted at 25 and 20 packets: the labels show every packet (35 and 30), and
    // "other" keeps the 25 and 20 they had before admission.
    book.update({entry(IPPROTO_TCP, 6000, 512, 0, 30), entry(IPPROTO_TCP, 6001, 512, 0, 5),
                 entry(IPPROTO_TCP, 40000, 64240, kLinuxLayout, 7), entry(IPPROTO_UDP, 6000, 0, 0, 3),
                 entry(IPPROTO_TCP, 40001, 1024, 0, 1)});
    SignatureExport x = book.exported();
    ASSERT_EQ(x.signatures.size(), 1u);
    EXPECT_EQ(x.signatures.at(HeaderSignature{512, 64, 0}).packets, 35u);
    EXPECT_EQ(x.other_signatures.packets, 25u + 7 + 1);
    ASSERT_EQ(x.source_ports.size(), 1u);
    EXPECT_EQ(x.source_ports.at(SourcePort{IPPROTO_TCP, 6000}).packets, 30u);
    EXPECT_EQ(x.other_source_ports.at(IPPROTO_TCP).packets, 20u + 5 + 7 + 1);
    EXPECT_EQ(x.other_source_ports.at(IPPROTO_UDP).packets, 3u);
}

}  // namespace
