// Replay's small per-source buffer (DataPlaneConfig::small_source_buffer): sources_a
// holds a few entries so that a drain walks few buckets, and its entries move to
// the full-size sources_b before a frame could find it full. A drain period must
// hold exactly as many sources as a single map of source_map_entries would: every
// packet attributed up to that many keys, and exactly the excess unattributed.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dataplane/data_plane.h"
#include "support/frame_builder.h"

using namespace darkscope;
using darkscope::test::FrameBuilder;

namespace {

std::vector<uint8_t> syn_from(uint32_t source) {
    return FrameBuilder()
        .eth()
        .ipv4("198.18." + std::to_string(source >> 8) + "." + std::to_string(source & 255), "203.0.113.5", 6)
        .tcp(40000, 445, 0x02)
        .build();
}

// Runs frames from `sources` distinct sources, then `sources` more from the same
// ones again, and drains once: (distinct keys, packets drained, unattributed).
struct Drained {
    size_t entries = 0, keys = 0;  // entries drained; distinct keys among them
    uint64_t packets = 0, unattributed = 0;
};
Drained run_and_drain(DataPlane& dp, uint32_t sources) {
    for (int round = 0; round < 2; ++round)
        for (uint32_t s = 0; s < sources; ++s) {
            const std::vector<uint8_t> f = syn_from(s);
            dp.test_run(f.data(), static_cast<uint32_t>(f.size()));
        }
    Drained d;
    std::map<std::string, uint64_t> keys;
    const std::vector<SourceEntry> entries = dp.drain_sources(/*swap=*/false);
    d.entries = entries.size();
    for (const SourceEntry& e : entries) {
        keys[std::string(reinterpret_cast<const char*>(&e.key), sizeof e.key)] += e.value.packets;
        d.packets += e.value.packets;
    }
    d.keys = keys.size();
    d.unattributed = dp.read_stats().at(DS_STATS_MISC(DS_MISC_UNATTRIBUTED)).packets;
    return d;
}

}  // namespace

TEST(SmallSourceBuffer, SpillsBeforeFullAndHoldsExactlyTheMapsEntries) {
    DataPlaneConfig config;
    config.dark_prefixes = {Prefix::parse("203.0.113.0/24")};
    config.source_map_entries = 300;  // the limit a drain period has
    config.small_source_buffer = 64;  // spilled after 64 frames
    config.source_cache_slots = 0;    // every packet in the hash
    DataPlane dp(config);

    // 50 sources twice: 100 frames, spilled once, nothing lost, one key per source.
    Drained d = run_and_drain(dp, 50);
    EXPECT_EQ(d.entries, 50u);  // moved, not copied
    EXPECT_EQ(d.keys, 50u);
    EXPECT_EQ(d.packets, 100u);
    EXPECT_EQ(d.unattributed, 0u);

    // 40 sources twice after the drain: the small buffer again, then spilled.
    d = run_and_drain(dp, 40);
    EXPECT_EQ(d.entries, 40u);
    EXPECT_EQ(d.keys, 40u);
    EXPECT_EQ(d.packets, 80u);
    EXPECT_EQ(d.unattributed, 0u);

    // 350 sources twice: 300 keys fit, the 50 others are refused both times.
    d = run_and_drain(dp, 350);
    EXPECT_EQ(d.entries, 300u);
    EXPECT_EQ(d.keys, 300u);
    EXPECT_EQ(d.packets, 600u);
    EXPECT_EQ(d.unattributed, 100u);
}
