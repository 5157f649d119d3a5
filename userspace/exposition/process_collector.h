// The standard process metrics every Prometheus client library exports
// (client_golang's process collector), read from /proc/self at scrape time:
// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds. prometheus-cpp has none.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace darkscope {

struct ProcessFigures {
    double cpu_seconds = 0;         // user + system time
    uint64_t resident_bytes = 0;    // RSS
    uint64_t virtual_bytes = 0;
    uint64_t open_fds = 0;
    uint64_t max_fds = 0;           // soft RLIMIT_NOFILE
    double start_time_seconds = 0;  // since 1970
};

// From /proc/self (and /proc/stat's btime); nothing when they cannot be read.
std::optional<ProcessFigures> read_process_figures();

class ProcessCollector : public prometheus::Collectable {
public:
    std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace darkscope
