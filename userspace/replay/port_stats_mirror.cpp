#include "replay/port_stats_mirror.h"

#include <algorithm>

namespace darkscope {

uint64_t port_class_packets(const std::vector<ds_counter>& stats) {
    uint64_t packets = 0;
    for (uint32_t proto = 0; proto < DS_PROTO_COUNT; ++proto)
        for (uint32_t cls = 0; cls < DS_CLASS_COUNT; ++cls)
            if (cls != DS_CLASS_FRAGMENT && cls != DS_CLASS_OTHER_PROTO)
                packets += stats.at(DS_STATS_CLASS(proto, cls)).packets;
    return packets;
}

void PortStatsMirror::note(const std::vector<SourceEntry>& entries) {
    for (const SourceEntry& e : entries) {
        if (!DS_KEY_HAS_PORT(e.key.info)) continue;  // non-first fragments: no entry
        // Probe and backscatter slots alike: reading one entry too many costs a
        // lookup, missing one a whole read.
        switch (e.key.proto) {
        case 6:
            changed_.push_back(DS_PORT_INDEX(DS_SLOT_TCP_DST, e.key.port));
            changed_.push_back(DS_PORT_INDEX(DS_SLOT_TCP_SRC_BACKSCATTER, e.key.port));
            break;
        case 17:
            changed_.push_back(DS_PORT_INDEX(DS_SLOT_UDP_DST, e.key.port));
            changed_.push_back(DS_PORT_INDEX(DS_SLOT_UDP_SRC_BACKSCATTER, e.key.port));
            break;
        case 1: changed_.push_back(DS_PORT_INDEX(DS_SLOT_ICMP, e.key.port)); break;     // type << 8 | code
        case 58: changed_.push_back(DS_PORT_INDEX(DS_SLOT_ICMPV6, e.key.port)); break;
        }
    }
}

const std::vector<ds_counter>& PortStatsMirror::read(const DataPlane& dp, const std::vector<ds_counter>& stats) {
    const uint64_t expected = port_class_packets(stats);
    last_read_.clear();
    if (!ports_.empty() && packets_ != expected) {
        std::sort(changed_.begin(), changed_.end());
        changed_.erase(std::unique(changed_.begin(), changed_.end()), changed_.end());
        for (uint32_t i : changed_) packets_ -= ports_[i].packets;
        dp.read_port_stats_at(changed_, ports_);
        for (uint32_t i : changed_) packets_ += ports_[i].packets;
        entry_reads_ += changed_.size();
        last_read_ = changed_;
    }
    if (ports_.empty() || packets_ != expected) {
        std::vector<ds_counter> whole = dp.read_port_stats();
        last_read_.clear();
        for (uint32_t i = 0; i < whole.size(); ++i)
            if (ports_.empty() || whole[i].packets != ports_[i].packets || whole[i].bytes != ports_[i].bytes)
                last_read_.push_back(i);
        ports_ = std::move(whole);
        packets_ = 0;
        for (const ds_counter& c : ports_) packets_ += c.packets;
        full_reads_++;
    }
    changed_.clear();
    return ports_;
}

}  // namespace darkscope
