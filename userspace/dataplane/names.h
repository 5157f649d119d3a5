// The names the data plane's enums go by in metrics, JSON and status output.
#pragma once

#include <cstdint>

namespace darkscope {

const char* class_name(uint32_t cls);           // "syn", "synack", ..., "fragment"
const char* proto_name(uint32_t proto);         // "tcp", "udp", "icmp", "icmpv6", "other"
const char* pass_reason_name(uint32_t reason);  // "non_ip", "not_dark", "allowlisted"
const char* malformed_reason_name(uint32_t reason);  // "tcp_truncated", ...
const char* misc_name(uint32_t what);           // "unattributed", ..., "dns_ringbuf_full"
bool class_is_backscatter(uint32_t cls);

}  // namespace darkscope
