// Well-known UDP ports of reflection/amplification: a datagram *from* one of them
// to a dark address is a victim's reply to a request spoofed with that address
// (backscatter), never a probe. The data plane counts them as DNS responses (53)
// or UDP reflection replies, by the victim's port (docs/dataplane.md).
#pragma once

#include <cstdint>
#include <vector>

namespace darkscope {

// chargen 19, QOTD 17, DNS 53, portmap 111, NTP 123, NetBIOS 137, SNMP 161, CLDAP 389,
// SSDP 1900, WS-Discovery 3702, mDNS 5353, memcached 11211.
const std::vector<uint16_t>& default_reflection_ports();

}  // namespace darkscope
