// Destination ports of watched source ports (issue #16, TSUBAME 2.2: what the
// fixed-source-port-6000 scanner probes): the real program through BPF_PROG_TEST_RUN
// counts probes by destination port only from the source ports the agent watches,
// and the accumulator turns them into darkscope_source_port_destination_packets_total.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <netinet/in.h>

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "accumulator/accumulator.h"
#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "support/frame_builder.h"

using namespace darkscope;
using darkscope::test::FrameBuilder;

namespace {

constexpr uint8_t SYN = 0x02, ACK = 0x10;

DataPlaneConfig config() {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24")};
    cfg.source_map_entries = 64;
    return cfg;
}

void send(DataPlane& dp, const std::vector<uint8_t>& frame, uint32_t times = 1) {
    ASSERT_EQ(dp.test_run(frame.data(), static_cast<uint32_t>(frame.size()), times), XDP_DROP);
}
std::vector<uint8_t> tcp(uint16_t sport, uint16_t dport, uint8_t flags = SYN) {
    return FrameBuilder().eth().ipv4("203.0.113.7", "198.51.100.9", 6).tcp(sport, dport, flags).build();
}
std::vector<uint8_t> udp(uint16_t sport, uint16_t dport) {
    return FrameBuilder().eth().ipv4("203.0.113.7", "198.51.100.9", 17).udp(sport, dport).build();
}

using Key = std::tuple<uint8_t, uint16_t, uint16_t>;  // proto, source port, destination port
std::map<Key, uint64_t> read(const DataPlane& dp) {
    std::map<Key, uint64_t> out;
    for (const SourcePortDestEntry& e : dp.read_source_port_dests()) out[{e.key.proto, e.key.sport, e.key.dport}] = e.counter.packets;
    return out;
}

}  // namespace

TEST(SourcePortDests, OnlyProbesFromWatchedSourcePortsAreCounted) {
    DataPlane dp(config());
    send(dp, tcp(6000, 445), 2);  // not watched yet
    EXPECT_TRUE(read(dp).empty());
    dp.watch_source_ports({{.sport = 6000, .proto = IPPROTO_TCP, .pad = 0}});
    send(dp, tcp(6000, 445), 3);
    send(dp, tcp(6000, 23));
    send(dp, tcp(6001, 445));           // another source port
    send(dp, udp(6000, 161));           // UDP 6000 is not watched
    send(dp, tcp(6000, 80, SYN | ACK));  // backscatter, not a probe
    send(dp, tcp(6000, 80, ACK));        // not a probe either
    EXPECT_EQ(read(dp), (std::map<Key, uint64_t>{{{IPPROTO_TCP, 6000, 445}, 3}, {{IPPROTO_TCP, 6000, 23}, 1}}));
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_SOURCE_PORT_DEST_FULL)].packets, 0u);
}

// A full map refuses new destination ports and counts the probes it could not file.
TEST(SourcePortDests, FullMapCountsWhatItRefuses) {
    DataPlane dp(config());
    dp.watch_source_ports({{.sport = 6000, .proto = IPPROTO_TCP, .pad = 0}, {.sport = 6000, .proto = IPPROTO_UDP, .pad = 0}});
    for (uint32_t port = 0; port < DS_SOURCE_PORT_DEST_ENTRIES; ++port) send(dp, tcp(6000, static_cast<uint16_t>(port)));
    send(dp, udp(6000, 161), 2);  // a new key: no room
    send(dp, tcp(6000, 445), 2);  // a key it holds: counted
    const auto got = read(dp);
    EXPECT_EQ(got.size(), DS_SOURCE_PORT_DEST_ENTRIES);
    EXPECT_EQ(got.at({IPPROTO_TCP, 6000, 445}), 3u);
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_SOURCE_PORT_DEST_FULL)].packets, 2u);
}

// The agent's loop: a source port admitted to darkscope_source_port_packets_total is
// watched, then its destination ports are admitted per source port (one here, at 2
// probes), the rest in "other". Probes before the watch are in no row.
TEST(SourcePortDests, AccumulatorAdmitsDestinationPortsOfAdmittedSourcePorts) {
    DataPlane dp(config());
    Accumulator acc({.signatures = {.top = 10, .max_labels = 20, .admit_packets = 3},
                     .source_port_dests = {.max_columns = 1, .min_packets = 2}});
    send(dp, tcp(6000, 445), 3);
    send(dp, tcp(6001, 445), 2);  // under the admission threshold
    acc.update(dp.read_counters());
    ASSERT_EQ(acc.watched_source_ports().size(), 1u);
    dp.watch_source_ports(acc.watched_source_ports());
    send(dp, tcp(6000, 445), 4);
    send(dp, tcp(6000, 23));
    send(dp, tcp(6000, 80), 2);  // at 2 probes, but 445 took the one place
    acc.update(dp.read_counters());
    const Snapshot s = acc.snapshot();
    using Row = std::map<std::string, uint64_t>;
    EXPECT_EQ(s.source_port_dest_packets,
              (std::map<SourcePort, Row>{{SourcePort{IPPROTO_TCP, 6000}, Row{{"445", 4}, {"other", 3}}}}));
}
