// The seed reports' cross-tabs (issue #16) in `darkscope replay` of the shared real
// captures, against the tshark ground truth in summaries/: with no country database
// every source is ZZ, so each port's country row and each backscatter kind's country
// must hold exactly the packets tshark counts. Skips, saying so, where ../shared is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "replay/replay.h"
#include "replay/report.h"
#include "support/ground_truth.h"

using namespace darkscope;
namespace fs = std::filesystem;

namespace {

// Replays a shared capture with every destination dark and no country database; a
// country is admitted on a port at its first packet.
bool replay_shared(const std::string& file, test::GroundTruth& truth, ReplayResult& result) {
    const fs::path dir = test::shared_pcaps_dir(DARKSCOPE_SOURCE_DIR);
    if (dir.empty()) return false;
    truth = test::read_ground_truth(dir / "summaries" / (file + ".txt"));
    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("0.0.0.0/0"), Prefix::parse("::/0")};
    o.accumulator.port_countries = {.max_columns = 10, .min_packets = 1};
    result = replay({(dir / file).string()}, o);
    return true;
}

#define SKIP_WITHOUT_SHARED(ok) \
    if (!(ok)) GTEST_SKIP() << "../shared/data/pcaps is absent beside the checkout"

}  // namespace

// nmap's SYN scan of 1,002 ports: every SYN (tshark: 1,994) is in one port row, all ZZ.
TEST(ReplayCrossTabs, PortCountriesOfAnNmapScan) {
    test::GroundTruth truth;
    ReplayResult r;
    SKIP_WITHOUT_SHARED(replay_shared("ndpi_nmap_synscan.pcap", truth, r));
    ASSERT_EQ(r.error, "");
    const nlohmann::json j = to_json(r);
    uint64_t zz = 0;
    for (const nlohmann::json& row : j["port_countries"]) {
        EXPECT_EQ(row["protocol"], "tcp");
        ASSERT_EQ(row["countries"].size(), 1u) << row.dump();  // ZZ, and no "other" packets
        EXPECT_EQ(row["countries"][0]["country"], "ZZ");
        zz += row["countries"][0]["packets"].get<uint64_t>();
    }
    EXPECT_EQ(zz, static_cast<uint64_t>(truth.num("tcp_syn_no_ack")));
    EXPECT_EQ(zz, 1994u);
}

// SYN-ACK reflection: every kind of backscatter by victim country, all ZZ: the same
// totals as tshark's per kind.
TEST(ReplayCrossTabs, BackscatterCountriesOfASynAckReflection) {
    test::GroundTruth truth;
    ReplayResult r;
    SKIP_WITHOUT_SHARED(replay_shared("stopddos_synack_reflection.pcap", truth, r));
    ASSERT_EQ(r.error, "");
    // UDP from reflection ports has no tshark figure in the summary: the class counter's.
    const uint64_t reflection = r.snapshot.stats[DS_STATS_CLASS(DS_PROTO_UDP, DS_CLASS_UDP_REFLECTION)].packets;
    EXPECT_EQ(reflection, 14u);
    using Key = std::pair<std::string, std::string>;
    EXPECT_EQ(r.backscatter.victims.country_packets,
              (std::map<Key, uint64_t>{{{"synack", "ZZ"}, static_cast<uint64_t>(truth.num("tcp_syn_ack"))},
                                        {{"rst", "ZZ"}, static_cast<uint64_t>(truth.num("tcp_rst_any"))},
                                        {{"udp_reflection", "ZZ"}, reflection},
                                        {{"unreachable", "ZZ"}, static_cast<uint64_t>(truth.num("icmpv4_messages"))}}));
    EXPECT_EQ(r.backscatter.victims.country_packets.at({"synack", "ZZ"}), 6651u);
}
