// Test helpers over a loaded DataPlane: names of stats indices for failure
// messages, and the change of every counter across a block of test runs.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "dataplane/names.h"
#include "dataplane/prefix.h"

namespace darkscope::test {

// "class tcp/syn", "pass not_dark", "malformed tcp_truncated", "misc first_fragment".
inline std::string stats_name(uint32_t i) {
    if (i < DS_STATS_PASS_BASE)
        return std::string("class ") + proto_name(i / DS_CLASS_COUNT) + "/" + class_name(i % DS_CLASS_COUNT);
    if (i < DS_STATS_MALFORMED_BASE) return std::string("pass ") + pass_reason_name(i - DS_STATS_PASS_BASE);
    if (i < DS_STATS_MISC_BASE) return std::string("malformed ") + malformed_reason_name(i - DS_STATS_MALFORMED_BASE);
    return std::string("misc ") + misc_name(i - DS_STATS_MISC_BASE);
}

// "tcp_dst 445", "icmp 0x0303", ...
inline std::string port_index_name(uint32_t i) {
    static const char* const slots[DS_PORT_SLOTS] = {"tcp_dst", "udp_dst", "tcp_src_backscatter",
                                                     "udp_src_backscatter", "icmp", "icmpv6"};
    const uint32_t slot = i / DS_PORTS_PER_SLOT, port = i % DS_PORTS_PER_SLOT;
    return std::string(slot < DS_PORT_SLOTS ? slots[slot] : "unknown") + " " + std::to_string(port);
}

// The counters before a block of runs; delta() returns what changed since.
class CounterSnapshot {
public:
    explicit CounterSnapshot(const DataPlane& dp)
        : dp_(dp), stats_(dp.read_stats()), ports_(dp.read_port_stats()) {}
    static std::vector<ds_counter> minus(const std::vector<ds_counter>& a, const std::vector<ds_counter>& b) {
        std::vector<ds_counter> d(a.size());
        for (size_t i = 0; i < a.size(); ++i) d[i] = {a[i].packets - b[i].packets, a[i].bytes - b[i].bytes};
        return d;
    }
    std::vector<ds_counter> stats_delta() const { return minus(dp_.read_stats(), stats_); }
    std::vector<ds_counter> ports_delta() const { return minus(dp_.read_port_stats(), ports_); }

private:
    const DataPlane& dp_;
    std::vector<ds_counter> stats_, ports_;
};

// The key of a per-source entry as the program builds it; syn_tool: the enum
// ds_tool of a TCP SYN (without ACK) key, -1 for every other key.
inline ds_source_key source_key(const std::string& addr, uint16_t port, uint8_t proto, bool backscatter,
                                bool rst = false, int syn_tool = -1, bool no_port = false) {
    Prefix p = Prefix::parse(addr);
    ds_source_key k{};
    std::copy(p.addr.begin(), p.addr.end(), k.addr);
    k.port = port;
    k.proto = proto;
    k.info = static_cast<uint8_t>(p.family | (backscatter ? DS_KEY_BACKSCATTER : 0) | (rst ? DS_KEY_RST : 0) |
                                  (syn_tool >= 0 ? DS_KEY_SYN(syn_tool) : 0) | (no_port ? DS_KEY_NO_PORT : 0));
    return k;
}

inline bool same_key(const ds_source_key& a, const ds_source_key& b) {
    return std::equal(a.addr, a.addr + 16, b.addr) && a.port == b.port && a.proto == b.proto && a.info == b.info;
}

inline std::string key_str(const ds_source_key& k) {
    return format_address(DS_KEY_FAMILY(k.info), k.addr) + " proto " + std::to_string(k.proto) + " port " +
           std::to_string(k.port) + ((k.info & DS_KEY_BACKSCATTER) ? " backscatter" : "") +
           ((k.info & DS_KEY_BACKSCATTER) && (k.info & DS_KEY_RST) ? " rst" : "") +
           (DS_KEY_HAS_PORT(k.info) ? "" : " no port") +
           (DS_KEY_IS_SYN(k.info) ? " syn tool " + std::to_string(DS_KEY_SYN_TOOL(k.info)) : "");
}

}  // namespace darkscope::test
