// Every shared capture through the real XDP program, compared with the tshark
// ground truth in summaries/<file>.txt, exactly. Where darkscope counts
// differently on purpose, the difference is written below per capture, with
// the reason, and in docs/dataplane.md.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "capture/pcap_reader.h"
#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "fingerprint/tool_counts.h"
#include "support/dataplane_diff.h"
#include "support/ground_truth.h"

using namespace darkscope;
namespace fs = std::filesystem;

namespace {

const fs::path kCaptures = DARKSCOPE_PCAP_DIR;

// A number of the summary by its bare name: "tcp_ack_only" finds
// "tcp_ack_only(ACK, no SYN/FIN/RST/PSH/URG)".
uint64_t number(const test::GroundTruth& gt, const std::string& name) {
    for (const auto& [key, value] : gt.values)
        if (key == name || key.rfind(name + "(", 0) == 0) return std::stoull(value);
    throw std::runtime_error("summary has no " + name);
}

// What darkscope made of one capture.
struct Replayed {
    uint64_t frames_in_capture = 0;
    uint64_t refused_short = 0;  // shorter than an Ethernet header: BPF_PROG_TEST_RUN refuses them
    std::vector<ds_counter> stats, ports, tools;
    std::map<uint16_t, uint64_t> tcp_probe_ports, udp_probe_ports;  // from drained non-backscatter keys
    uint64_t drained_packets = 0;
};

Replayed replay(const fs::path& capture) {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("0.0.0.0/0"), Prefix::parse("::/0")};
    cfg.source_map_entries = 65536;
    DataPlane dp(cfg);
    Replayed r;
    auto fold = [&](const std::vector<SourceEntry>& entries) {
        for (const SourceEntry& e : entries) {
            r.drained_packets += e.value.packets;
            if (e.key.info & DS_KEY_BACKSCATTER) continue;
            if (e.key.proto == 6) r.tcp_probe_ports[e.key.port] += e.value.packets;
            if (e.key.proto == 17) r.udp_probe_ports[e.key.port] += e.value.packets;
        }
    };
    PcapReader reader(capture.string());
    CaptureFrame frame;
    while (reader.next(frame)) {
        ++r.frames_in_capture;
        if (frame.bytes.size() < 14) {
            ++r.refused_short;
            continue;
        }
        const int verdict = dp.test_run(frame.bytes.data(), static_cast<uint32_t>(frame.bytes.size()));
        if (verdict != XDP_DROP && verdict != XDP_PASS) throw std::runtime_error("unexpected verdict");
        if (r.frames_in_capture % 10000 == 0) fold(dp.drain_sources(false));
    }
    fold(dp.drain_sources(false));
    r.stats = dp.read_stats();
    r.ports = dp.read_port_stats();
    r.tools = dp.read_tool_stats();
    return r;
}

// A deliberate difference: darkscope's number = tshark's + delta.
struct Difference {
    const char* capture;
    std::string field;
    int64_t delta;
    const char* why;
};

// Filled in below, capture by capture.
const std::vector<Difference>& differences();

int64_t delta_for(const std::string& capture, const std::string& field) {
    int64_t d = 0;
    for (const Difference& x : differences())
        if (capture == x.capture && field == x.field) d += x.delta;
    return d;
}

std::vector<std::string> capture_names() {
    std::vector<std::string> out;
    if (!fs::is_directory(kCaptures)) return out;
    for (const auto& e : fs::directory_iterator(kCaptures))
        if (e.path().extension() == ".pcap" || e.path().extension() == ".pcapng") out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
}

uint64_t class_total(const std::vector<ds_counter>& stats, uint32_t cls) {
    uint64_t n = 0;
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p) n += stats[DS_STATS_CLASS(p, cls)].packets;
    return n;
}

class GroundTruth : public ::testing::TestWithParam<std::string> {};

TEST_P(GroundTruth, MatchesTshark) {
    const std::string name = GetParam();
    const fs::path summary_path = kCaptures / "summaries" / (name + ".txt");
    ASSERT_TRUE(fs::exists(summary_path)) << "no ground truth for " << name;
    const test::GroundTruth truth = test::read_ground_truth(summary_path);
    const Replayed r = replay(kCaptures / name);
    const std::vector<ds_counter>& st = r.stats;

    // Compares one number, applying the deliberate difference if there is one.
    auto check = [&](const std::string& field, uint64_t tshark, uint64_t ours) {
        const int64_t delta = delta_for(name, field);
        EXPECT_EQ(static_cast<int64_t>(ours), static_cast<int64_t>(tshark) + delta)
            << name << ": " << field << " (tshark " << tshark << ", expected difference " << delta << ")";
    };

    uint64_t counted = 0;
    for (uint32_t i = 0; i < DS_STATS_MISC_BASE; ++i) counted += st[i].packets;
    check("frames", number(truth, "frames"), counted + r.refused_short);
    EXPECT_EQ(r.frames_in_capture, number(truth, "frames"));
    check("refused_short", 0, r.refused_short);

    check("tcp_syn_no_ack", number(truth, "tcp_syn_no_ack"), st[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].packets);
    check("tcp_syn_ack", number(truth, "tcp_syn_ack"), st[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYNACK)].packets);
    check("tcp_rst_any", number(truth, "tcp_rst_any"), st[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_RST)].packets);
    check("tcp_ack_only", number(truth, "tcp_ack_only"), st[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_ACK)].packets);
    check("tcp_fin_only", number(truth, "tcp_fin_only"), st[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_FIN)].packets);
    check("tcp_null", number(truth, "tcp_null"), st[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_NULL)].packets);
    check("tcp_xmas", number(truth, "tcp_xmas"), st[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_XMAS)].packets);
    check("udp_src_port_53", number(truth, "udp_src_port_53"),
          st[DS_STATS_CLASS(DS_PROTO_UDP, DS_CLASS_DNS_RESPONSE)].packets);
    check("fragments_non_first",
          number(truth, "ipv4_fragments_non_first") + number(truth, "ipv6_fragments_non_first"),
          class_total(st, DS_CLASS_FRAGMENT));
    check("frames_non_ip", number(truth, "frames_non_ip"), st[DS_STATS_PASS(DS_PASS_NON_IP)].packets);
    check("frames_vlan_tagged", number(truth, "frames_vlan_tagged"), st[DS_STATS_MISC(DS_MISC_VLAN_TAGGED)].packets);

    // Tool fingerprints: each rule counted on its own, as summarize.sh does.
    const ToolCounts tools = tool_counts(r.tools);
    check("fingerprint_mirai_seq_eq_dst_syn", number(truth, "fingerprint_mirai_seq_eq_dst_syn"),
          tools.rule_matches[DS_TOOL_MIRAI].packets);
    check("fingerprint_masscan_ipid_syn", number(truth, "fingerprint_masscan_ipid_syn"),
          tools.rule_matches[DS_TOOL_MASSCAN].packets);
    check("fingerprint_nmap_syn_heuristic", number(truth, "fingerprint_nmap_syn_heuristic"),
          tools.rule_matches[DS_TOOL_NMAP].packets);
    check("fingerprint_zmap_ipid54321_syn", number(truth, "fingerprint_zmap_ipid54321_syn"),
          tools.rule_matches[DS_TOOL_ZMAP].packets);

    // ICMP and ICMPv6 type/code: every non-zero port_stats entry of the slot.
    for (auto [list, slot] : {std::pair{"icmpv4_type/code", DS_SLOT_ICMP}, std::pair{"icmpv6_type/code", DS_SLOT_ICMPV6}}) {
        std::map<std::string, long long> want = truth.list(list);
        for (uint32_t tc = 0; tc < DS_PORTS_PER_SLOT; ++tc) {
            const uint64_t n = r.ports[DS_PORT_INDEX(slot, tc)].packets;
            const std::string key = std::to_string(tc >> 8) + "/" + std::to_string(tc & 0xff);
            if (n || want.count(key)) check(std::string(list) + " " + key, static_cast<uint64_t>(want[key]), n);
        }
    }

    // Top-10 destination ports of probes, from the drained per-source entries.
    for (auto [list, ours] : {std::pair{"top10_tcp_dst_ports", &r.tcp_probe_ports},
                              std::pair{"top10_udp_dst_ports", &r.udp_probe_ports}}) {
        for (auto& [port, n] : truth.list(list)) {
            auto it = ours->find(static_cast<uint16_t>(std::stoul(port)));
            check(std::string(list) + " " + port, static_cast<uint64_t>(n), it == ours->end() ? 0 : it->second);
        }
    }

    // The drained entries hold every attributed dark packet.
    uint64_t dark = 0;
    for (uint32_t i = 0; i < DS_STATS_PASS_BASE; ++i) dark += st[i].packets;
    EXPECT_EQ(r.drained_packets + st[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, dark) << name;
    EXPECT_EQ(st[DS_STATS_PASS(DS_PASS_NOT_DARK)].packets, 0u) << name << ": every IP frame is dark here";
}

INSTANTIATE_TEST_SUITE_P(SharedCaptures, GroundTruth, ::testing::ValuesIn(capture_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string n = info.param;
                             for (char& c : n)
                                 if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GroundTruth);

TEST(GroundTruthCaptures, ArePresent) {
    if (!fs::is_directory(kCaptures))
        GTEST_SKIP() << "the shared captures are absent (../shared/data/pcaps next to the source tree); "
                        "the ground-truth comparison did not run";
    EXPECT_FALSE(capture_names().empty());
}

const std::vector<Difference>& differences() {
    // Backscatter (SYN-ACK, RST without SYN, UDP from port 53) is filed under the
    // victim's source port, not the destination port tshark lists; each delta below
    // is the number of such segments to that port (checked with tshark -Y
    // 'tcp.dstport==P && ((syn && ack) || (rst && !syn))' or 'udp.dstport==P && udp.srcport==53').
    const char* const bs = "backscatter is filed under the victim's source port";
    const char* const rf = "reflection replies (UDP from a reflection port) are backscatter";
    static const std::vector<Difference> d = {
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_tcp_dst_ports 39005", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_tcp_dst_ports 57089", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 33592", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 34944", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 42344", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 46316", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 46433", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 46440", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 46709", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 47634", -1, bs},
        {"ndpi_dns_fragmented_v4v6.pcap", "top10_udp_dst_ports 48758", -1, bs},
        // All 93 frames are DNS responses.
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 5130", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 5446", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 5654", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 7214", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 8067", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 8211", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 9757", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 10175", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 13050", -1, bs},
        {"ndpi_dns_responses_truncated.pcap", "top10_udp_dst_ports 13876", -1, bs},
        {"ndpi_ip_fragmented_garbage.pcap", "top10_tcp_dst_ports 24102", -1, bs},  // its one SYN-ACK
        // 16 of the scanned host's 12 SYN-ACKs and 5 RSTs go back to nmap's source port.
        {"ndpi_nmap_synscan.pcap", "top10_tcp_dst_ports 36050", -16, bs},
        {"stopddos_dns_rrsig_fragmented.pcap", "top10_tcp_dst_ports 22", -30, bs},
        {"stopddos_dns_rrsig_fragmented.pcap", "top10_tcp_dst_ports 443", -5, bs},
        {"stopddos_dns_rrsig_fragmented.pcap", "top10_tcp_dst_ports 9100", -8, bs},
        {"stopddos_dns_rrsig_fragmented.pcap", "top10_udp_dst_ports 22", -523, bs},
        {"stopddos_dns_rrsig_fragmented.pcap", "top10_udp_dst_ports 9209", -1, bs},
        {"stopddos_dns_rrsig_fragmented.pcap", "top10_udp_dst_ports 22966", -1, bs},
        // Replies of SNMP reflectors (UDP from port 161, tshark -Y 'udp.srcport==161 &&
        // udp.dstport==P') are backscatter too, filed under the victim's port 161.
        {"stopddos_snmp_reflection_icmp.pcap", "top10_udp_dst_ports 54609", -1397, rf},
        {"stopddos_snmp_reflection_icmp.pcap", "top10_udp_dst_ports 12294", -1383, rf},
        {"stopddos_snmp_reflection_icmp.pcap", "top10_udp_dst_ports 3299", -1299, rf},
        {"stopddos_synack_reflection.pcap", "top10_udp_dst_ports 51767", -9, rf},
        {"stopddos_synack_reflection.pcap", "top10_udp_dst_ports 17979", -5, rf},
        // 239 RSTs among the SYN+ECE+CWR flood.
        {"stopddos_syn_ecn_cwr_flood.pcap", "top10_tcp_dst_ports 30120", -239, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 5060", -7, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 22", -1, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 977", -3, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 1139", -3, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 3770", -3, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 21598", -3, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 22039", -3, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 22265", -3, bs},
        {"stopddos_synack_reflection.pcap", "top10_tcp_dst_ports 23155", -3, bs},
        {"zeek_http-vlan-0.pcap", "top10_tcp_dst_ports 59856", -1, bs},
        {"zeek_vlan-qinqinq.pcap", "top10_tcp_dst_ports 59856", -1, bs},
        {"zeek_mixed-vlan-mpls.pcap", "top10_tcp_dst_ports 56730", -1, bs},
        {"zeek_mixed-vlan-mpls.pcap", "top10_tcp_dst_ports 50343", -1, bs},
        // A DNS response from port 53 to port 53.
        {"zeek_ipv6-hbh-routing0.pcap", "top10_udp_dst_ports 53", -1, bs},

        // 14 + 20 + 4 bytes captured: tshark reads the ports from half a UDP header;
        // darkscope needs all 8 bytes and counts the frame as malformed udp_truncated.
        {"tcpdump_udp-length-heapoverflow.pcap", "top10_udp_dst_ports 12336", -1,
         "a UDP header shorter than 8 bytes is malformed udp_truncated"},
        // IPv6 payload length 0, then a Fragment header at offset 160: tshark gives up
        // (malformed); darkscope reads headers by the captured bytes, not the length
        // fields, and counts a non-first fragment of protocol 2.
        {"tcpdump_ipv6_frag6_negative_len.pcap", "fragments_non_first", +1,
         "IPv6 headers are read by captured length, not by the payload length field"},
        // IPv6 ethertype with version 0 and 4: tshark calls them non-IP; darkscope
        // counts them as malformed ipv6_bad_version.
        {"tcpdump_ipv6-bad-version.pcap", "frames_non_ip", -2,
         "IPv6 ethertype with another version is malformed ipv6_bad_version"},
        // A 1-byte frame: BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet
        // header (and no NIC delivers one), so it never reaches the program.
        {"zeek_trunc_trunc-hdr.pcap", "refused_short", +1, "frames under 14 bytes never reach XDP"},
        {"zeek_trunc_trunc-hdr.pcap", "frames_non_ip", -1, "frames under 14 bytes never reach XDP"},
    };
    return d;
}

}  // namespace
