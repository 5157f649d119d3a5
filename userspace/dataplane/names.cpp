#include "dataplane/names.h"

#include <iterator>

#include "darkscope/abi.h"

namespace darkscope {

const char* class_name(uint32_t cls) {
    static constexpr const char* names[] = {
        "syn", "synack", "rst", "ack", "fin", "null", "xmas", "tcp_other",
        "udp", "dns_response", "udp_reflection",
        "echo_request", "echo_reply", "unreachable", "time_exceeded", "icmp_other",
        "other_proto", "fragment",
    };
    static_assert(std::size(names) == DS_CLASS_COUNT, "a name for every value of the enum");
    return cls < DS_CLASS_COUNT ? names[cls] : "unknown";
}

const char* proto_name(uint32_t proto) {
    static constexpr const char* names[] = {"tcp", "udp", "icmp", "icmpv6", "other"};
    static_assert(std::size(names) == DS_PROTO_COUNT, "a name for every value of the enum");
    return proto < DS_PROTO_COUNT ? names[proto] : "unknown";
}

const char* pass_reason_name(uint32_t reason) {
    static constexpr const char* names[] = {"non_ip", "not_dark", "allowlisted"};
    static_assert(std::size(names) == DS_PASS_COUNT, "a name for every value of the enum");
    return reason < DS_PASS_COUNT ? names[reason] : "unknown";
}

const char* malformed_reason_name(uint32_t reason) {
    static constexpr const char* names[] = {
        "eth_truncated", "vlan_truncated", "vlan_too_deep",
        "ipv4_truncated", "ipv4_bad_ihl", "ipv4_bad_version",
        "ipv6_truncated", "ipv6_bad_version", "ipv6_ext_truncated", "ipv6_ext_too_deep",
        "tcp_truncated", "tcp_bad_offset", "udp_truncated", "icmp_truncated",
        "mpls_truncated",
    };
    static_assert(std::size(names) == DS_MAL_COUNT, "a name for every value of the enum");
    return reason < DS_MAL_COUNT ? names[reason] : "unknown";
}

const char* misc_name(uint32_t what) {
    static constexpr const char* names[] = {
        "unattributed", "first_fragment", "vlan_tagged", "dns_sent", "dns_rate_limited", "dns_ringbuf_full",
        "signature_full", "tcp_header_cut", "source_port_dest_full",
    };
    static_assert(std::size(names) == DS_MISC_COUNT, "a name for every value of the enum");
    return what < DS_MISC_COUNT ? names[what] : "unknown";
}

const char* ip_protocol_name(uint8_t ip_proto) {
    switch (ip_proto) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    }
    return "other";
}

const char* slot_protocol_name(uint32_t slot) {
    switch (slot) {
    case DS_SLOT_TCP_DST:
    case DS_SLOT_TCP_SRC_BACKSCATTER: return ip_protocol_name(6);
    case DS_SLOT_UDP_DST:
    case DS_SLOT_UDP_SRC_BACKSCATTER: return ip_protocol_name(17);
    case DS_SLOT_ICMP: return ip_protocol_name(1);
    case DS_SLOT_ICMPV6: return ip_protocol_name(58);
    }
    return "other";
}

bool class_is_backscatter(uint32_t cls) { return cls < DS_CLASS_COUNT && DS_CLASS_IS_BACKSCATTER(cls); }

}  // namespace darkscope
