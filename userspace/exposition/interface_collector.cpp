#include "exposition/interface_collector.h"

#include <stdexcept>

#include "dataplane/link_stats.h"
#include "exposition/metric_families.h"

namespace darkscope {

std::vector<prometheus::MetricFamily> InterfaceCollector::Collect() const {
    using prometheus::MetricType;
    auto packets = family("darkscope_interface_receive_packets_total",
                          "Packets the interface received, by the kernel's count (rx_packets).", MetricType::Counter);
    auto drops = family("darkscope_interface_receive_drops_total",
                        "Packets the interface dropped on receive before the XDP program saw them, by the kernel's "
                        "counters (reason: dropped, missed, fifo, overrun, no_handler).",
                        MetricType::Counter);
    for (const std::string& interface : interfaces_) {
        LinkReceiveStats st;
        try {
            st = read_link_receive_stats(interface);
        } catch (const std::runtime_error&) {
            continue;  // the interface is gone: darkscope_xdp_attached says so
        }
        add(packets, {{"interface", interface}}, static_cast<double>(st.packets));
        for (const auto& [reason, n] : st.drops)
            add(drops, {{"interface", interface}, {"reason", reason}}, static_cast<double>(n));
    }
    return {std::move(packets), std::move(drops)};
}

}  // namespace darkscope
