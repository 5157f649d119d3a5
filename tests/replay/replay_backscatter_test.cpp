// Backscatter in `darkscope replay` of the shared real captures: packets by kind
// against the tshark ground truth in summaries/, and the DNS zones and attacks,
// whose numbers were cross-checked with tshark (-o ip.defragment:FALSE, grouping
// dns.qry.name by registered domain and ip.src by resolver; per-source counts of
// SYN-ACKs, RSTs and ICMP unreachables). Skips, saying so, where ../shared is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "dataplane/names.h"
#include "replay/replay.h"
#include "replay/report.h"
#include "support/ground_truth.h"

using namespace darkscope;
namespace fs = std::filesystem;

namespace {

struct Replayed {
    test::GroundTruth truth;
    ReplayResult result;
    std::map<std::string, uint64_t> kinds;  // backscatter packets by kind (the class counters)
};

// Replays a shared capture with every destination dark and no country database.
bool replay_shared(const std::string& file, Replayed& out, VictimConfig victims = {}) {
    const fs::path dir = test::shared_pcaps_dir(DARKSCOPE_SOURCE_DIR);
    if (dir.empty()) return false;
    out.truth = test::read_ground_truth(dir / "summaries" / (file + ".txt"));
    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("0.0.0.0/0"), Prefix::parse("::/0")};
    o.victims = victims;
    out.result = replay({(dir / file).string()}, o);
    // From the class counters: a sum over the port series would count an admitted
    // port's packets from before its admission twice (they are in "other" too).
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p)
        for (uint32_t c = 0; c < DS_CLASS_COUNT; ++c)
            if (DS_CLASS_IS_BACKSCATTER(c)) out.kinds[class_name(c)] += out.result.snapshot.stats[DS_STATS_CLASS(p, c)].packets;
    return true;
}

const dns::ZoneRow* zone(const ReplayResult& r, const std::string& name) {
    for (const dns::ZoneRow& z : r.backscatter.dns.zones)
        if (z.zone == name) return &z;
    return nullptr;
}

uint64_t received(const ReplayResult& r, dns::Via via) { return r.backscatter.dns.received[static_cast<size_t>(via)]; }

// "NOERROR=507 SERVFAIL=40 ...": the responses by rcode, every bucket.
std::string rcodes(const ReplayResult& r) {
    std::string out;
    for (size_t i = 0; i < dns::kRcodeBuckets; ++i)
        out += std::string(out.empty() ? "" : " ") + dns::rcode_bucket_name(static_cast<dns::RcodeBucket>(i)) + "=" +
               std::to_string(r.backscatter.dns.rcodes[i]);
    return out;
}

#define SKIP_WITHOUT_SHARED(ok) \
    if (!(ok)) GTEST_SKIP() << "../shared/data/pcaps is absent beside the checkout"

}  // namespace

TEST(ReplayBackscatter, SynAckReflection) {
    Replayed r;
    SKIP_WITHOUT_SHARED(replay_shared("stopddos_synack_reflection.pcap", r));
    ASSERT_EQ(r.result.error, "");
    EXPECT_EQ(r.kinds["synack"], static_cast<uint64_t>(r.truth.num("tcp_syn_ack")));  // 6651
    EXPECT_EQ(r.kinds["rst"], static_cast<uint64_t>(r.truth.num("tcp_rst_any")));     // 1018
    EXPECT_EQ(r.kinds["unreachable"], static_cast<uint64_t>(r.truth.num("icmpv4_messages")));  // 153, all 3/x
    EXPECT_EQ(r.kinds["synack"], 6651u);
    // Reflection: thousands of reflectors, none answering for long: no attack by the
    // default thresholds (25 packets over 60 s) in a 0.147 s capture.
    EXPECT_EQ(r.result.attacks.size(), 0u);
    EXPECT_EQ(r.result.backscatter.victims.attacks_started, 0u);
    EXPECT_EQ(r.result.backscatter.dns.messages, 0u);
}

TEST(ReplayBackscatter, SynAckReflectionWithLowThresholds) {
    // 3 packets, no minimum duration: every source with 3 or more backscatter packets
    // (tshark: 46 sources, 151 packets; the busiest 172.99.233.20 with 15).
    VictimConfig low;
    low.min_packets = 3;
    low.window_packets = 3;
    low.min_duration_ns = 0;
    Replayed r;
    SKIP_WITHOUT_SHARED(replay_shared("stopddos_synack_reflection.pcap", r, low));
    ASSERT_EQ(r.result.error, "");
    ASSERT_EQ(r.result.attacks.size(), 46u);
    uint64_t packets = 0;
    const AttackEvent* busiest = &r.result.attacks[0];
    for (const AttackEvent& a : r.result.attacks) {
        packets += a.packets;
        if (a.packets > busiest->packets) busiest = &a;
        EXPECT_EQ(a.ended, "capture_end");
    }
    EXPECT_EQ(packets, 151u);
    EXPECT_EQ(busiest->victim, "172.99.233.20");
    EXPECT_EQ(busiest->packets, 15u);
    EXPECT_EQ(r.result.backscatter.victims.attacks_started, 46u);
}

TEST(ReplayBackscatter, DnsRrsigFragmented) {
    Replayed r;
    SKIP_WITHOUT_SHARED(replay_shared("stopddos_dns_rrsig_fragmented.pcap", r));
    ASSERT_EQ(r.result.error, "");
    // Every response from port 53, first fragments included, has its question read.
    EXPECT_EQ(received(r.result, dns::Via::Response), static_cast<uint64_t>(r.truth.num("udp_src_port_53")));  // 547
    EXPECT_EQ(r.result.backscatter.dns.messages, 547u);
    EXPECT_EQ(r.kinds["dns_response"], 547u);
    // A reflection attack with one name (ANY/RRSIG for pizzaseo.com): busy, not random.
    const dns::ZoneRow* z = zone(r.result, "pizzaseo.com");
    ASSERT_NE(z, nullptr);
    EXPECT_EQ(z->messages, 523u);
    EXPECT_EQ(z->names_today, 1u);
    EXPECT_EQ(z->resolvers_today, 49u);
    EXPECT_EQ(z->samples, std::vector<std::string>{"pizzaseo.com"});  // 523 times the one name
    EXPECT_FALSE(z->random_subdomain);
    EXPECT_EQ(r.result.backscatter.dns.zones.size(), 10u);  // tshark: 10 registered domains
    // tshark -o ip.defragment:FALSE -Y udp.srcport==53 -e dns.flags.rcode: 507 x 0, 40 x 2.
    EXPECT_EQ(rcodes(r.result), "NOERROR=507 SERVFAIL=40 NXDOMAIN=0 REFUSED=0 other=0");
    // The Public Suffix List's private section: githubusercontent.com is a suffix.
    ASSERT_NE(zone(r.result, "raw.githubusercontent.com"), nullptr);
    EXPECT_EQ(zone(r.result, "raw.githubusercontent.com")->messages, 2u);
}

TEST(ReplayBackscatter, DnsResponsesTruncated) {
    Replayed r;
    SKIP_WITHOUT_SHARED(replay_shared("ndpi_dns_responses_truncated.pcap", r));
    ASSERT_EQ(r.result.error, "");
    EXPECT_EQ(received(r.result, dns::Via::Response), static_cast<uint64_t>(r.truth.num("udp_src_port_53")));  // 93
    // 10 messages end before their question does (tshark reads no name from them).
    EXPECT_EQ(r.result.backscatter.dns.messages, 83u);
    uint64_t malformed = 0;
    for (uint64_t n : r.result.backscatter.dns.malformed) malformed += n;
    EXPECT_EQ(malformed, 10u);
    // tshark -e dns.flags.rcode: 73 x 0, 18 x 3, and 2 frames whose capture ends 2 bytes
    // into the DNS header (no flags, no response code). 3 of the 73 end within the
    // header after the flags: header_truncated here, with their rcode counted.
    EXPECT_EQ(rcodes(r.result), "NOERROR=73 SERVFAIL=0 NXDOMAIN=18 REFUSED=0 other=0");
    EXPECT_EQ(r.result.backscatter.dns.malformed[static_cast<size_t>(dns::ParseError::HeaderTruncated)], 5u);
    const dns::ZoneRow* noaa = zone(r.result, "noaa.gov");
    ASSERT_NE(noaa, nullptr);
    EXPECT_EQ(noaa->messages, 20u);
    EXPECT_EQ(noaa->names_today, 17u);
    EXPECT_EQ(noaa->resolvers_today, 3u);
    const dns::ZoneRow* dla = zone(r.result, "dla.mil");
    ASSERT_NE(dla, nullptr);
    EXPECT_EQ(dla->messages, 15u);
    EXPECT_EQ(dla->names_today, 15u);
    EXPECT_EQ(dla->resolvers_today, 2u);
    // Its first 5 distinct names, in capture order, lowercased (tshark: dns.qry.name).
    const std::vector<std::string> first5 = {"phl1sprt108.ad.dla.mil", "phl1sprt108.daas.dla.mil",
                                             "ncb1sdv00721.dir.ad.dla.mil", "noss2pro52.ad.dla.mil",
                                             "noss2pro52.use6.ad.dla.mil"};
    EXPECT_EQ(dla->samples, first5);
    const nlohmann::json j = to_json(r.result);
    for (const nlohmann::json& z : j["dns"]["zones"])
        if (z["zone"] == "dla.mil") EXPECT_EQ(z["samples"], nlohmann::json(first5));
    // Every name distinct, but 15 is far below the 100 names of the flag.
    EXPECT_FALSE(dla->random_subdomain);
}

TEST(ReplayBackscatter, IcmpPortUnreachableQuotingDns) {
    Replayed r;
    SKIP_WITHOUT_SHARED(replay_shared("zeek_icmp_port_unreachable.pcap", r));
    ASSERT_EQ(r.result.error, "");
    EXPECT_EQ(r.kinds["unreachable"], static_cast<uint64_t>(r.truth.num("icmpv4_messages")));  // 1
    EXPECT_EQ(received(r.result, dns::Via::IcmpError), 1u);
    EXPECT_EQ(received(r.result, dns::Via::Response), 0u);
    const dns::ZoneRow* z = zone(r.result, "ed4.net");  // secure.ed4.net
    ASSERT_NE(z, nullptr);
    EXPECT_EQ(z->messages, 1u);
    EXPECT_EQ(z->resolvers_today, 1u);
}

// SNMP reflection: 4,079 replies *from* port 161 (tshark -Y 'udp.srcport==161', from
// 4,028 reflectors) are backscatter under the victim's port 161, never accesses: no
// UDP port in the probe table, no reflector among the sources. What is left as
// probes are the 4 ICMP redirects (type 5) from 3 sources.
TEST(ReplayBackscatter, SnmpReflectionRepliesAreBackscatterNotAccesses) {
    Replayed r;
    SKIP_WITHOUT_SHARED(replay_shared("stopddos_snmp_reflection_icmp.pcap", r));
    ASSERT_EQ(r.result.error, "");
    EXPECT_EQ(r.kinds["udp_reflection"], 4079u);
    EXPECT_EQ(r.result.backscatter.victims.packets.at({"udp_reflection", "161"}), 4079u);
    for (const auto& [port, detail] : r.result.ports) EXPECT_NE(port.first, "udp") << port.second;
    EXPECT_EQ(r.result.distinct_sources, 3u);
    uint64_t country_packets = 0;
    for (const auto& [cc, detail] : r.result.countries) country_packets += detail.packets;
    EXPECT_EQ(country_packets, 4u);
}

// The list is the operator's: without port 161 in it, the same replies are probes of
// the victims' ephemeral ports again, as tshark counts them (top10_udp_dst_ports).
TEST(ReplayBackscatter, ReflectionPortsAreConfigurable) {
    const fs::path dir = test::shared_pcaps_dir(DARKSCOPE_SOURCE_DIR);
    if (dir.empty()) GTEST_SKIP() << "../shared/data/pcaps is absent beside the checkout";
    const test::GroundTruth truth =
        test::read_ground_truth(dir / "summaries" / "stopddos_snmp_reflection_icmp.pcap.txt");
    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("0.0.0.0/0")};
    o.dataplane.reflection_ports = {53};
    const ReplayResult r = replay({(dir / "stopddos_snmp_reflection_icmp.pcap").string()}, o);
    ASSERT_EQ(r.error, "");
    for (const auto& [port, n] : truth.list("top10_udp_dst_ports"))
        EXPECT_EQ(r.ports.at({"udp", static_cast<uint16_t>(std::stoi(port))}).packets, static_cast<uint64_t>(n)) << port;
    EXPECT_EQ(r.distinct_sources, 3u + 4028u);
}

// Non-first fragments have no port: 726 of them from 26 sources in this capture
// (tshark -o ip.defragment:FALSE -Y 'ip.frag_offset>0'), and no datagram or segment
// to port 0 at all: port 0 must not appear in the port table, by packets or sources.
TEST(ReplayBackscatter, NonFirstFragmentsAreInNoPortTable) {
    Replayed r;
    SKIP_WITHOUT_SHARED(replay_shared("stopddos_dns_rrsig_fragmented.pcap", r));
    ASSERT_EQ(r.result.error, "");
    EXPECT_EQ(r.result.ports.count({"udp", 0}), 0u);
    EXPECT_EQ(r.result.ports.count({"tcp", 0}), 0u);
    uint64_t fragments = 0;
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p)
        fragments += r.result.snapshot.stats[DS_STATS_CLASS(p, DS_CLASS_FRAGMENT)].packets;
    EXPECT_EQ(fragments, 726u);
    EXPECT_EQ(r.result.ports.at({"tcp", 38110}).packets, 1947u);  // the ground truth's top TCP port
    // What `run` and the OpenMetrics file export: 38110 is admitted once busy, and its
    // series carries all 1,947 probes from the first; today's table has them too.
    EXPECT_EQ((r.result.snapshot.port_packets.at({"tcp", "38110"}).packets), 1947u);
    bool in_today = false;
    for (const PortToday& p : r.result.snapshot.ports_today)
        if (p.protocol == "tcp" && p.port == 38110) {
            in_today = true;
            EXPECT_EQ(p.packets, 1947u);
        }
    EXPECT_TRUE(in_today);
    for (const PortToday& p : r.result.snapshot.ports_today)
        if (p.protocol == "tcp" || p.protocol == "udp") EXPECT_NE(p.port, 0) << p.protocol << ": no port 0";
}

// Responses by rcode over IPv4 and IPv6, first fragments included (tshark
// -o ip.defragment:FALSE -o ipv6.defragment:FALSE -Y udp.srcport==53 -e dns.flags.rcode:
// 18 x 0, 1 x 2, all 19 with the response flag).
TEST(ReplayBackscatter, DnsResponsesByRcodeOverIpv4AndIpv6) {
    Replayed r;
    SKIP_WITHOUT_SHARED(replay_shared("ndpi_dns_fragmented_v4v6.pcap", r));
    ASSERT_EQ(r.result.error, "");
    EXPECT_EQ(received(r.result, dns::Via::Response), static_cast<uint64_t>(r.truth.num("udp_src_port_53")));  // 19
    EXPECT_EQ(rcodes(r.result), "NOERROR=18 SERVFAIL=1 NXDOMAIN=0 REFUSED=0 other=0");
    const nlohmann::json j = to_json(r.result);
    EXPECT_EQ(j["dns"]["rcodes"], nlohmann::json::parse(R"({"NOERROR":18,"SERVFAIL":1,"NXDOMAIN":0,"REFUSED":0,"other":0})"));
    EXPECT_NE(format_summary(r.result, 5).find("  responses by rcode: NOERROR 18, SERVFAIL 1, NXDOMAIN 0, REFUSED 0, other 0\n"),
              std::string::npos);
}
