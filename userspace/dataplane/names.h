// The names the data plane's enums go by in metrics, JSON and status output.
#pragma once

#include <cstdint>

namespace darkscope {

const char* class_name(uint32_t cls);           // "syn", "synack", ..., "fragment"
const char* proto_name(uint32_t proto);         // "tcp", "udp", "icmp", "icmpv6", "other"
// An IP protocol number by name: 6 "tcp", 17 "udp", 1 "icmp", 58 "icmpv6", any other "other".
const char* ip_protocol_name(uint8_t ip_proto);
// The IP protocol of a port-array slot (enum ds_port_slot): "tcp", "udp", "icmp", "icmpv6".
const char* slot_protocol_name(uint32_t slot);
const char* pass_reason_name(uint32_t reason);  // "non_ip", "not_dark", "allowlisted"
const char* malformed_reason_name(uint32_t reason);  // "tcp_truncated", ...
const char* misc_name(uint32_t what);           // "unattributed", ..., "dns_ringbuf_full"
bool class_is_backscatter(uint32_t cls);

}  // namespace darkscope
