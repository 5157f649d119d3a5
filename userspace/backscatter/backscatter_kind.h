// What kind of backscatter a drained per-source entry holds, from its key alone:
// the data plane files backscatter under the victim's source port (TCP/UDP) or
// ICMP type << 8 | code, and marks TCP RSTs apart from SYN-ACKs (abi.h).
#pragma once

#include <cstdint>
#include <optional>

#include "darkscope/abi.h"

namespace darkscope {

// The ds_class of a backscatter entry (DS_CLASS_TCP_SYNACK, DS_CLASS_TCP_RST,
// DS_CLASS_DNS_RESPONSE, DS_CLASS_UDP_REFLECTION, DS_CLASS_ICMP_ECHO_REPLY, DS_CLASS_ICMP_UNREACHABLE,
// DS_CLASS_ICMP_TIME_EXCEEDED); nothing for a probe entry.
std::optional<uint32_t> backscatter_class(const ds_source_key& key);

// True for the kinds whose key port is an ICMP type << 8 | code.
inline bool is_icmp_kind(uint32_t cls) {
    return cls == DS_CLASS_ICMP_ECHO_REPLY || cls == DS_CLASS_ICMP_UNREACHABLE || cls == DS_CLASS_ICMP_TIME_EXCEEDED;
}

}  // namespace darkscope
