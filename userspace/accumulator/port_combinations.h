// Port combinations per source and day: the set of tracked destination ports each
// source prefix hit, the number of sources per exact set, and the number of sources
// that hit every port of each configured (named) combination. Bots show themselves
// by the ports they try together (2967/tcp with 135, 139 and 445: the Symantec AV
// exploit bots of the TSUBAME/TALOT reports), not by any one port.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <absl/container/inlined_vector.h>

namespace darkscope {

// A protocol and a port in one number: 6 << 16 | port for TCP, 17 << 16 | port for
// UDP, so that sorting puts a set's TCP ports first, in port order.
using ProtoPort = uint32_t;
constexpr ProtoPort proto_port(uint8_t proto, uint16_t port) { return static_cast<uint32_t>(proto) << 16 | port; }

// "445" (a bare port is TCP), "445/tcp", "137/udp". Throws std::invalid_argument.
ProtoPort parse_proto_port(const std::string& text);
// "445" for TCP, "137/udp" for UDP: the notation parse_proto_port reads.
std::string proto_port_text(ProtoPort p);
// "135,139,445,2967" (sorted, bare TCP ports, UDP with /udp).
std::string ports_text(const std::vector<ProtoPort>& ports);

struct NamedCombination {
    std::string name;              // the metric label: never a source address
    std::vector<ProtoPort> ports;  // sorted, distinct
};

// "NAME=2967,135,139,445" -> {NAME, sorted ports}. Throws std::invalid_argument.
NamedCombination parse_named_combination(const std::string& text);
// The default list (docs/configuration.md says where each comes from).
const std::vector<std::string>& default_port_combinations();

struct PortCombinationConfig {
    std::vector<NamedCombination> named;
    // Ports that enter a source's set besides those of the named combinations
    // (the tracked ports, TCP and UDP alike).
    std::vector<uint16_t> tracked_ports;
    // Sources whose set is kept per day; further sources that hit a port of interest
    // are counted in untracked_sources and nowhere else.
    size_t max_sources = 262144;
    // A source that hits more distinct TCP/UDP destination ports than this in a day is
    // a scanner, not a bot trying *these* ports: it leaves every combination figure and
    // is counted in scanner_sources instead (0: no limit). An nmap sweep of 1,000 ports
    // would otherwise "cover" every named combination.
    uint32_t max_ports = 32;
};

// What the caller keeps per source and day: its slot in PortCombinations (or one of
// kNoSlot, kUntracked, kScanner) and the distinct TCP/UDP destination ports it hit,
// every port (not only those of interest), kept up to the scanner limit.
struct SourceCombination {
    static constexpr int32_t kNoSlot = -1;  // PortCombinations::kNoSlot
    int32_t slot = kNoSlot;
    // Sorted; emptied once the source is a scanner. Most sources hit a few ports: up
    // to 4 live inside the struct (no heap block, no cache miss of its own per entry).
    absl::InlinedVector<ProtoPort, 4> ports;
};

struct PortCombinationSnapshot {
    std::vector<std::pair<NamedCombination, uint64_t>> named;  // in configured order: sources today
    std::vector<std::pair<std::vector<ProtoPort>, uint64_t>> top;  // exact sets, most sources first
    uint64_t tracked_sources = 0;    // sources today with a set (scanners left out)
    uint64_t untracked_sources = 0;  // sources today that hit a port of interest past max_sources
    uint64_t scanner_sources = 0;    // sources today past max_ports: in no combination figure
};

// Not thread-safe: the accumulator calls it under its lock. A source is known by the
// SourceCombination the caller keeps with its own per-source state for the day.
class PortCombinations {
public:
    static constexpr int32_t kNoSlot = -1;      // the source hit no port of interest yet
    static constexpr int32_t kUntracked = -2;   // it did, when max_sources were tracked
    static constexpr int32_t kScanner = -3;     // it hit more than max_ports distinct ports

    explicit PortCombinations(PortCombinationConfig config);

    // A probe of `port` (TCP or UDP destination) from `source`: adds the port to its
    // ports and, if of interest, to its set; or, when the source has now hit more than
    // max_ports, takes it out of every figure as a scanner (slot kScanner) for the day.
    void add_probe(SourceCombination& source, ProtoPort port);
    void new_day();  // forgets every set (the caller forgets its slots too)
    PortCombinationSnapshot snapshot(size_t top_n) const;

private:
    // The source in `slot` hit `port`; returns its slot from now on.
    int32_t add(int32_t slot, ProtoPort port);
    bool of_interest(ProtoPort p) const;
    void count(const std::vector<ProtoPort>& set, int64_t delta);

    PortCombinationConfig config_;
    std::vector<ProtoPort> interest_;            // sorted
    std::vector<std::vector<ProtoPort>> sets_;   // slot -> sorted ports hit today
    std::map<std::vector<ProtoPort>, uint64_t> exact_;  // set -> sources today (no zeros kept)
    std::vector<uint64_t> named_sources_;        // per config_.named
    uint64_t untracked_ = 0;
    uint64_t scanners_ = 0;             // sources today past max_ports
    uint64_t scanners_with_set_ = 0;    // of those, sources that had a set (slot) first
};
static_assert(SourceCombination::kNoSlot == PortCombinations::kNoSlot);

}  // namespace darkscope
