// Where drained per-source entries go, the same for `darkscope run` and `darkscope
// replay`: one drain of the data plane feeds the accumulator and the victim
// tracker, dated by a DrainClock; the DNS zone tracker is fed from the ring buffer
// beside it. Live and replay differ only in the clock, in whether the map is
// swapped, and in whether a thread reads the DNS events.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "accumulator/accumulator.h"
#include "backscatter/victims.h"
#include "dataplane/data_plane.h"
#include "dns/backscatter_tracker.h"
#include "dns/dns_event_reader.h"
#include "drain/drain_clock.h"
#include "exposition/backscatter_collector.h"

namespace darkscope {

class SourcePipeline {
public:
    // Each attack that ends goes to `ended` (live: the attack log; replay: the report).
    using AttackSink = std::function<void(AttackEvent&&)>;
    // Loads the Public Suffix List (dns). Throws std::runtime_error with one line.
    SourcePipeline(Accumulator& acc, const VictimConfig& victims, const dns::BackscatterConfig& dns,
                   AttackSink ended);
    ~SourcePipeline();
    SourcePipeline(const SourcePipeline&) = delete;
    SourcePipeline& operator=(const SourcePipeline&) = delete;

    // Reads the data plane's dns_events ring buffer from now on: with thread (live)
    // a thread waits for events; without, read_dns() and each drain() read it.
    void open_dns_events(int ringbuf_fd, bool thread);
    void read_dns();  // what waits in the ring buffer now (no thread)

    // One drain of the per-source map (swap: live, see DataPlane::drain_sources),
    // into the accumulator and the victim tracker, dated by clock; ended attacks go
    // to the sink. Returns the entries drained.
    std::vector<SourceEntry> drain(DataPlane& dp, bool swap, const DrainClock& clock, const CountryLookup& country);
    // DNS zones count per day: moves them to `day` (never back).
    void dns_day(const std::string& day) { dns_.advance_to(day); }
    // No more DNS events; attacks going on end for `reason` and go to the sink.
    void finish(const std::string& reason);

    // Victims and DNS zones (top_zones of them, 0: none listed); the DNS event
    // counters and attack-log errors are the caller's.
    BackscatterView view(size_t top_zones) const;
    const VictimTracker& victims() const { return victims_; }
    const dns::BackscatterTracker& dns() const { return dns_; }

private:
    void hand_ended();

    Accumulator& acc_;
    VictimTracker victims_;
    dns::BackscatterTracker dns_;
    AttackSink ended_;
    std::unique_ptr<dns::DnsEventReader> reader_;
    bool reader_thread_ = false;
};

}  // namespace darkscope
