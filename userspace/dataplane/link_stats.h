// The receive counters the kernel keeps for an interface (what `ip -s link`
// shows), read over rtnetlink (RTM_GETLINK, IFLA_STATS64). Packets the NIC or the
// stack dropped before the XDP program saw them are counted only there: without
// them a darknet sensor cannot tell how much it missed (capture loss, as Zeek and
// Suricata report it).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace darkscope {

struct LinkReceiveStats {
    uint64_t packets = 0;
    // (reason, count): dropped (rx_dropped: no buffer, or no protocol took the
    // packet), missed (rx_missed_errors: the NIC's ring was full), fifo
    // (rx_fifo_errors), overrun (rx_over_errors), no_handler (rx_nohandler).
    std::vector<std::pair<std::string, uint64_t>> drops;
};

// The reasons in LinkReceiveStats::drops, in that order (the metric's label set).
const std::vector<std::string>& link_drop_reasons();

// Reads the interface's counters in the calling thread's network namespace.
// Throws std::runtime_error naming the interface.
LinkReceiveStats read_link_receive_stats(const std::string& interface);

}  // namespace darkscope
