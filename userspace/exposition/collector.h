// The Prometheus view of a sensor: a prometheus::Collectable that builds every
// darkscope_* family when scraped, from an Accumulator snapshot and the agent's
// health. Series once exported keep being exported (at their last value, or 0 for
// per-day gauges), so counters never vanish between scrapes.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "accumulator/accumulator.h"
#include "dataplane/data_plane.h"
#include "geoip/geoip.h"

namespace darkscope {

struct MapUsage {
    std::string map;  // "sources", "dark_prefixes", "allowed_sources", "signatures"
    uint64_t entries = 0;
    uint64_t max_entries = 0;
};

// What the agent knows about itself at scrape time.
struct AgentHealth {
    std::vector<Attachment> attachments;
    std::vector<MapUsage> maps;
    double poll_duration_seconds = 0;  // the last poll
    uint64_t polls = 0;                // polls completed since start
    std::vector<GeoIpDatabaseInfo> geoip;
    std::map<std::string, uint64_t> file_write_failures;  // "state", "status" -> failed writes since start
};

class Collector : public prometheus::Collectable {
public:
    // tracked_ports are pre-set to 0 for TCP and UDP so their series exist from the start.
    Collector(std::function<Snapshot()> snapshot, std::function<AgentHealth()> health,
              std::vector<uint16_t> tracked_ports);

    std::vector<prometheus::MetricFamily> Collect() const override;

private:
    std::function<Snapshot()> snapshot_;
    std::function<AgentHealth()> health_;
    std::vector<uint16_t> tracked_ports_;
    // Label sets exported so far (Collect runs on the web server's threads).
    mutable std::mutex mu_;
    mutable std::set<std::pair<uint32_t, uint32_t>> classes_seen_;  // (proto, class)
    mutable std::set<PortLabel> ports_seen_;
    mutable std::set<std::string> countries_seen_;
};

// Which (protocol, class) pairs the data plane can produce; exported from the start.
bool class_combination_possible(uint32_t proto, uint32_t cls);

}  // namespace darkscope
