// The object loads into the running kernel and a dark SYN lands in its counters.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <vector>

#include "dataplane/data_plane.h"
#include "support/frame_builder.h"
#include "support/pinned_to_cpu.h"

using namespace darkscope;

TEST(DataPlaneSmoke, DarkSynIsCountedAndDropped) {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24")};
    DataPlane dp(cfg);
    auto frame = test::FrameBuilder().eth().ipv4("203.0.113.7", "198.51.100.9").tcp(40000, 445, 0x02).build();
    EXPECT_EQ(dp.test_run(frame.data(), frame.size()), 1 /* XDP_DROP */);
    auto stats = dp.read_stats();
    EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].packets, 1u);
    EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].bytes, frame.size());
    auto ports = dp.read_port_stats();
    EXPECT_EQ(ports[DS_PORT_INDEX(DS_SLOT_TCP_DST, 445)].packets, 1u);
    auto sources = dp.drain_sources();
    ASSERT_EQ(sources.size(), 1u);
    EXPECT_EQ(sources[0].key.port, 445);
    EXPECT_EQ(sources[0].value.packets, 1u);
    EXPECT_TRUE(dp.drain_sources().empty());
}

// Each CPU counts ports in its own section of the port array; a read sums them,
// whole or at chosen indices, and a port no CPU counted stays 0.
TEST(DataPlaneSmoke, PortCountersOfEachCpuAddUp) {
    if (libbpf_num_possible_cpus() < 2) GTEST_SKIP() << "needs two CPUs";
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24")};
    DataPlane dp(cfg);
    auto frame = test::FrameBuilder().eth().ipv4("203.0.113.7", "198.51.100.9").tcp(40000, 445, 0x02).build();
    for (int cpu : {0, 1}) {
        test::PinnedToCpu pin(cpu);
        ASSERT_TRUE(pin.ok());
        for (int i = 0; i < 3 + cpu; ++i) ASSERT_EQ(dp.test_run(frame.data(), frame.size()), 1 /* XDP_DROP */);
    }
    const uint32_t smb = DS_PORT_INDEX(DS_SLOT_TCP_DST, 445), telnet = DS_PORT_INDEX(DS_SLOT_TCP_DST, 23);
    const auto ports = dp.read_port_stats();
    EXPECT_EQ(ports[smb].packets, 7u);
    EXPECT_EQ(ports[smb].bytes, 7u * frame.size());
    EXPECT_EQ(ports[telnet].packets, 0u);
    std::vector<ds_counter> at(ports.size());
    dp.read_port_stats_at({smb, telnet}, at);
    EXPECT_EQ(at[smb].packets, 7u);
    EXPECT_EQ(at[smb].bytes, 7u * frame.size());
    EXPECT_EQ(at[telnet].packets, 0u);
}

// Up to DS_FAST_PREFIXES prefixes per family are matched from .rodata, more through
// the LPM trie: both paths must agree on what is dark.
TEST(DataPlaneSmoke, FastPrefixesAndTrieAgree) {
    for (size_t extra : {size_t{0}, size_t{DS_FAST_PREFIXES}}) {
        DataPlaneConfig cfg;
        cfg.dark_prefixes = {Prefix::parse("198.51.100.128/25"), Prefix::parse("2001:db8:1::/48")};
        for (size_t i = 0; i < extra; ++i) {  // filler prefixes push a family over the limit
            cfg.dark_prefixes.push_back(Prefix::parse("198.18." + std::to_string(i) + ".0/24"));
            cfg.dark_prefixes.push_back(Prefix::parse("2001:db8:ff" + std::to_string(i) + "::/48"));
        }
        DataPlane dp(cfg);
        auto v4 = [&](const char* dst) {
            auto f = test::FrameBuilder().eth().ipv4("203.0.113.7", dst, 6).tcp(1, 2, 0x02).build();
            return dp.test_run(f.data(), f.size());
        };
        auto v6 = [&](const char* dst) {
            auto f = test::FrameBuilder().eth().ipv6("2001:db8:9::1", dst, 6).tcp(1, 2, 0x02).build();
            return dp.test_run(f.data(), f.size());
        };
        SCOPED_TRACE("extra prefixes: " + std::to_string(extra));
        EXPECT_EQ(v4("198.51.100.128"), 1);  // XDP_DROP: dark
        EXPECT_EQ(v4("198.51.100.255"), 1);
        EXPECT_EQ(v4("198.51.100.127"), 2);  // XDP_PASS: just outside the /25
        EXPECT_EQ(v6("2001:db8:1:ffff::1"), 1);
        EXPECT_EQ(v6("2001:db8:2::1"), 2);
        auto stats = dp.read_stats();
        EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].packets, 3u);
        EXPECT_EQ(stats[DS_STATS_PASS(DS_PASS_NOT_DARK)].packets, 2u);
    }
}
