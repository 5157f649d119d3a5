// Building prometheus::MetricFamily values by hand, for the collectors that make
// their families at scrape time (collector.cpp, backscatter_collector.cpp).
#pragma once

#include <prometheus/metric_family.h>

#include <utility>
#include <vector>

namespace darkscope {

using MetricLabels = std::vector<prometheus::ClientMetric::Label>;

inline prometheus::MetricFamily family(const char* name, const char* help, prometheus::MetricType type) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    return f;
}

// One sample: a counter's or a gauge's value, by the family's type.
inline void add(prometheus::MetricFamily& f, MetricLabels labels, double value) {
    prometheus::ClientMetric m;
    m.label = std::move(labels);
    if (f.type == prometheus::MetricType::Counter)
        m.counter.value = value;
    else
        m.gauge.value = value;
    f.metric.push_back(std::move(m));
}

}  // namespace darkscope
