// The live side of the drain pipeline (drain/source_pipeline.h): each poll drains
// the data plane into the accumulator and the VictimTracker, dated by the wall
// clock; ended attacks go to the attack log; a thread reads the data plane's DNS
// ring buffer into the DNS zone tracker. Gives the collector its view and
// `darkscope status` its JSON (status_file.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backscatter/attack_log.h"
#include "cli/backscatter_options.h"
#include "drain/source_pipeline.h"
#include "exposition/backscatter_collector.h"

namespace darkscope {

class BackscatterMonitor {
public:
    // Loads the Public Suffix List and opens the attack log (when configured), before
    // anything is attached. Throws std::runtime_error with one line.
    BackscatterMonitor(Accumulator& acc, const VictimConfig& victims, const dns::BackscatterConfig& dns,
                       const LiveBackscatterOptions& live);
    ~BackscatterMonitor();
    // Starts a thread reading the data plane's dns_events ring buffer.
    void start_dns_events(int dns_ringbuf_fd);

    // One poll: drains the data plane (swapping buffers) into the accumulator and
    // the victims, dated by the wall clock; moves the DNS zones to `day`. Returns
    // the entries drained.
    std::vector<SourceEntry> poll(DataPlane& dp, const DrainClock& clock, const CountryLookup& country,
                                  const std::string& day);
    // Agent shutdown: attacks going on end ("shutdown") and are logged.
    void finish();

    BackscatterView view() const;  // DNS event counters left for the caller
    // What `darkscope status` shows: active attacks and the top DNS zones today.
    nlohmann::json status(size_t top_attacks, size_t top_zones) const;

private:
    void log_ended(const AttackEvent& ev);

    std::unique_ptr<AttackLog> log_;
    SourcePipeline pipeline_;
};

}  // namespace darkscope
