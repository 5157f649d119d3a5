// The live agent's backscatter analysis: each poll's drained source entries go to
// the VictimTracker (dated by the wall clock), ended attacks to the attack log; a
// thread reads the data plane's DNS ring buffer into the DNS zone tracker. Gives
// the collector its view and `darkscope status` its JSON (status_file.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backscatter/attack_log.h"
#include "backscatter/victims.h"
#include "cli/backscatter_options.h"
#include "dns/backscatter_tracker.h"
#include "dns/dns_event_reader.h"
#include "exposition/backscatter_collector.h"

namespace darkscope {

class BackscatterMonitor {
public:
    // Loads the Public Suffix List and opens the attack log (when configured), before
    // anything is attached. Throws std::runtime_error with one line.
    BackscatterMonitor(const VictimConfig& victims, const dns::BackscatterConfig& dns,
                       const LiveBackscatterOptions& live);
    ~BackscatterMonitor();
    // Starts a thread reading the data plane's dns_events ring buffer.
    void start_dns_events(int dns_ringbuf_fd);

    // One poll: entries drained now, now_ns the wall clock, day the current day.
    void poll(const std::vector<SourceEntry>& entries, int64_t now_ns,
              const std::function<int64_t(uint64_t)>& to_unix_ns, const VictimTracker::CountryLookup& country,
              const std::string& day);
    // Agent shutdown: attacks going on end ("shutdown") and are logged.
    void finish();

    BackscatterView view() const;  // DNS event counters left for the caller
    // What `darkscope status` shows: active attacks and the top DNS zones today.
    nlohmann::json status(size_t top_attacks, size_t top_zones) const;

private:
    void log_ended();

    VictimTracker victims_;
    dns::BackscatterTracker dns_;
    std::unique_ptr<AttackLog> log_;
    std::unique_ptr<dns::DnsEventReader> reader_;
};

}  // namespace darkscope
