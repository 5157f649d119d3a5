// The metric families `darkscope run` serves, built by the same collectors from a
// replay's samples: what `replay --openmetrics` writes at each interval.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <vector>

#include "accumulator/accumulator.h"
#include "exposition/backscatter_collector.h"
#include "exposition/collector.h"

namespace darkscope {

class RunFamilies {
public:
    explicit RunFamilies(std::vector<uint16_t> tracked_ports);
    RunFamilies(const RunFamilies&) = delete;
    RunFamilies& operator=(const RunFamilies&) = delete;

    std::vector<prometheus::MetricFamily> operator()(const Snapshot& snapshot, const BackscatterView& backscatter);

private:
    Snapshot sampled_;
    Collector collector_;  // reads sampled_; remembers the label sets exported so far
};

}  // namespace darkscope
