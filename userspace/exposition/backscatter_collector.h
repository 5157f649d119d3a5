// The Prometheus view of backscatter: DoS victims (attacks active and started,
// packets by kind and victim port) and DNS backscatter by zone, with the counters
// of the data plane's DNS ring buffer. Its own Collectable, registered beside the
// main Collector on the same path; replay's OpenMetrics file uses families().
// Victim addresses and query names are never labels; zones are bounded (the
// tracker admits at most --dns-top-zones, the rest is zone="other").
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "backscatter/victims.h"
#include "dns/backscatter_tracker.h"

namespace darkscope {

struct BackscatterView {
    BackscatterSnapshot victims;
    dns::BackscatterSnapshot dns;  // taken with top = 0: zone rows are not needed here
    // The data plane's DNS event counters (DS_MISC_DNS_*).
    uint64_t dns_sent = 0, dns_rate_limited = 0, dns_ringbuf_full = 0;
    std::optional<uint64_t> attack_log_write_errors;  // set when an attack log is written
};

// Reads the DS_MISC_DNS_* counters out of a summed stats array.
void set_dns_event_counters(BackscatterView& view, const std::vector<ds_counter>& stats);

class BackscatterCollector : public prometheus::Collectable {
public:
    explicit BackscatterCollector(std::function<BackscatterView()> view) : view_(std::move(view)) {}
    std::vector<prometheus::MetricFamily> Collect() const override { return families(view_()); }

    static std::vector<prometheus::MetricFamily> families(const BackscatterView& view);

private:
    std::function<BackscatterView()> view_;
};

}  // namespace darkscope
