// Replay's copy of the per-port array, read only where the drained per-source
// entries say it moved, equals a whole read of the real program's array after every
// frame of every class, and reads the whole array again when packets the
// per-source map had no room for moved entries no drained entry names.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/data_plane.h"
#include "replay/port_stats_mirror.h"
#include "support/frame_builder.h"

using namespace darkscope;
using darkscope::test::FrameBuilder;

namespace {

// The index and counts of the first entry where two arrays differ, or "".
std::string first_difference(const std::vector<ds_counter>& a, const std::vector<ds_counter>& b) {
    if (a.size() != b.size()) return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size());
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].packets != b[i].packets || a[i].bytes != b[i].bytes)
            return "index " + std::to_string(i) + ": " + std::to_string(a[i].packets) + " and " +
                   std::to_string(b[i].packets) + " packets";
    return "";
}

}  // namespace

TEST(PortStatsMirror, EqualsAWholeReadAndRereadsWhatNoEntryNames) {
    DataPlaneConfig config;
    config.dark_prefixes = {Prefix::parse("203.0.113.0/24"), Prefix::parse("2001:db8:ffff::/48")};
    config.source_map_entries = 4;  // room for 4 sources between drains
    config.source_cache_slots = 0;  // every entry in the hash, so the map fills
    DataPlane dp(config);
    PortStatsMirror mirror;
    auto read_and_compare = [&](const char* after) {
        const std::vector<SourceEntry> entries = dp.drain_sources(/*swap=*/false);
        mirror.note(entries);
        const std::vector<ds_counter>& mirrored = mirror.read(dp, dp.read_stats());
        EXPECT_EQ(first_difference(mirrored, dp.read_port_stats()), "") << "after " << after;
    };

    // Every class, one frame and one read at a time: no whole read after the first.
    const std::vector<std::pair<const char*, std::vector<uint8_t>>> frames = {
        {"SYN", FrameBuilder().eth().ipv4("198.18.0.1", "203.0.113.5", 6).tcp(40000, 445, 0x02).build()},
        {"SYN again", FrameBuilder().eth().ipv4("198.18.0.1", "203.0.113.5", 6).tcp(40000, 445, 0x02).build()},
        {"UDP probe", FrameBuilder().eth().ipv4("198.18.0.2", "203.0.113.5", 17).udp(40000, 161).build()},
        {"NTP reply", FrameBuilder().eth().ipv4("192.0.2.7", "203.0.113.5", 17).udp(123, 40000).build()},
        {"SYN-ACK", FrameBuilder().eth().ipv4("192.0.2.8", "203.0.113.5", 6).tcp(443, 30000, 0x12).build()},
        {"RST", FrameBuilder().eth().ipv4("192.0.2.8", "203.0.113.5", 6).tcp(443, 30001, 0x04).build()},
        {"echo request", FrameBuilder().eth().ipv4("198.18.0.3", "203.0.113.5", 1).icmp(8, 0).build()},
        {"unreachable", FrameBuilder().eth().ipv4("192.0.2.9", "203.0.113.5", 1).icmp(3, 3).payload(28).build()},
        {"ICMPv6 echo", FrameBuilder().eth().ipv6("2001:db8::1", "2001:db8:ffff::5", 58).icmp(128, 0).build()},
        {"IPv6 SYN", FrameBuilder().eth().ipv6("2001:db8::1", "2001:db8:ffff::5", 6).tcp(1, 22, 0x02).build()},
        {"non-first fragment",
         FrameBuilder().eth().ipv4("198.18.0.4", "203.0.113.5", 6, 9, 0x0064).payload(40).build()},
        {"GRE", FrameBuilder().eth().ipv4("198.18.0.5", "203.0.113.5", 47).payload(24).build()},
        {"not dark", FrameBuilder().eth().ipv4("198.18.0.6", "198.51.100.1", 6).tcp(1, 2, 0x02).build()},
    };
    for (const auto& [what, frame] : frames) {
        dp.test_run(frame.data(), static_cast<uint32_t>(frame.size()));
        read_and_compare(what);
    }
    read_and_compare("nothing");
    EXPECT_EQ(mirror.full_reads(), 1u);  // the first read: nothing known yet

    // Six new sources to six ports between two drains: the last two find the
    // per-source map full, their ports are named by no entry, and the check sees it.
    for (int i = 0; i < 6; ++i) {
        const std::vector<uint8_t> f = FrameBuilder()
                                           .eth()
                                           .ipv4("198.18.1." + std::to_string(i + 1), "203.0.113.5", 6)
                                           .tcp(40000, static_cast<uint16_t>(1000 + i), 0x02)
                                           .build();
        dp.test_run(f.data(), static_cast<uint32_t>(f.size()));
    }
    read_and_compare("a full per-source map");
    EXPECT_EQ(mirror.full_reads(), 2u);
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 2u);
}
