// Turns what the data plane counts into the numbers the reports are made of:
// cumulative per-class/port counters that only ever grow, per-country packets,
// and unique sources per day (overall, per tracked port, per country).
// Used alike by `darkscope run` (live) and `darkscope replay` (captures).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "darkscope/abi.h"
#include "dataplane/country_lookup.h"
#include "dataplane/entries.h"
#include "dataplane/source_addr.h"
#include "accumulator/cross_tab.h"
#include "accumulator/port_combinations.h"
#include "accumulator/scan_detector.h"
#include "accumulator/source_index.h"
#include "accumulator/source_sketches.h"
#include "fingerprint/signatures.h"
#include "hashing/keyed_hash.h"
#include "fingerprint/tool_counts.h"

namespace darkscope {

// A bounded port label: a tracked port number, or "other".
struct PortLabel {
    std::string protocol;  // "tcp", "udp", "icmp" (port = ICMP type), "icmpv6"
    std::string port;      // "445" or "other"
    auto operator<=>(const PortLabel&) const = default;
};

struct AccumulatorConfig {
    // Ports always exported with their own series (TCP and UDP alike).
    std::vector<uint16_t> tracked_ports;
    // Further ports admitted automatically once they reach this many probe
    // packets, up to max_auto_ports per protocol; the rest go to port="other".
    uint64_t auto_admit_packets = 100;
    size_t max_auto_ports = 50;
    // Today's busiest destination ports per protocol (TCP, UDP) exported as per-day
    // gauges, exact from each port's first packet of the day (every ICMP type seen
    // today is exported too: at most 256 per family).
    size_t top_today = 20;
    // IANA zone name in which days begin ("UTC", "Asia/Tokyo"). The process's
    // local time zone is set to it (one sensor, one day boundary).
    std::string day_timezone = "UTC";
    // Named port combinations (--port-combination) and the cap on sources whose
    // port set is kept per day (--port-combination-max-sources).
    std::vector<NamedCombination> port_combinations;
    size_t port_combination_max_sources = 262144;
    uint32_t port_combination_max_ports = 32;  // more distinct ports in a day: a scanner, left out
    ScanConfig scans;  // --scan-* options
    // Distinct sources per day kept exactly, each with its country, ports and tools
    // (--day-max-sources; docs/operations.md gives the bytes each costs). Past it the
    // day's unique-source figures are HyperLogLog estimates (source_sketches.h).
    size_t day_max_sources = size_t{1} << 20;
    // Header signatures: rows listed, labels exported, admission threshold.
    SignatureConfig signatures;
    // Countries per destination port label (darkscope_port_country_packets_total):
    // --port-country-top countries admitted per port, --port-country-min-packets each.
    CrossTabConfig port_countries;
    // Destination ports per watched source port (darkscope_source_port_destination_packets_total):
    // --source-port-destination-top ports per source port, --source-port-destination-min-packets each.
    CrossTabConfig source_port_dests;
};

struct DayTotals {
    uint64_t packets = 0;  // attributed dark probe+backscatter packets that day
    uint64_t sources = 0;  // distinct source prefixes that day
};

// A consistent copy of everything exported, taken under the lock.
// Probe packets today of one destination port (ICMP: type), from the drained entries.
struct PortToday {
    std::string protocol;  // "tcp", "udp", "icmp", "icmpv6"
    uint16_t port = 0;     // ICMP: the type
    uint64_t packets = 0;
};

struct Snapshot {
    std::vector<ds_counter> stats;  // DS_STATS_ENTRIES, cumulative (abi.h layout)
    // Today (day-boundary time zone): the busiest top_today TCP and UDP ports and every
    // ICMP type, busiest first per protocol, and the probe packets of every country.
    std::vector<PortToday> ports_today;
    std::map<std::string, uint64_t> country_packets_today;
    std::map<PortLabel, ds_counter> port_packets;  // probe packets by destination port
    std::map<PortLabel, uint64_t> port_sources;    // distinct sources today
    std::map<std::string, ds_counter> country_packets;  // attributed packets by country
    std::map<std::string, uint64_t> country_sources;    // distinct sources today
    // Attributed probe packets by destination port label and source country (cumulative):
    // the admitted countries of each port label and "other" (cross_tab.h).
    std::map<PortLabel, std::map<std::string, uint64_t>> port_country_packets;
    // Probes from each watched source port by destination port (cumulative, from the
    // source port's admission): the admitted destination ports and "other".
    std::map<SourcePort, std::map<std::string, uint64_t>> source_port_dest_packets;
    uint64_t sources_today = 0;
    // Today's / the last closed day's unique-source figures are estimates: more
    // distinct sources came than day_max_sources (darkscope_sources_estimated).
    bool sources_estimated = false;
    bool previous_day_sources_estimated = false;
    ToolCounts tools;                            // SYNs per tool (cumulative)
    std::array<uint64_t, DS_TOOL_COUNT> tool_sources{};  // distinct SYN sources today, by enum ds_tool
    SignatureTop signature_top;        // busiest header signatures and source ports (cumulative)
    SignatureExport signature_export;  // the bounded labels exported as metrics
    std::string today;                           // "2026-11-22" in the day timezone
    std::map<std::string, DayTotals> days;       // every day seen since start
    // The last closed day (in the day timezone; "" before the first boundary): its
    // probe packets and distinct sources, overall and per country (issue #16: daily
    // bars that follow the sensor's day, docs/metrics.md "Closed days").
    std::string previous_day;
    DayTotals previous_day_totals;
    std::map<std::string, uint64_t> previous_day_country_sources;
    PortCombinationSnapshot combinations;        // today; the top kTopCombinations exact sets
    ScanSnapshot scans;                          // the kTopCombinations biggest scanners
};

constexpr size_t kTopCombinations = 20;

class Accumulator {
public:
    explicit Accumulator(AccumulatorConfig config);

    // Replaces the kernel snapshot (DataPlane::read_counters()). An empty
    // port_stats keeps the previous one (the live poll leaves it to scrapes).
    void update(const KernelCounters& counters);
    // The same with the per-port array given apart (counters.port_stats is ignored):
    // `ports` is the whole array, of which only the entries at `changed` can differ
    // from the array given last (replay's PortStatsMirror knows which), so the update
    // costs what changed instead of 393,216 entries (issue #17).
    void update(const KernelCounters& counters, const std::vector<ds_counter>& ports,
                const std::vector<uint32_t>& changed);
    // Only the signatures map (replay between two reads of the counters): admits busy
    // source ports, so that they are watched from then on.
    void update_signatures(const std::vector<SignatureEntry>& signatures);
    // The source ports admitted to darkscope_source_port_packets_total: the data plane
    // counts their probes by destination port (DataPlane::watch_source_ports).
    std::vector<ds_source_port_key> watched_source_ports() const;

    // Folds drained per-source entries. to_unix_ns maps an entry's
    // bpf_ktime_get_coarse_ns() timestamp to wall-clock (live) or capture time (replay).
    void add_sources(const std::vector<SourceEntry>& entries, const std::function<int64_t(uint64_t)>& to_unix_ns,
                     const CountryLookup& country);

    // Moves "today" forward when the wall clock passes a day boundary even if no
    // packet arrived (live agent: called every poll).
    void advance_to(int64_t unix_ns);

    Snapshot snapshot() const;
    // What the status file shows (no counter arrays: cheap enough for every poll).
    Snapshot summary() const;
    std::string day_of(int64_t unix_ns) const;  // "YYYY-MM-DD" in the configured zone
    // The 15-minute block of UTC time holding unix_ns. Every time zone in use today is
    // offset from UTC by a multiple of 15 minutes, so day_of() never changes inside a
    // block: callers that need the day of many times look it up once per block.
    static int64_t day_block(int64_t unix_ns) {
        constexpr int64_t kBlock = 900LL * 1'000'000'000;
        return unix_ns >= 0 ? unix_ns / kBlock : (unix_ns - kBlock + 1) / kBlock;
    }

    // The accumulator's own figures (not the kernel's counters, which live in the
    // pinned maps), so a restarted agent continues them (accumulator_state.cpp).
    void save(std::ostream& out) const;
    // Replaces them with a saved copy. Throws std::runtime_error with one line for a
    // file that is not one, is damaged, or was saved under another configuration
    // (tracked ports, day time zone); the accumulator is then unchanged.
    void load(std::istream& in);

private:
    struct SourceDay {
        uint16_t country = 0;         // index in countries_
        absl::InlinedVector<uint32_t, 4> labels;  // port labels hit today (label_id), usually few: inline
        uint8_t tools = 0;             // bit t: sent a SYN attributed to enum ds_tool t today
        SourceCombination combination;  // its slot in combinations_ and its ports today
    };
    using AddrKey = SourceAddr;
    using AddrHash = SourceAddrHash;
    void roll_day(const std::string& day);
    void fill_summary(Snapshot& s) const;  // under mu_: what summary() and snapshot() share
    uint32_t label_id(uint32_t slot, uint16_t port) const;  // bit 31: the slot's "other"
    PortLabel label_of(uint32_t id) const;
    bool is_labelled(uint32_t slot, uint16_t port) const;
    void update_counters(const KernelCounters& k);  // under mu_: all but the port array
    // Under mu_: takes the entries at `changed` from `ports`, keeping the views below.
    void update_ports(const std::vector<ds_counter>& ports, const std::vector<uint32_t>& changed);
    void rebuild_port_views();  // under mu_: the views below from scratch
    // Admits the busy ports among these (index, count last exported) pairs.
    void admit_busy_ports(const std::vector<std::pair<uint32_t, ds_counter>>& candidates);
    void fill_ports_today(Snapshot& s) const;  // under mu_
    // Under mu_: the source's state today, added if new; a scratch one (not kept) when
    // the set is full. Feeds the sketches and the exact counts of a source it keeps.
    // addr_hash: its SourceAddrHash (today's index); hash: its sketch hash.
    SourceDay& source_today(const AddrKey& addr, size_t addr_hash, uint64_t hash, DayTotals& day,
                            const CountryLookup& country, SourceDay& scratch);
    // Under mu_: country_packets_ of a country index, found once per index (a node of
    // the map, stable until load() replaces the map and forgets these).
    ds_counter& country_packets_of(uint16_t ci);
    void add_late_source(const AddrKey& addr);  // an entry of yesterday's, drained today
    void sketch_loaded_sets();  // the sketches of a state file written before they existed
    // Today's unique-source figure: the exact count, or past the cap the larger of it
    // and the sketch's estimate (the exact count of the set is a floor).
    uint64_t today_figure(uint64_t exact, uint64_t sketch) const {
        return today_estimated_ ? std::max(exact, sketch) : exact;
    }
    uint64_t sources_today() const { return today_figure(today_sources_.size(), today_sketches_.sources()); }
    uint64_t country_sources_today(uint16_t ci) const;
    uint64_t tool_sources_today(uint32_t tool) const { return today_figure(tool_sources_[tool], today_sketches_.tool(tool)); }

    AccumulatorConfig config_;
    mutable std::mutex mu_;
    std::vector<ds_counter> stats_;
    std::vector<ds_counter> port_stats_;
    // Per protocol slot: admitted port -> kernel count at admission (so "other"
    // keeps what it had and never shrinks).
    std::map<uint32_t, std::map<uint16_t, ds_counter>> admitted_;
    // Views of port_stats_ kept up to date entry by entry, so that neither an update
    // nor a snapshot walks the 65,536 ports of a slot (replay samples thousands of
    // times: issue #17). Rebuilt whole at the first update and after load().
    std::vector<bool> labelled_;  // by port index: tracked or admitted
    std::array<ds_counter, DS_PORT_SLOTS> unlabelled_{};  // per slot: its ports not labelled, summed
    std::map<uint32_t, ds_counter> icmp_types_;  // ICMP(v6) label_id -> its codes summed
    bool rebuild_ports_ = true;
    std::vector<std::string> countries_;               // index -> ISO code
    std::unordered_map<std::string, uint16_t> country_index_;
    std::map<std::string, ds_counter> country_packets_;
    std::vector<ds_counter*> country_packets_at_;  // by country index, into country_packets_
    // Today's attributed probe packets per (probe slot, port) and per country index.
    std::vector<uint64_t> ports_today_;  // kTodaySlots x 65,536
    std::vector<uint32_t> ports_today_used_;  // the indices of ports_today_ not 0, in no order
    absl::flat_hash_map<uint16_t, uint64_t> country_packets_today_;  // flat: one lookup per drained entry
    // Today's sources: address -> index into today_days_, where their states lie dense
    // in arrival order. A slot of the index is 24 bytes, so a table at its load limit
    // costs less than a node per source did; the day ends whole (no source is erased).
    SourceIndex today_sources_;
    std::vector<SourceDay> today_days_;
    std::vector<size_t> entry_hashes_;  // add_sources()'s scratch: each entry's SourceAddrHash
    absl::flat_hash_map<uint32_t, uint64_t> label_sources_;  // label_id -> sources today
    std::unordered_map<uint16_t, uint64_t> country_sources_;
    std::unordered_map<uint16_t, uint64_t> previous_country_sources_;  // of yesterday_, kept at its end
    ToolCounts tools_;
    PortCombinations combinations_;
    ScanDetector scans_;
    SignatureBook signatures_;
    CrossTab port_countries_;  // row: label_id, column: country index
    CrossTab source_port_dests_;  // row: proto << 16 | source port, column: destination port
    std::array<uint64_t, DS_TOOL_COUNT> tool_sources_{};
    std::unordered_set<uint32_t> labels_seen_;  // exported once, exported for good
    std::unordered_set<uint16_t> countries_seen_;
    std::string today_;
    std::map<std::string, DayTotals> days_;
    // Today's sources past day_max_sources are counted in the sketches alone.
    // The sketches hash sources under a key saved with them in the state file.
    HashKey sketch_key_ = HashKey::random();
    SourceSketches today_sketches_;
    bool today_estimated_ = false;
    // Yesterday's set, moved (not copied) at the boundary, for entries that arrive
    // late; its sketch and flag go on with it.
    SourceIndex yesterday_sources_;  // today's index, moved at the boundary: the keys matter
    DistinctCounter yesterday_sketch_;
    bool yesterday_estimated_ = false;
    std::string yesterday_;

};

}  // namespace darkscope
