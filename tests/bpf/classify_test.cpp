// Packet fixtures for the XDP program: each case is one frame, the verdict it
// must get and every counter it must change (stats entries, per-port entries,
// drained per-source entries), exactly; everything else must stay unchanged.
// Frames go through BPF_PROG_TEST_RUN on the real object; a failure names the fixture.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "support/dataplane_diff.h"
#include "support/frame_builder.h"

using namespace darkscope;
using darkscope::test::FrameBuilder;

namespace {

// Documentation and benchmarking addresses only.
const char* const kSrc4 = "203.0.113.7";
const char* const kDark4 = "198.51.100.9";      // in the dark 198.51.100.0/24
const char* const kLight4 = "198.18.0.1";       // not monitored
const char* const kAllowed4 = "192.0.2.10";     // in the allowlist 192.0.2.0/24
const char* const kSrc6 = "2001:db8:1::7";
const char* const kSrc6Key = "2001:db8:1::";    // kSrc6 in a /64 (the default aggregation)
const char* const kDark6 = "2001:db8:dead::9";  // in the dark 2001:db8:dead::/48
const char* const kLight6 = "2001:db8:beef::1";
const char* const kAllowed6 = "2001:db8:a11::5";  // in the allowlist 2001:db8:a11::/48

constexpr uint8_t FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20, ECE = 0x40, CWR = 0x80;
constexpr uint8_t kTcp = 6, kUdp = 17, kIcmp = 1, kIcmp6 = 58, kGre = 47;

struct SourceExpect {
    std::string addr;  // the source as stored in the key (masked)
    uint16_t port;
    uint8_t proto;
    bool backscatter;
    bool rst = false;  // TCP backscatter that was a RST
    int syn_tool = -1;  // a TCP SYN key: the enum ds_tool (set by dark() for TCP SYNs)
    bool no_port = false;  // a non-first fragment's key (set by dark() for class fragment)
};

struct Fixture {
    std::string name;         // test name: letters, digits, underscores
    std::string description;  // what the case is about
    std::vector<uint8_t> frame;
    int verdict;
    std::vector<uint32_t> stats;   // stats indices that count the frame (each once)
    std::vector<uint32_t> ports;   // port_stats indices that count the frame
    std::vector<SourceExpect> sources;  // per-source entries, one packet each
};

void PrintTo(const Fixture& f, std::ostream* os) { *os << f.name << " (" << f.description << ")"; }

FrameBuilder eth(uint16_t ethertype = 0) { return std::move(FrameBuilder().eth(ethertype)); }
FrameBuilder v4(const char* src = kSrc4, const char* dst = kDark4, uint8_t proto = 0) {
    return std::move(FrameBuilder().eth().ipv4(src, dst, proto));
}
FrameBuilder v6(const char* src = kSrc6, const char* dst = kDark6, uint8_t next = 0) {
    return std::move(FrameBuilder().eth().ipv6(src, dst, next));
}
std::vector<uint8_t> poke(std::vector<uint8_t> f, size_t at, uint8_t value) {
    f.at(at) = value;
    return f;
}
constexpr size_t kL3 = 14, kL4v4 = 34, kL4v6 = 54;

// A dark frame classified as (proto, cls), filed under port_index (or no port
// entry), attributed to `source`, dropped.
Fixture dark(std::string name, std::string desc, std::vector<uint8_t> frame, uint32_t proto, uint32_t cls,
             std::vector<uint32_t> ports, SourceExpect source, std::vector<uint32_t> misc = {}) {
    // Fixture frames match no tool rule (bpf/fingerprint.h; tests/bpf/fingerprint_test.cpp has those).
    if (proto == DS_PROTO_TCP && cls == DS_CLASS_TCP_SYN && source.syn_tool < 0) source.syn_tool = DS_TOOL_UNKNOWN;
    // A non-first fragment has no port: its key says so, and no port table counts it.
    if (cls == DS_CLASS_FRAGMENT) source.no_port = true;
    Fixture f{std::move(name), std::move(desc), std::move(frame), XDP_DROP, {DS_STATS_CLASS(proto, cls)},
              std::move(ports), {std::move(source)}};
    for (uint32_t m : misc) f.stats.push_back(DS_STATS_MISC(m));
    return f;
}
Fixture passed(std::string name, std::string desc, std::vector<uint8_t> frame, uint32_t reason,
               std::vector<uint32_t> misc = {}) {
    Fixture f{std::move(name), std::move(desc), std::move(frame), XDP_PASS, {DS_STATS_PASS(reason)}, {}, {}};
    for (uint32_t m : misc) f.stats.push_back(DS_STATS_MISC(m));
    return f;
}
// Malformed before the destination is known: passed to the stack; after (a dark
// frame with a bad IPv6 extension or L4 header): dropped.
Fixture malformed(std::string name, std::string desc, std::vector<uint8_t> frame, uint32_t reason, int verdict,
                  std::vector<uint32_t> misc = {}) {
    Fixture f{std::move(name), std::move(desc), std::move(frame), verdict, {DS_STATS_MALFORMED(reason)}, {}, {}};
    for (uint32_t m : misc) f.stats.push_back(DS_STATS_MISC(m));
    return f;
}

uint32_t tcp_dst(uint16_t p) { return DS_PORT_INDEX(DS_SLOT_TCP_DST, p); }
uint32_t tcp_bs(uint16_t p) { return DS_PORT_INDEX(DS_SLOT_TCP_SRC_BACKSCATTER, p); }
uint32_t udp_dst(uint16_t p) { return DS_PORT_INDEX(DS_SLOT_UDP_DST, p); }
uint32_t udp_bs(uint16_t p) { return DS_PORT_INDEX(DS_SLOT_UDP_SRC_BACKSCATTER, p); }
uint32_t icmp(uint8_t t, uint8_t c) { return DS_PORT_INDEX(DS_SLOT_ICMP, (t << 8) | c); }
uint32_t icmp6(uint8_t t, uint8_t c) { return DS_PORT_INDEX(DS_SLOT_ICMPV6, (t << 8) | c); }
SourceExpect src4(uint16_t port, uint8_t proto, bool bs = false, bool rst = false) {
    return {kSrc4, port, proto, bs, rst};
}
SourceExpect src6(uint16_t port, uint8_t proto, bool bs = false, bool rst = false) {
    return {kSrc6Key, port, proto, bs, rst};
}

std::vector<Fixture> tcp_fixtures() {
    struct Flags {
        const char* name;
        uint8_t flags;
        uint32_t cls;
    };
    const Flags cases[] = {
        {"syn", SYN, DS_CLASS_TCP_SYN},
        {"syn_ece_cwr", SYN | ECE | CWR, DS_CLASS_TCP_SYN},
        {"syn_fin", SYN | FIN, DS_CLASS_TCP_SYN},
        {"synack", SYN | ACK, DS_CLASS_TCP_SYNACK},
        {"synack_ece", SYN | ACK | ECE, DS_CLASS_TCP_SYNACK},
        {"rst", RST, DS_CLASS_TCP_RST},
        {"rst_ack", RST | ACK, DS_CLASS_TCP_RST},
        {"ack", ACK, DS_CLASS_TCP_ACK},
        {"ack_cwr", ACK | CWR, DS_CLASS_TCP_ACK},
        {"fin", FIN, DS_CLASS_TCP_FIN},
        {"null", 0, DS_CLASS_TCP_NULL},
        {"xmas", FIN | PSH | URG, DS_CLASS_TCP_XMAS},
        {"other_psh_ack", PSH | ACK, DS_CLASS_TCP_OTHER},
        {"other_fin_ack", FIN | ACK, DS_CLASS_TCP_OTHER},
        {"other_all_flags_but_syn_rst", FIN | PSH | ACK | URG, DS_CLASS_TCP_OTHER},
    };
    std::vector<Fixture> out;
    for (const Flags& c : cases) {
        // Backscatter is filed under the victim's (source) port, probes under the destination port.
        const bool bs = DS_CLASS_IS_BACKSCATTER(c.cls);
        const uint16_t port = bs ? 8080 : 445;
        const uint32_t pidx = bs ? tcp_bs(8080) : tcp_dst(445);
        const bool rst = c.cls == DS_CLASS_TCP_RST;  // keyed apart from SYN-ACKs of the same victim port
        out.push_back(dark(std::string("tcp_") + c.name, "IPv4 TCP flags " + std::to_string(c.flags),
                           v4().tcp(8080, 445, c.flags).build(), DS_PROTO_TCP, c.cls, {pidx},
                           src4(port, kTcp, bs, rst)));
        out.push_back(dark(std::string("tcp6_") + c.name, "IPv6 TCP flags " + std::to_string(c.flags),
                           v6().tcp(8080, 445, c.flags).build(), DS_PROTO_TCP, c.cls, {pidx},
                           src6(port, kTcp, bs, rst)));
    }
    out.push_back(dark("tcp_syn_with_options", "SYN with MSS, SACK, timestamps, window scale (doff 10)",
                       v4().tcp(40000, 22, SYN, 1, 65535, std::vector<uint8_t>(20, 1)).payload(10).build(),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(22)}, src4(22, kTcp)));
    return out;
}

std::vector<Fixture> udp_icmp_other_fixtures() {
    std::vector<Fixture> out;
    out.push_back(dark("udp", "UDP probe to 161", v4().udp(40000, 161).payload(20).build(), DS_PROTO_UDP,
                       DS_CLASS_UDP, {udp_dst(161)}, src4(161, kUdp)));
    out.push_back(dark("udp_to_port_53", "a DNS query is a probe of port 53", v4().udp(40000, 53).build(),
                       DS_PROTO_UDP, DS_CLASS_UDP, {udp_dst(53)}, src4(53, kUdp)));
    // DNS backscatter also goes to the agent through the ring buffer (dns_events_test.cpp).
    const std::vector<uint32_t> dns_sent = {DS_MISC_DNS_SENT};
    out.push_back(dark("dns_response", "UDP from port 53: backscatter", v4().udp(53, 33333).payload(40).build(),
                       DS_PROTO_UDP, DS_CLASS_DNS_RESPONSE, {udp_bs(53)}, src4(53, kUdp, true), dns_sent));
    out.push_back(dark("udp6", "IPv6 UDP probe", v6().udp(40000, 5060).build(), DS_PROTO_UDP, DS_CLASS_UDP,
                       {udp_dst(5060)}, src6(5060, kUdp)));
    out.push_back(dark("dns_response6", "IPv6 UDP from port 53", v6().udp(53, 4000).build(), DS_PROTO_UDP,
                       DS_CLASS_DNS_RESPONSE, {udp_bs(53)}, src6(53, kUdp, true), dns_sent));
    // Replies of reflectors/amplifiers to requests spoofed with a dark address: backscatter,
    // filed under the victim's port, as SYN-ACKs are (every default reflection port).
    for (uint16_t port : default_reflection_ports()) {
        if (port == 53) continue;
        out.push_back(dark("udp_reflection_from_" + std::to_string(port), "UDP from reflection port " +
                           std::to_string(port) + ": backscatter", v4().udp(port, 40001).payload(30).build(),
                           DS_PROTO_UDP, DS_CLASS_UDP_REFLECTION, {udp_bs(port)}, src4(port, kUdp, true)));
    }
    out.push_back(dark("udp6_reflection_from_ntp", "IPv6 UDP from port 123: backscatter", v6().udp(123, 4000).build(),
                       DS_PROTO_UDP, DS_CLASS_UDP_REFLECTION, {udp_bs(123)}, src6(123, kUdp, true)));
    out.push_back(dark("udp_from_port_162", "UDP from 162 (not a reflection port) is a probe of its destination",
                       v4().udp(162, 40001).build(), DS_PROTO_UDP, DS_CLASS_UDP, {udp_dst(40001)}, src4(40001, kUdp)));

    struct Icmp {
        const char* name;
        uint8_t type, code;
        uint32_t cls;
    };
    const Icmp v4cases[] = {
        {"echo_request", 8, 0, DS_CLASS_ICMP_ECHO_REQUEST},
        {"echo_reply", 0, 0, DS_CLASS_ICMP_ECHO_REPLY},
        {"unreachable_port", 3, 3, DS_CLASS_ICMP_UNREACHABLE},
        {"unreachable_admin", 3, 13, DS_CLASS_ICMP_UNREACHABLE},
        {"time_exceeded", 11, 0, DS_CLASS_ICMP_TIME_EXCEEDED},
        {"other_timestamp", 13, 0, DS_CLASS_ICMP_OTHER},
        {"other_type165", 165, 7, DS_CLASS_ICMP_OTHER},
    };
    for (const Icmp& c : v4cases) {
        const uint16_t port = (c.type << 8) | c.code;
        out.push_back(dark(std::string("icmp_") + c.name, "ICMP type/code " + std::to_string(port >> 8) + "/" +
                                                                std::to_string(c.code),
                           v4().icmp(c.type, c.code).payload(28).build(), DS_PROTO_ICMP, c.cls,
                           {icmp(c.type, c.code)}, src4(port, kIcmp, DS_CLASS_IS_BACKSCATTER(c.cls))));
    }
    const Icmp v6cases[] = {
        {"echo_request", 128, 0, DS_CLASS_ICMP_ECHO_REQUEST},
        {"echo_reply", 129, 0, DS_CLASS_ICMP_ECHO_REPLY},
        {"unreachable_port", 1, 4, DS_CLASS_ICMP_UNREACHABLE},
        {"time_exceeded", 3, 0, DS_CLASS_ICMP_TIME_EXCEEDED},
        {"other_packet_too_big", 2, 0, DS_CLASS_ICMP_OTHER},
        {"other_neighbor_solicit", 135, 0, DS_CLASS_ICMP_OTHER},
    };
    for (const Icmp& c : v6cases) {
        const uint16_t port = (c.type << 8) | c.code;
        out.push_back(dark(std::string("icmpv6_") + c.name, "ICMPv6 type/code " + std::to_string(c.type) + "/" +
                                                                 std::to_string(c.code),
                           v6().icmp(c.type, c.code).payload(16).build(), DS_PROTO_ICMPV6, c.cls,
                           {icmp6(c.type, c.code)}, src6(port, kIcmp6, DS_CLASS_IS_BACKSCATTER(c.cls))));
    }
    out.push_back(dark("gre", "IPv4 GRE: other protocol, port 0", v4(kSrc4, kDark4, kGre).payload(24).build(),
                       DS_PROTO_OTHER, DS_CLASS_OTHER_PROTO, {}, src4(0, kGre)));
    out.push_back(dark("gre6", "IPv6 GRE", v6(kSrc6, kDark6, kGre).payload(24).build(), DS_PROTO_OTHER,
                       DS_CLASS_OTHER_PROTO, {}, src6(0, kGre)));
    out.push_back(dark("icmpv6_in_ipv4", "protocol 58 inside IPv4 is no ICMP", v4(kSrc4, kDark4, kIcmp6).payload(8).build(),
                       DS_PROTO_OTHER, DS_CLASS_OTHER_PROTO, {}, src4(0, kIcmp6)));
    out.push_back(dark("icmp_in_ipv6", "protocol 1 inside IPv6 is no ICMPv6", v6(kSrc6, kDark6, kIcmp).payload(8).build(),
                       DS_PROTO_OTHER, DS_CLASS_OTHER_PROTO, {}, src6(0, kIcmp)));
    out.push_back(dark("ipv6_no_next_header", "next header 59 (no next header)", v6(kSrc6, kDark6, 59).build(),
                       DS_PROTO_OTHER, DS_CLASS_OTHER_PROTO, {}, src6(0, 59)));
    return out;
}

std::vector<Fixture> l2_fixtures() {
    std::vector<Fixture> out;
    const auto syn = [](FrameBuilder b) { return b.ipv4(kSrc4, kDark4).tcp(40000, 23, SYN).build(); };
    const std::vector<uint32_t> tagged = {DS_MISC_VLAN_TAGGED};
    out.push_back(dark("vlan_8021q", "one 802.1Q tag", syn(std::move(eth().vlan(10))), DS_PROTO_TCP,
                       DS_CLASS_TCP_SYN, {tcp_dst(23)}, src4(23, kTcp), tagged));
    out.push_back(dark("vlan_8021ad", "one 802.1ad tag", syn(std::move(eth().vlan(10, 0x88a8))), DS_PROTO_TCP,
                       DS_CLASS_TCP_SYN, {tcp_dst(23)}, src4(23, kTcp), tagged));
    out.push_back(dark("vlan_qinq", "802.1ad outer, 802.1Q inner", syn(std::move(eth().vlan(10, 0x88a8).vlan(20))),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(23)}, src4(23, kTcp), tagged));
    out.push_back(dark("vlan_legacy_9100", "pre-standard QinQ tag 0x9100", syn(std::move(eth().vlan(10, 0x9100))),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(23)}, src4(23, kTcp), tagged));
    out.push_back(dark("vlan_three_tags", "three tags: the deepest stack followed",
                       syn(std::move(eth().vlan(1, 0x88a8).vlan(2, 0x88a8).vlan(3))), DS_PROTO_TCP,
                       DS_CLASS_TCP_SYN, {tcp_dst(23)}, src4(23, kTcp), tagged));
    out.push_back(dark("vlan_ipv6", "802.1Q over IPv6",
                       eth().vlan(10).ipv6(kSrc6, kDark6).udp(1000, 2000).build(), DS_PROTO_UDP, DS_CLASS_UDP,
                       {udp_dst(2000)}, src6(2000, kUdp), tagged));
    out.push_back(malformed("vlan_four_tags", "four tags: vlan_too_deep",
                            syn(std::move(eth().vlan(1, 0x88a8).vlan(2, 0x88a8).vlan(3, 0x88a8).vlan(4))),
                            DS_MAL_VLAN_TOO_DEEP, XDP_PASS, tagged));
    out.push_back(malformed("vlan_truncated", "an 802.1Q tag cut after 2 bytes",
                            eth().vlan(10).build() /* 14 + 4 */, DS_MAL_VLAN_TRUNCATED, XDP_PASS));
    out.back().frame.resize(16);
    out.push_back(malformed("vlan_second_tag_truncated", "one whole tag, the second cut off",
                            eth().vlan(10, 0x88a8).vlan(20).build(), DS_MAL_VLAN_TRUNCATED, XDP_PASS, tagged));
    out.back().frame.resize(20);
    out.push_back(passed("vlan_arp", "ARP behind a tag", eth().vlan(10).raw(std::vector<uint8_t>(28, 0)).build(),
                         DS_PASS_NON_IP, tagged));
    out.back().frame[16] = 0x08, out.back().frame[17] = 0x06;

    out.push_back(dark("mpls_one_label", "IPv4 under one MPLS label", syn(std::move(eth().mpls(100, true))),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(23)}, src4(23, kTcp)));
    out.push_back(dark("mpls_four_labels", "IPv4 under four labels, the deepest followed",
                       syn(std::move(eth().mpls(1, false).mpls(2, false).mpls(3, false).mpls(4, true))),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(23)}, src4(23, kTcp)));
    out.push_back(dark("mpls_ipv6", "IPv6 under two labels",
                       eth().mpls(1, false).mpls(2, true).ipv6(kSrc6, kDark6).tcp(1, 80, SYN).build(), DS_PROTO_TCP,
                       DS_CLASS_TCP_SYN, {tcp_dst(80)}, src6(80, kTcp)));
    out.push_back(dark("vlan_mpls", "a tag, then a label, then IPv4", syn(std::move(eth().vlan(7).mpls(100, true))),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(23)}, src4(23, kTcp), tagged));
    out.push_back(passed("mpls_pseudowire", "an Ethernet pseudowire (first nibble 0) under the label: not IP",
                         eth().mpls(100, true).raw(std::vector<uint8_t>(60, 0)).build(), DS_PASS_NON_IP));
    out.push_back(malformed("mpls_five_labels", "five labels: deeper than followed",
                            syn(std::move(eth().mpls(1, false).mpls(2, false).mpls(3, false).mpls(4, false).mpls(5, true))),
                            DS_MAL_MPLS_TRUNCATED, XDP_PASS));
    out.push_back(malformed("mpls_label_truncated", "a label cut after 2 bytes", eth().mpls(100, true).build(),
                            DS_MAL_MPLS_TRUNCATED, XDP_PASS));
    out.back().frame.resize(16);
    out.push_back(malformed("mpls_no_payload", "a bottom label and nothing after it",
                            eth().mpls(100, true).build(), DS_MAL_MPLS_TRUNCATED, XDP_PASS));
    out.push_back(passed("arp", "ARP is not IP", eth(0x0806).raw(std::vector<uint8_t>(28, 0)).build(), DS_PASS_NON_IP));
    out.push_back(passed("lldp", "LLDP is not IP", eth(0x88cc).raw(std::vector<uint8_t>(40, 0)).build(), DS_PASS_NON_IP));
    out.push_back(passed("eth_header_only", "14 bytes, ethertype 0", eth().build(), DS_PASS_NON_IP));
    return out;
}

std::vector<Fixture> l3_fixtures() {
    std::vector<Fixture> out;
    for (int ihl = 6; ihl <= 15; ++ihl) {
        const auto options = std::vector<uint8_t>(static_cast<size_t>(ihl - 5) * 4, 1 /* NOP */);
        out.push_back(dark("ipv4_ihl" + std::to_string(ihl), "IPv4 options: IHL " + std::to_string(ihl),
                           FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 1, 0, options).tcp(5, 3389, SYN).build(),
                           DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(3389)}, src4(3389, kTcp)));
    }
    out.push_back(dark("ipv4_dont_fragment", "DF set, offset 0: not a fragment",
                       FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 1, 0x4000).tcp(5, 80, SYN).build(), DS_PROTO_TCP,
                       DS_CLASS_TCP_SYN, {tcp_dst(80)}, src4(80, kTcp)));
    out.push_back(dark("ipv6_hop_by_hop", "Hop-by-Hop options before TCP",
                       v6().ipv6_ext(0).tcp(1, 443, SYN).build(), DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(443)},
                       src6(443, kTcp)));
    out.push_back(dark("ipv6_routing", "a Routing header (24 bytes) before UDP",
                       v6().ipv6_ext(43, 2).udp(1, 500).build(), DS_PROTO_UDP, DS_CLASS_UDP, {udp_dst(500)},
                       src6(500, kUdp)));
    out.push_back(dark("ipv6_destination_options", "Destination Options before ICMPv6",
                       v6().ipv6_ext(60, 1).icmp(128, 0).build(), DS_PROTO_ICMPV6, DS_CLASS_ICMP_ECHO_REQUEST,
                       {icmp6(128, 0)}, src6(128 << 8, kIcmp6)));
    out.push_back(dark("ipv6_six_ext_headers", "six extension headers: the deepest chain followed",
                       v6().ipv6_ext(0).ipv6_ext(60).ipv6_ext(43).ipv6_ext(60).ipv6_ext(60).ipv6_ext(60)
                           .tcp(1, 25, SYN).build(),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(25)}, src6(25, kTcp)));
    out.push_back(malformed("ipv6_seven_ext_headers", "seven extension headers: ipv6_ext_too_deep (dark: dropped)",
                            v6().ipv6_ext(0).ipv6_ext(60).ipv6_ext(43).ipv6_ext(60).ipv6_ext(60).ipv6_ext(60)
                                .ipv6_ext(60).tcp(1, 25, SYN).build(),
                            DS_MAL_IPV6_EXT_TOO_DEEP, XDP_DROP));

    // Fragments: the first carries the L4 header and is classified by it; the
    // others are class `fragment` under their protocol, with port 0.
    const std::vector<uint32_t> first = {DS_MISC_FIRST_FRAGMENT};
    out.push_back(dark("ipv4_first_fragment", "MF set, offset 0: classified by its TCP header",
                       FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 9, 0x2000).tcp(5, 80, SYN).payload(8).build(),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(80)}, src4(80, kTcp), first));
    out.push_back(dark("ipv4_first_fragment_tcp_options_cut", "a first fragment may end inside the TCP options",
                       FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 9, 0x2000)
                           .tcp(5, 80, SYN, 0, 1024, std::vector<uint8_t>(20, 1)).truncated(kL4v4 + 24),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(80)}, src4(80, kTcp), first));
    out.push_back(malformed("ipv4_first_fragment_tcp_short", "a first fragment with 16 bytes of TCP: tcp_truncated",
                            FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 9, 0x2000).tcp(5, 80, SYN).truncated(kL4v4 + 16),
                            DS_MAL_TCP_TRUNCATED, XDP_DROP));
    out.push_back(dark("ipv4_non_first_fragment_tcp", "offset 185 x 8, MF set",
                       FrameBuilder().eth().ipv4(kSrc4, kDark4, kTcp, 9, 0x2000 | 185).payload(64).build(),
                       DS_PROTO_TCP, DS_CLASS_FRAGMENT, {}, src4(0, kTcp)));
    out.push_back(dark("ipv4_last_fragment_udp", "offset 185 x 8, MF clear",
                       FrameBuilder().eth().ipv4(kSrc4, kDark4, kUdp, 9, 185).payload(64).build(), DS_PROTO_UDP,
                       DS_CLASS_FRAGMENT, {}, src4(0, kUdp)));
    out.push_back(dark("ipv4_non_first_fragment_icmp", "an ICMP fragment",
                       FrameBuilder().eth().ipv4(kSrc4, kDark4, kIcmp, 9, 0x2000 | 1).payload(3).build(),
                       DS_PROTO_ICMP, DS_CLASS_FRAGMENT, {}, src4(0, kIcmp)));
    out.push_back(dark("ipv4_non_first_fragment_gre", "a GRE fragment",
                       FrameBuilder().eth().ipv4(kSrc4, kDark4, kGre, 9, 0x2000 | 7).payload(16).build(),
                       DS_PROTO_OTHER, DS_CLASS_FRAGMENT, {}, src4(0, kGre)));
    out.push_back(dark("ipv4_non_first_fragment_empty", "a fragment with no payload: no L4 header to cut off",
                       FrameBuilder().eth().ipv4(kSrc4, kDark4, kTcp, 9, 3).build(), DS_PROTO_TCP,
                       DS_CLASS_FRAGMENT, {}, src4(0, kTcp)));
    out.push_back(dark("ipv6_first_fragment", "Fragment header, offset 0, M set: classified by UDP",
                       v6().ipv6_frag(0, true).udp(53, 1024).payload(100).build(), DS_PROTO_UDP,
                       DS_CLASS_DNS_RESPONSE, {udp_bs(53)}, src6(53, kUdp, true),
                       {DS_MISC_FIRST_FRAGMENT, DS_MISC_DNS_SENT}));
    out.push_back(dark("ipv6_atomic_fragment", "Fragment header, offset 0, M clear (RFC 6946): not a first fragment",
                       v6().ipv6_frag(0, false).tcp(1, 80, SYN).build(), DS_PROTO_TCP, DS_CLASS_TCP_SYN,
                       {tcp_dst(80)}, src6(80, kTcp)));
    out.push_back(dark("ipv6_non_first_fragment", "offset 100 x 8",
                       v6().ipv6_frag(100, true).raw({0, 0, 0, 0}).build(), DS_PROTO_OTHER, DS_CLASS_FRAGMENT, {},
                       src6(0, 0)));
    // The fragment header's next header is the fragmented protocol.
    out.back().frame[kL4v6] = kTcp;
    out.back().stats = {DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_FRAGMENT)};
    out.back().sources = {src6(0, kTcp)};
    out.back().sources.back().no_port = true;
    out.push_back(dark("ipv6_non_first_fragment_after_ext", "Hop-by-Hop, Routing, then a non-first UDP fragment",
                       v6().ipv6_ext(0).ipv6_ext(43).ipv6_frag(5, false).udp(1, 2).build(), DS_PROTO_UDP,
                       DS_CLASS_FRAGMENT, {}, src6(0, kUdp)));
    out.push_back(dark("ipv6_first_fragment_tcp_options_cut", "an IPv6 first fragment may end inside the TCP options",
                       v6().ipv6_frag(0, true).tcp(5, 80, SYN, 0, 1024, std::vector<uint8_t>(20, 1)).truncated(kL4v6 + 8 + 20),
                       DS_PROTO_TCP, DS_CLASS_TCP_SYN, {tcp_dst(80)}, src6(80, kTcp), first));
    return out;
}

std::vector<Fixture> malformed_fixtures() {
    std::vector<Fixture> out;
    const auto tcp4 = v4().tcp(40000, 80, SYN);
    const auto tcp6 = v6().tcp(40000, 80, SYN);
    // Before the destination is known: passed.
    out.push_back(malformed("ipv4_truncated", "10 bytes of IPv4 header", tcp4.truncated(kL3 + 10),
                            DS_MAL_IPV4_TRUNCATED, XDP_PASS));
    out.push_back(malformed("ipv4_empty", "IPv4 ethertype, nothing after", tcp4.truncated(kL3), DS_MAL_IPV4_TRUNCATED,
                            XDP_PASS));
    out.push_back(malformed("ipv4_options_truncated", "IHL 15 with 24 bytes present",
                            FrameBuilder().eth().ipv4(kSrc4, kDark4, 0, 1, 0, std::vector<uint8_t>(40, 1))
                                .truncated(kL3 + 24),
                            DS_MAL_IPV4_TRUNCATED, XDP_PASS));
    out.push_back(malformed("ipv4_ihl4", "IHL 4", poke(tcp4.build(), kL3, 0x44), DS_MAL_IPV4_BAD_IHL, XDP_PASS));
    out.push_back(malformed("ipv4_ihl0", "IHL 0", poke(tcp4.build(), kL3, 0x40), DS_MAL_IPV4_BAD_IHL, XDP_PASS));
    out.push_back(malformed("ipv4_version6", "IPv4 ethertype, version 6", poke(tcp4.build(), kL3, 0x65),
                            DS_MAL_IPV4_BAD_VERSION, XDP_PASS));
    out.push_back(malformed("ipv4_version0", "IPv4 ethertype, version 0", poke(tcp4.build(), kL3, 0x05),
                            DS_MAL_IPV4_BAD_VERSION, XDP_PASS));
    out.push_back(malformed("ipv6_truncated", "30 bytes of IPv6 header", tcp6.truncated(kL3 + 30),
                            DS_MAL_IPV6_TRUNCATED, XDP_PASS));
    out.push_back(malformed("ipv6_version4", "IPv6 ethertype, version 4", poke(tcp6.build(), kL3, 0x40),
                            DS_MAL_IPV6_BAD_VERSION, XDP_PASS));
    out.push_back(malformed("ipv6_version0", "IPv6 ethertype, version 0", poke(tcp6.build(), kL3, 0x00),
                            DS_MAL_IPV6_BAD_VERSION, XDP_PASS));
    // A dark frame cut after its IP header: dropped.
    out.push_back(malformed("ipv6_ext_truncated", "Routing header of 24 bytes cut at 12",
                            v6().ipv6_ext(43, 2).tcp(1, 2, SYN).truncated(kL4v6 + 12), DS_MAL_IPV6_EXT_TRUNCATED,
                            XDP_DROP));
    out.push_back(malformed("ipv6_ext_truncated_before_length", "Hop-by-Hop cut after 2 bytes",
                            v6().ipv6_ext(0).tcp(1, 2, SYN).truncated(kL4v6 + 2), DS_MAL_IPV6_EXT_TRUNCATED, XDP_DROP));
    out.push_back(malformed("ipv6_fragment_header_truncated", "Fragment header cut after 6 bytes",
                            v6().ipv6_frag(0, true).tcp(1, 2, SYN).truncated(kL4v6 + 6), DS_MAL_IPV6_EXT_TRUNCATED,
                            XDP_DROP));
    out.push_back(malformed("tcp_truncated", "10 bytes of TCP", tcp4.truncated(kL4v4 + 10), DS_MAL_TCP_TRUNCATED,
                            XDP_DROP));
    out.push_back(malformed("tcp_empty", "TCP protocol, no header at all", tcp4.truncated(kL4v4),
                            DS_MAL_TCP_TRUNCATED, XDP_DROP));
    // Flags and ports are in the fixed header: a data offset past the frame is the
    // SYN it is, to its port and source, with the oddity counted apart.
    out.push_back(dark("tcp_options_cut", "doff 10 with 20 bytes present (not a fragment): a SYN, header cut counted",
                       v4().tcp(1, 2, SYN, 0, 1024, std::vector<uint8_t>(20, 1)).truncated(kL4v4 + 20), DS_PROTO_TCP,
                       DS_CLASS_TCP_SYN, {tcp_dst(2)}, src4(2, kTcp), {DS_MISC_TCP_HEADER_CUT}));
    out.push_back(dark("tcp_offset_24_header_20", "a 20-byte SYN claiming 24 (a scanner's shape), frame ends at 20",
                       poke(v4().tcp(40000, 23, SYN).build(), kL4v4 + 12, 0x60), DS_PROTO_TCP, DS_CLASS_TCP_SYN,
                       {tcp_dst(23)}, src4(23, kTcp), {DS_MISC_TCP_HEADER_CUT}));
    out.push_back(dark("tcp6_offset_24_header_20", "IPv6: a 20-byte SYN claiming 24",
                       poke(v6().tcp(40000, 23, SYN).build(), kL4v6 + 12, 0x60), DS_PROTO_TCP, DS_CLASS_TCP_SYN,
                       {tcp_dst(23)}, src6(23, kTcp), {DS_MISC_TCP_HEADER_CUT}));
    out.push_back(malformed("tcp6_truncated", "IPv6, 19 bytes of TCP", tcp6.truncated(kL4v6 + 19),
                            DS_MAL_TCP_TRUNCATED, XDP_DROP));
    out.push_back(malformed("tcp_doff4", "data offset 4", poke(tcp4.build(), kL4v4 + 12, 0x40),
                            DS_MAL_TCP_BAD_OFFSET, XDP_DROP));
    out.push_back(malformed("tcp_doff0", "data offset 0", poke(tcp4.build(), kL4v4 + 12, 0x00),
                            DS_MAL_TCP_BAD_OFFSET, XDP_DROP));
    out.push_back(malformed("udp_truncated", "4 bytes of UDP", v4().udp(1, 2).truncated(kL4v4 + 4),
                            DS_MAL_UDP_TRUNCATED, XDP_DROP));
    out.push_back(malformed("udp6_truncated", "IPv6, 7 bytes of UDP", v6().udp(1, 2).truncated(kL4v6 + 7),
                            DS_MAL_UDP_TRUNCATED, XDP_DROP));
    out.push_back(malformed("icmp_truncated", "2 bytes of ICMP", v4().icmp(8, 0).truncated(kL4v4 + 2),
                            DS_MAL_ICMP_TRUNCATED, XDP_DROP));
    out.push_back(malformed("icmpv6_truncated", "3 bytes of ICMPv6", v6().icmp(128, 0).truncated(kL4v6 + 3),
                            DS_MAL_ICMP_TRUNCATED, XDP_DROP));
    out.push_back(dark("icmp_four_bytes", "type, code and checksum are enough", v4().icmp(3, 1).truncated(kL4v4 + 4),
                       DS_PROTO_ICMP, DS_CLASS_ICMP_UNREACHABLE, {icmp(3, 1)}, src4(0x0301, kIcmp, true)));
    return out;
}

std::vector<Fixture> dark_or_not_fixtures() {
    std::vector<Fixture> out;
    out.push_back(passed("not_dark_v4", "destination outside the dark prefixes",
                         v4(kSrc4, kLight4).tcp(1, 80, SYN).build(), DS_PASS_NOT_DARK));
    out.push_back(passed("not_dark_v6", "IPv6 destination outside the dark prefixes",
                         v6(kSrc6, kLight6).tcp(1, 80, SYN).build(), DS_PASS_NOT_DARK));
    out.push_back(passed("not_dark_next_to_prefix", "198.51.101.9: one past the /24",
                         v4(kSrc4, "198.51.101.9").udp(1, 2).build(), DS_PASS_NOT_DARK));
    out.push_back(passed("not_dark_truncated_tcp", "a cut TCP header to a non-dark address is not looked at",
                         v4(kSrc4, kLight4).tcp(1, 80, SYN).truncated(kL4v4 + 4), DS_PASS_NOT_DARK));
    out.push_back(passed("not_dark_bad_ext", "IPv6 extension headers of non-dark traffic are not walked",
                         v6(kSrc6, kLight6).ipv6_ext(43, 2).truncated(kL4v6 + 4), DS_PASS_NOT_DARK));
    out.push_back(passed("not_dark_allowlisted_source", "not dark comes first",
                         v4(kAllowed4, kLight4).tcp(1, 80, SYN).build(), DS_PASS_NOT_DARK));
    out.push_back(passed("allowlisted_v4", "source in the allowlist",
                         v4(kAllowed4, kDark4).tcp(1, 80, SYN).build(), DS_PASS_ALLOWLISTED));
    out.push_back(passed("allowlisted_v6", "IPv6 source in the allowlist",
                         v6(kAllowed6, kDark6).udp(1, 80).build(), DS_PASS_ALLOWLISTED));
    out.push_back(passed("allowlisted_malformed_l4", "allowlisted traffic is not parsed further",
                         v4(kAllowed4, kDark4).tcp(1, 80, SYN).truncated(kL4v4 + 3), DS_PASS_ALLOWLISTED));
    out.push_back(dark("dark_v4_prefix_edge", "198.51.100.255: last address of the dark /24",
                       v4(kSrc4, "198.51.100.255").tcp(1, 80, SYN).build(), DS_PROTO_TCP, DS_CLASS_TCP_SYN,
                       {tcp_dst(80)}, src4(80, kTcp)));
    out.push_back(dark("dark_source_next_to_allowlist", "192.0.3.1 is not allowlisted",
                       v4("192.0.3.1", kDark4).tcp(1, 80, SYN).build(), DS_PROTO_TCP, DS_CLASS_TCP_SYN,
                       {tcp_dst(80)}, {"192.0.3.1", 80, kTcp, false}));
    return out;
}

std::vector<Fixture> all_fixtures() {
    std::vector<Fixture> out;
    for (auto part : {tcp_fixtures(), udp_icmp_other_fixtures(), l2_fixtures(), l3_fixtures(), malformed_fixtures(),
                      dark_or_not_fixtures()})
        out.insert(out.end(), part.begin(), part.end());
    return out;
}

DataPlaneConfig fixture_config() {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
    cfg.allowed_sources = {Prefix::parse("192.0.2.0/24"), Prefix::parse("2001:db8:a11::/48")};
    cfg.source_map_entries = 1024;
    return cfg;
}

// Runs `frames` through dp and checks every counter against the fixture, times `n`.
void expect_effect(DataPlane& dp, const Fixture& f, int n = 1) {
    SCOPED_TRACE("fixture " + f.name + ": " + f.description);
    ASSERT_TRUE(dp.drain_sources(true).empty()) << "entries left over from an earlier case";
    test::CounterSnapshot before(dp);
    for (int i = 0; i < n; ++i)
        EXPECT_EQ(dp.test_run(f.frame.data(), static_cast<uint32_t>(f.frame.size())), f.verdict) << "verdict";
    const uint64_t len = f.frame.size();

    std::vector<ds_counter> stats = before.stats_delta();
    for (uint32_t i = 0; i < DS_STATS_ENTRIES; ++i) {
        uint64_t want = n * std::count(f.stats.begin(), f.stats.end(), i);
        EXPECT_EQ(stats[i].packets, want) << "packets of stats " << test::stats_name(i);
        EXPECT_EQ(stats[i].bytes, want * len) << "bytes of stats " << test::stats_name(i);
    }
    std::vector<ds_counter> ports = before.ports_delta();
    for (uint32_t i = 0; i < ports.size(); ++i) {
        uint64_t want = n * std::count(f.ports.begin(), f.ports.end(), i);
        if (ports[i].packets != want || ports[i].bytes != want * len)
            ADD_FAILURE() << "port_stats " << test::port_index_name(i) << ": " << ports[i].packets << " packets, "
                          << ports[i].bytes << " bytes; want " << want << " packets";
    }
    std::vector<SourceEntry> sources = dp.drain_sources(true);
    ASSERT_EQ(sources.size(), f.sources.size()) << "per-source entries";
    for (const SourceExpect& s : f.sources) {
        const ds_source_key want = test::source_key(s.addr, s.port, s.proto, s.backscatter, s.rst, s.syn_tool, s.no_port);
        auto it = std::find_if(sources.begin(), sources.end(),
                               [&](const SourceEntry& e) { return test::same_key(e.key, want); });
        if (it == sources.end()) {
            ADD_FAILURE() << "no per-source entry " << test::key_str(want) << "; got " << test::key_str(sources[0].key);
            continue;
        }
        EXPECT_EQ(it->value.packets, static_cast<uint64_t>(n));
        EXPECT_EQ(it->value.bytes, n * len);
        EXPECT_GT(it->value.first_seen_ns, 0u);
        EXPECT_LE(it->value.first_seen_ns, it->value.last_seen_ns);
    }
}

class FrameFixture : public ::testing::TestWithParam<Fixture> {
protected:
    static void SetUpTestSuite() { dp_ = std::make_unique<DataPlane>(fixture_config()); }
    static void TearDownTestSuite() { dp_.reset(); }
    static std::unique_ptr<DataPlane> dp_;
};
std::unique_ptr<DataPlane> FrameFixture::dp_;

TEST_P(FrameFixture, CountsExactly) { expect_effect(*dp_, GetParam()); }

INSTANTIATE_TEST_SUITE_P(DataPlane, FrameFixture, ::testing::ValuesIn(all_fixtures()),
                         [](const ::testing::TestParamInfo<Fixture>& info) { return info.param.name; });

// Every frame lands in exactly one class, pass or malformed entry.
TEST(DataPlaneTotals, ClassPassMalformedSumToFramesSent) {
    DataPlane dp(fixture_config());
    const std::vector<Fixture> fixtures = all_fixtures();
    uint64_t bytes = 0;
    for (const Fixture& f : fixtures) {
        dp.test_run(f.frame.data(), static_cast<uint32_t>(f.frame.size()));
        bytes += f.frame.size();
    }
    const std::vector<ds_counter> stats = dp.read_stats();
    uint64_t packets = 0, counted_bytes = 0;
    for (uint32_t i = 0; i < DS_STATS_MISC_BASE; ++i) {
        packets += stats[i].packets;
        counted_bytes += stats[i].bytes;
    }
    EXPECT_EQ(packets, fixtures.size());
    EXPECT_EQ(counted_bytes, bytes);
}

// pass_dark: dark frames go to the stack (a mirror port) but are counted all the same.
TEST(DataPlaneKnobs, PassDarkPassesButCounts) {
    DataPlaneConfig cfg = fixture_config();
    cfg.pass_dark = true;
    DataPlane dp(cfg);
    Fixture syn = dark("pass_dark_syn", "a dark SYN with pass_dark", v4().tcp(1, 445, SYN).build(), DS_PROTO_TCP,
                       DS_CLASS_TCP_SYN, {tcp_dst(445)}, src4(445, kTcp));
    syn.verdict = XDP_PASS;
    expect_effect(dp, syn);
    expect_effect(dp, malformed("pass_dark_tcp_truncated", "a dark cut TCP header with pass_dark",
                                v4().tcp(1, 445, SYN).truncated(kL4v4 + 8), DS_MAL_TCP_TRUNCATED, XDP_PASS));
    expect_effect(dp, passed("pass_dark_not_dark", "not dark stays not dark",
                             v4(kSrc4, kLight4).tcp(1, 445, SYN).build(), DS_PASS_NOT_DARK));
}

// Sources are aggregated to the configured prefix: the key holds the masked address.
TEST(DataPlaneKnobs, SourcePrefixAggregation) {
    DataPlaneConfig cfg = fixture_config();
    cfg.source_prefix_v4 = 24;
    cfg.source_prefix_v6 = 48;
    DataPlane dp(cfg);
    const char* v4srcs[] = {"203.0.113.7", "203.0.113.200", "203.0.113.0", "198.18.7.9"};
    const char* v6srcs[] = {"2001:db8:1:2::7", "2001:db8:1:ffff:1:2:3:4", "2001:db8:2::1"};
    for (const char* s : v4srcs) {
        auto f = v4(s, kDark4).tcp(1, 80, SYN).build();
        ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
    }
    for (const char* s : v6srcs) {
        auto f = v6(s, kDark6).tcp(1, 80, SYN).build();
        ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
    }
    const uint64_t len4 = v4().tcp(1, 80, SYN).build().size(), len6 = v6().tcp(1, 80, SYN).build().size();
    struct Want {
        const char* key;
        uint64_t packets, bytes;
    };
    const Want want[] = {{"203.0.113.0", 3, 3 * len4},
                         {"198.18.7.0", 1, len4},
                         {"2001:db8:1::", 2, 2 * len6},
                         {"2001:db8:2::", 1, len6}};
    std::vector<SourceEntry> got = dp.drain_sources(true);
    ASSERT_EQ(got.size(), std::size(want));
    for (const Want& w : want) {
        const ds_source_key k = test::source_key(w.key, 80, kTcp, false, false, DS_TOOL_UNKNOWN);
        auto it = std::find_if(got.begin(), got.end(), [&](const SourceEntry& e) { return test::same_key(e.key, k); });
        ASSERT_NE(it, got.end()) << "no entry " << test::key_str(k);
        EXPECT_EQ(it->value.packets, w.packets) << w.key;
        EXPECT_EQ(it->value.bytes, w.bytes) << w.key;
    }
    EXPECT_EQ(dp.read_stats()[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].packets, 7u);
}

// Prefix lengths off the byte boundary mask inside a byte.
TEST(DataPlaneKnobs, SourcePrefixAggregationInsideAByte) {
    DataPlaneConfig cfg = fixture_config();
    cfg.source_prefix_v4 = 19;   // 203.0.127.255 -> 203.0.96.0
    cfg.source_prefix_v6 = 37;   // 2001:db8:ffff:: -> 2001:db8:f800::
    DataPlane dp(cfg);
    auto f4 = v4("203.0.127.255", kDark4).udp(1, 7).build();
    auto f6 = v6("2001:db8:ffff::1", kDark6).udp(1, 7).build();
    dp.test_run(f4.data(), static_cast<uint32_t>(f4.size()));
    dp.test_run(f6.data(), static_cast<uint32_t>(f6.size()));
    std::vector<SourceEntry> got = dp.drain_sources(true);
    ASSERT_EQ(got.size(), 2u);
    for (const char* key : {"203.0.96.0", "2001:db8:f800::"}) {
        const ds_source_key k = test::source_key(key, 7, kUdp, false);
        EXPECT_TRUE(std::any_of(got.begin(), got.end(), [&](const SourceEntry& e) { return test::same_key(e.key, k); }))
            << "no entry " << test::key_str(k) << "; got " << test::key_str(got[0].key) << ", "
            << test::key_str(got[1].key);
    }
}

// A full per-source map refuses new keys: the packet is counted in
// DS_MISC_UNATTRIBUTED, every class and port counter stays exact, known keys
// keep counting, and the next buffer has room again.
TEST(DataPlaneKnobs, FullSourceMapCountsUnattributed) {
    DataPlaneConfig cfg = fixture_config();
    cfg.source_map_entries = 4;
    cfg.source_cache_slots = 0;  // the hash alone (source_table_test.cpp has the table in front)
    DataPlane dp(cfg);
    const std::vector<std::string> srcs = {"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4",
                                           "203.0.113.5", "203.0.113.6", "203.0.113.1"};
    uint64_t len = 0;
    for (const std::string& s : srcs) {
        auto f = v4(s.c_str(), kDark4).tcp(1, 445, SYN).build();
        len = f.size();
        ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
    }
    std::vector<ds_counter> stats = dp.read_stats();
    EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].packets, 7u);
    EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].bytes, 7 * len);
    EXPECT_EQ(stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 2u);
    EXPECT_EQ(stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].bytes, 2 * len);
    EXPECT_EQ(dp.read_port_stats()[tcp_dst(445)].packets, 7u);
    std::vector<SourceEntry> got = dp.drain_sources(true);
    ASSERT_EQ(got.size(), 4u);
    uint64_t attributed = 0;
    for (const SourceEntry& e : got) {
        attributed += e.value.packets;
        const bool first = test::same_key(e.key, test::source_key("203.0.113.1", 445, kTcp, false, false, DS_TOOL_UNKNOWN));
        EXPECT_EQ(e.value.packets, first ? 2u : 1u) << test::key_str(e.key);
    }
    EXPECT_EQ(attributed + stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, srcs.size());

    // After the swap the fresh buffer takes the sources that found no room.
    auto f = v4("203.0.113.6", kDark4).tcp(1, 445, SYN).build();
    dp.test_run(f.data(), static_cast<uint32_t>(f.size()));
    got = dp.drain_sources(true);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_TRUE(test::same_key(got[0].key, test::source_key("203.0.113.6", 445, kTcp, false, false, DS_TOOL_UNKNOWN)));
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 2u);
}

// Drains alternate the two buffers and table generations; whatever the order of
// runs and drains, every packet is returned by exactly one drain. Parameter:
// per-source table slots (0: no table; 4: one set, most keys go to the hash).
class DataPlaneDrain : public ::testing::TestWithParam<uint32_t> {};

TEST_P(DataPlaneDrain, DoubleBufferLosesAndDuplicatesNothing) {
    DataPlaneConfig cfg = fixture_config();
    cfg.source_cache_slots = GetParam();
    DataPlane dp(cfg);
    EXPECT_EQ(dp.source_table_slots(), GetParam());
    std::map<std::string, uint64_t> sent, drained;
    auto fold = [&](const std::vector<SourceEntry>& entries) {
        for (const SourceEntry& e : entries) {
            const std::string k = test::key_str(e.key);
            drained[k] += e.value.packets;
        }
    };
    auto send = [&](int round, int count) {
        for (int i = 0; i < count; ++i) {
            const std::string src = "198.18." + std::to_string(round) + "." + std::to_string(i % 7);
            auto f = v4(src.c_str(), kDark4).udp(1000, static_cast<uint16_t>(100 + i % 3)).build();
            ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
            ++sent[test::key_str(test::source_key(src, static_cast<uint16_t>(100 + i % 3), kUdp, false))];
        }
    };
    send(1, 50);
    fold(dp.drain_sources(true));
    fold(dp.drain_sources(true));  // twice in a row: the second finds nothing new
    send(2, 30);
    send(3, 20);
    fold(dp.drain_sources(true));
    send(4, 10);
    fold(dp.drain_sources(false));  // in place (replay)
    send(5, 5);
    fold(dp.drain_sources(true));
    fold(dp.drain_sources(true));
    fold(dp.drain_sources(false));
    EXPECT_EQ(drained, sent);
    uint64_t total = 0;
    for (auto& [k, n] : drained) total += n;
    EXPECT_EQ(total, 115u);
    EXPECT_EQ(dp.read_stats()[DS_STATS_CLASS(DS_PROTO_UDP, DS_CLASS_UDP)].packets, 115u);
}

INSTANTIATE_TEST_SUITE_P(CacheSlotsPerCpu, DataPlaneDrain, ::testing::Values(0u, 4u, 4096u));

}  // namespace
