#include "replay/run_families.h"

namespace darkscope {

RunFamilies::RunFamilies(std::vector<uint16_t> tracked_ports)
    : collector_([this] { return sampled_; }, [] { return AgentHealth{}; }, std::move(tracked_ports)) {}

std::vector<prometheus::MetricFamily> RunFamilies::operator()(const Snapshot& snapshot,
                                                              const BackscatterView& backscatter) {
    sampled_ = snapshot;
    std::vector<prometheus::MetricFamily> families = collector_.Collect();
    for (auto& f : BackscatterCollector::families(backscatter)) families.push_back(std::move(f));
    return families;
}

}  // namespace darkscope
