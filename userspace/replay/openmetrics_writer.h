// Writes the metric families of `darkscope run`, sampled at each replay interval,
// as one OpenMetrics text file with timestamps, so that
// `promtool tsdb create-blocks-from openmetrics` backfills a capture into Prometheus.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "accumulator/accumulator.h"

namespace darkscope {

class OpenMetricsWriter {
public:
    using Families = std::function<std::vector<prometheus::MetricFamily>(const Snapshot&)>;
    explicit OpenMetricsWriter(Families families) : families_(std::move(families)) {}

    void sample(int64_t unix_ns, const Snapshot& snapshot);
    // Throws std::runtime_error when the file cannot be written.
    void write(const std::string& path) const;

private:
    struct Series {
        std::string labels;                         // {a="b",...} in OpenMetrics syntax
        std::vector<std::pair<int64_t, double>> samples;  // (ms, value), in time order
    };
    struct Family {
        prometheus::MetricType type;
        std::string help;
        std::map<std::string, Series> series;  // by label text
    };
    Families families_;
    std::map<std::string, Family> out_;  // by family name
};

}  // namespace darkscope
