// darkscope_interface_receive_packets_total and
// darkscope_interface_receive_drops_total{interface,reason}: the kernel's receive
// counters of each interface the sensor is attached to, read over rtnetlink when
// Prometheus scrapes. The drops are packets that never reached the XDP program
// (the NIC's ring was full, say): the sensor's capture loss.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace darkscope {

class InterfaceCollector : public prometheus::Collectable {
public:
    explicit InterfaceCollector(std::vector<std::string> interfaces) : interfaces_(std::move(interfaces)) {}
    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    std::vector<std::string> interfaces_;
};

}  // namespace darkscope
