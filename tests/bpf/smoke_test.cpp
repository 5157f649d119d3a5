// The object loads into the running kernel and a dark SYN lands in its counters.
#include <gtest/gtest.h>

#include "dataplane/data_plane.h"
#include "support/frame_builder.h"

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
