// Scan events: a source prefix that, within a window, sends probes to at least
// min_ports distinct destination ports (TCP and UDP apart) or at least min_packets
// probe packets is a scanner; its scan event lasts until it has been silent for a
// window. The per-source key carries no destination address (a key per address
// would multiply the per-source map by the size of the dark prefix), so distinct
// addresses are not counted: packets stand in for them (an upper bound: a packet
// sent twice to one address counts twice). Defaults: docs/configuration.md#scan-events.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "accumulator/port_combinations.h"
#include "accumulator/prefetch.h"
#include "dataplane/source_addr.h"

namespace darkscope {

struct ScanConfig {
    uint32_t min_ports = 15;       // distinct destination ports in a window (0: criterion off)
    uint64_t min_packets = 100;    // probe packets in a window (0: criterion off)
    int64_t window_ns = 300'000'000'000;  // 5 minutes
    size_t max_sources = 262144;   // sources watched at once; the rest are counted as untracked
};

struct ScannerRow {
    SourceAddr source;
    int64_t start_ns = 0;      // first packet of the window in which it became a scanner
    int64_t last_ns = 0;       // its latest packet
    uint64_t packets = 0;      // probe packets since start_ns
    uint32_t ports = 0;        // distinct destination ports since start_ns (at most kMaxPortsKept)
    bool ports_capped = false; // more than kMaxPortsKept: `ports` is a lower bound
};

struct ScanSnapshot {
    uint64_t active = 0;             // scanners whose last packet is within a window
    uint64_t events = 0;             // scan events started since the start
    uint64_t untracked_entries = 0;  // drained entries of sources past max_sources (not judged)
    uint64_t watched = 0;            // sources watched now
    std::vector<ScannerRow> top;     // active scanners, most ports first, then most packets
    std::vector<ScannerRow> biggest; // every scan event since the start, ended ones too, same order
};

// Not thread-safe: the accumulator calls it under its lock.
class ScanDetector {
public:
    static constexpr size_t kMaxPortsKept = 256;  // per source: bounds memory, see ScannerRow
    static constexpr size_t kBiggestKept = 20;    // ended events remembered for `biggest`
    explicit ScanDetector(ScanConfig config) : config_(config) {}

    // One drained probe entry (TCP/UDP: its destination port; other protocols: no port).
    // hash: SourceAddrHash of source, which the caller has already computed.
    void add(const SourceAddr& source, size_t hash, bool has_port, ProtoPort port, uint64_t packets, int64_t ts_ns);
    void add(const SourceAddr& source, bool has_port, ProtoPort port, uint64_t packets, int64_t ts_ns) {
        add(source, SourceAddrHash{}(source), has_port, port, packets, ts_ns);
    }
    // Starts loading the source's slot into the CPU's cache, for an add() a few
    // entries later (a drain's sources are mostly out of cache: issue #20).
    void prefetch(const SourceAddr& source, size_t hash) const {
        watched_.prefetch(HashedSourceAddr{source, hash});
        keep_prefetches();
    }
    // Ends the events of scanners silent for a window and forgets sources that were not
    // scanners and silent as long.
    void expire(int64_t now_ns);
    ScanSnapshot snapshot(size_t top_n) const;

private:
    struct Watch {
        int64_t start_ns = 0, last_ns = 0;
        uint64_t packets = 0;
        absl::InlinedVector<ProtoPort, 4> ports;  // sorted, at most kMaxPortsKept; up to 4 inline
        bool capped = false;
        bool scanner = false;
        static Watch starting(int64_t ts_ns) {
            Watch w;
            w.start_ns = w.last_ns = ts_ns;
            return w;
        }
    };
    bool is_scan(const Watch& w) const;

    ScanConfig config_;
    void keep_biggest(ScannerRow row);
    static ScannerRow row_of(const SourceAddr& addr, const Watch& w);

    SourceMap<Watch> watched_;
    // The watched sources marked scanner (Watch::scanner, kept beside it so that add()
    // needs no second lookup), so that snapshot(), at every poll and scrape, visits the
    // scanners instead of every watch: a darknet nearly always has one scanner, and
    // walking up to max_sources watches to find it was about 6 % of the live agent at
    // 1,000,000 keys (issue #20).
    SourceSet scanners_;
    // At most the smallest last_ns of a watched source (a source's last_ns only grows,
    // except when a window restarts, and each new value lowers this), so expire()
    // skips its sweep while nothing can be silent for a window yet.
    int64_t oldest_last_ns_ = INT64_MAX;
    std::vector<ScannerRow> biggest_ended_;  // at most kBiggestKept
    uint64_t events_ = 0, untracked_ = 0;
};

// "198.51.100.7" or "2001:db8::" (the source prefix's address).
std::string source_text(const SourceAddr& a);

}  // namespace darkscope
