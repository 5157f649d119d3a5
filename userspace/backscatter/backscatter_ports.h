// Backscatter packets by kind and victim port with a bounded label set, for
// darkscope_backscatter_packets_total{kind,port}: TCP victim ports are labelled
// when tracked (--track-port) or busy (admitted automatically, as probe ports
// are), else summed in "other"; DNS responses always come from port 53; ICMP
// kinds are labelled by their code. Victim addresses are never labels.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "darkscope/abi.h"

namespace darkscope {

struct BackscatterLabel {
    std::string kind;  // class name: synack, rst, dns_response, echo_reply, unreachable, time_exceeded
    std::string port;  // victim port or "other"; for ICMP kinds the ICMP code
    auto operator<=>(const BackscatterLabel&) const = default;
};

struct BackscatterPortConfig {
    std::vector<uint16_t> tracked_ports;  // always labelled
    uint64_t auto_admit_packets = 100;    // an untracked port with this many packets gets its own label
    size_t max_auto_ports = 50;           // per kind
};

class BackscatterPorts {
public:
    explicit BackscatterPorts(BackscatterPortConfig config);

    // Counts packets of one drained backscatter entry of class cls (backscatter_kind.h).
    void add(const ds_source_key& key, uint32_t cls, uint64_t packets);

    // Every label exported so far (the tracked ones from the start), cumulative.
    const std::map<BackscatterLabel, uint64_t>& packets() const { return packets_; }

private:
    BackscatterLabel label_of(uint32_t cls, uint16_t port);

    BackscatterPortConfig config_;
    std::map<uint32_t, std::set<uint16_t>> admitted_;   // per TCP kind
    std::unordered_map<uint32_t, uint64_t> unlabelled_;  // (cls << 16 | port) -> packets filed in "other"
    std::map<BackscatterLabel, uint64_t> packets_;
};

}  // namespace darkscope
