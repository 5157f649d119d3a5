// `darkscope replay`: runs captures through the very XDP program and accumulator
// the live sensor uses (BPF_PROG_TEST_RUN, no interface), the capture's own
// timestamps driving the days.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "accumulator/accumulator.h"
#include "backscatter/victims.h"
#include "dataplane/data_plane.h"
#include "dns/backscatter_tracker.h"
#include "exposition/backscatter_collector.h"

namespace darkscope {

struct ReplayOptions {
    DataPlaneConfig dataplane;        // prefixes, allowlist, source prefix lengths
    AccumulatorConfig accumulator;    // tracked ports, day time zone
    VictimConfig victims;             // attack thresholds, driven by capture time
    dns::BackscatterConfig dns;       // DNS zone table (every DNS frame is read: no rate limit)
    // Capture time between two drains of the per-source map: the resolution of attack
    // start and end times (every packet drained at once is dated at the drain).
    int64_t backscatter_resolution_ns = 1'000'000'000;
    CountryLookup country;            // GeoIP; empty: every source is "ZZ"
    int64_t interval_ns = 60'000'000'000;  // capture time between counter snapshots
    // Count frames DS_REPLAY_BATCH_FRAMES per BPF_PROG_TEST_RUN (DataPlaneConfig::
    // replay_batches); false: one per run, the way tests check the batches against.
    bool batches = true;
    // Called with (bytes read so far, total bytes) now and then: the progress bar.
    std::function<void(uint64_t, uint64_t)> progress;
    // Called at the end of each interval with the capture time, the accumulator and
    // the backscatter figures: the OpenMetrics writer samples the metric families there.
    std::function<void(int64_t, const Accumulator&, const BackscatterView&)> on_interval;
};

// Exact, unbounded per-port numbers of a capture (the live exporter bounds them).
struct PortDetail {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t sources = 0;
};

struct ReplayResult {
    std::vector<std::string> files;
    uint64_t frames = 0;
    int64_t first_ts_ns = 0, last_ts_ns = 0;
    Snapshot snapshot;                               // the same numbers `run` exports
    std::map<std::pair<std::string, uint16_t>, PortDetail> ports;  // probe ("tcp"/"udp", dst port)
    std::map<std::string, PortDetail> countries;     // probe packets and sources, whole capture
    uint64_t distinct_sources = 0;                   // probe sources, whole capture
    std::array<uint64_t, DS_TOOL_COUNT> tool_sources{};  // SYN sources per enum ds_tool, whole capture
    std::vector<ds_counter> port_stats;              // raw kernel port array (ICMP types, backscatter)
    std::vector<AttackEvent> attacks;                // every attack, in the order they ended
    BackscatterView backscatter;                     // at the end (every attack ended by then)
    // Attributed SYNs per enum ds_tool and destination port, from the per-source entries.
    std::array<std::map<uint16_t, uint64_t>, DS_TOOL_COUNT> tool_ports;
    // Port combinations over the whole capture (each source's set of ports of interest,
    // every day together), the top kTopCombinations exact sets.
    PortCombinationSnapshot combinations;
    // BPF_PROG_TEST_RUN calls made: one per batch of up to DS_REPLAY_BATCH_FRAMES
    // frames (more when a run stops at DS_REPLAY_RUN_INSERTS hash inserts), or one per
    // frame when the kernel refused the batch program (batch_error then says why).
    uint64_t test_runs = 0;
    std::string batch_error;
    std::string error;                               // set when a file failed part-way
};

// Throws std::runtime_error when the data plane cannot load. A capture that
// cannot be read stops the replay: result.error says why, and what was counted
// before is in the result.
ReplayResult replay(const std::vector<std::string>& files, const ReplayOptions& options);

}  // namespace darkscope
