#include "backscatter/backscatter_ports.h"

#include <algorithm>

#include "backscatter/backscatter_kind.h"
#include "dataplane/names.h"

namespace darkscope {

BackscatterPorts::BackscatterPorts(BackscatterPortConfig config) : config_(std::move(config)) {
    for (uint32_t cls : {DS_CLASS_TCP_SYNACK, DS_CLASS_TCP_RST}) {
        for (uint16_t port : config_.tracked_ports) packets_[{class_name(cls), std::to_string(port)}] = 0;
        packets_[{class_name(cls), "other"}] = 0;
    }
    packets_[{class_name(DS_CLASS_DNS_RESPONSE), "53"}] = 0;
}

BackscatterLabel BackscatterPorts::label_of(uint32_t cls, uint16_t port) {
    if (is_icmp_kind(cls)) return {class_name(cls), std::to_string(port & 0xff)};
    // Always 53, and one of the few configured reflection ports: bounded.
    if (cls == DS_CLASS_DNS_RESPONSE || cls == DS_CLASS_UDP_REFLECTION) return {class_name(cls), std::to_string(port)};
    const auto& tracked = config_.tracked_ports;
    auto& admitted = admitted_[cls];
    if (std::find(tracked.begin(), tracked.end(), port) != tracked.end() || admitted.count(port))
        return {class_name(cls), std::to_string(port)};
    return {class_name(cls), "other"};
}

void BackscatterPorts::add(const ds_source_key& key, uint32_t cls, uint64_t packets) {
    const BackscatterLabel label = label_of(cls, key.port);
    packets_[label] += packets;
    if (label.port != "other") return;
    // What a port had before its admission stays in "other", which never shrinks, and
    // its own series starts with it too: every packet from its first (docs/metrics.md).
    uint64_t& seen = unlabelled_[(cls << 16) | key.port];
    seen += packets;
    auto& admitted = admitted_[cls];
    if (seen >= config_.auto_admit_packets && admitted.size() < config_.max_auto_ports) {
        admitted.insert(key.port);
        packets_.try_emplace({class_name(cls), std::to_string(key.port)}, seen);
        unlabelled_.erase((cls << 16) | key.port);
    }
}

}  // namespace darkscope
