// Writes the metric families of `darkscope run`, sampled at each replay interval,
// as one OpenMetrics text file with timestamps, so that
// `promtool tsdb create-blocks-from openmetrics` backfills a capture into Prometheus.
//
// A series is written at an interval end only when a query could tell the
// difference (docs/replay.md, "Which samples are written"): when it appears, when
// its value changes (with its sample of the interval before, if not yet written),
// when its last written sample is refresh_ms old (so that an instant query, which
// looks back 5 minutes, still finds it), and at its last interval. Every query at an
// interval end then reads what a sample at every interval would give.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "accumulator/accumulator.h"

namespace darkscope {

class OpenMetricsWriter {
public:
    using Families = std::function<std::vector<prometheus::MetricFamily>(const Snapshot&)>;
    // Prometheus's default lookback (--query.lookback-delta): an unchanged series is
    // written again once its last written sample is this old. 0: every sample.
    static constexpr int64_t kRefreshMs = 5 * 60 * 1000;

    explicit OpenMetricsWriter(Families families, int64_t refresh_ms = kRefreshMs)
        : families_(std::move(families)), refresh_ms_(refresh_ms) {}

    // Samples at unix_ns; a later call at the same millisecond replaces its values.
    void sample(int64_t unix_ns, const Snapshot& snapshot);
    // Writes every sample kept (the last interval's included). Throws
    // std::runtime_error when the file cannot be written.
    void write(const std::string& path);

private:
    using Sample = std::pair<int64_t, double>;  // (ms, value)
    struct Series {
        std::string labels;           // {a="b",...} in OpenMetrics syntax
        std::vector<Sample> samples;  // written, in time order
        Sample latest{};              // at the last interval the series was in
        bool latest_written = false;
        uint64_t seen_at = 0;         // that interval's number
    };
    struct Family {
        prometheus::MetricType type;
        std::string help;
        std::map<std::string, Series> series;  // by label text
    };
    // Decides, for the interval sampled last, which samples to write.
    void commit();
    // Writes the unwritten last sample of every series not seen at that interval.
    void write_latest(uint64_t unless_seen_at);

    Families families_;
    int64_t refresh_ms_;
    std::map<std::string, Family> out_;  // by family name
    // The last interval, kept until a later one arrives: several flushes can share a
    // millisecond (a day change inside an interval) and the last one's values count.
    int64_t staged_ms_ = 0;
    std::map<Series*, double> staged_;
    uint64_t intervals_ = 0;
};

}  // namespace darkscope
