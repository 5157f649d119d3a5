// Options of backscatter analysis shared by `darkscope run` and `darkscope replay`:
// the attack thresholds (Moore et al. by default) and the DNS zone table; and the
// live-only ones (attack log, DNS ring-buffer rate). Each subcommand registers them
// on itself; --config YAML files give the same keys (docs/configuration.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "backscatter/victims.h"
#include "cli/common_options.h"
#include "cli/duration.h"
#include "dataplane/data_plane.h"
#include "dns/backscatter_tracker.h"

namespace CLI {
class App;
}

namespace darkscope {

struct BackscatterOptions {
    uint64_t attack_min_packets = 25;
    std::string attack_min_duration = "60s";
    uint64_t attack_window_packets = 30;
    std::string attack_window = "60s";
    std::string attack_timeout = "5m";
    size_t max_victims = 100000;
    size_t dns_max_zones = 4096;
    size_t dns_top_zones = 20;
    uint64_t dns_zone_min_messages = 100;
    uint64_t dns_random_min_names = 100;
    double dns_random_min_share = 0.5;
    std::string public_suffix_list;  // empty: Debian's
};

// Only `darkscope run`: where ended attacks are written, and how fast the data
// plane may send DNS backscatter up.
struct LiveBackscatterOptions {
    std::string attack_log;  // empty: no log
    size_t attack_log_max_bytes = 10 * 1024 * 1024;
    size_t attack_log_max_files = 5;
    uint32_t dns_events_per_second = 10000;
    uint32_t dns_event_burst = 1000;
};

void add_backscatter_options(CLI::App& cmd, BackscatterOptions& opts);
void add_live_backscatter_options(CLI::App& cmd, LiveBackscatterOptions& opts);

// Checks and converts; throw std::invalid_argument with a one-line message.
VictimConfig victim_config(const BackscatterOptions& opts, const CommonOptions& common, const DataPlaneConfig& dp);
dns::BackscatterConfig dns_backscatter_config(const BackscatterOptions& opts);
void apply_live_backscatter_options(const LiveBackscatterOptions& opts, DataPlaneConfig& dp);

}  // namespace darkscope
