// What the data plane hands upward, as plain structs: a drained per-source entry,
// a signatures-map entry and one snapshot of the counters, per-CPU values summed. Kept apart from the
// loader (data_plane.h) so the stages that only consume entries (accumulator,
// backscatter, fingerprint) do not pull in the loader class.
#pragma once

#include <vector>

#include "darkscope/abi.h"

namespace darkscope {

// One drained per-source entry, its per-CPU values summed.
struct SourceEntry {
    ds_source_key key;
    ds_source_value value;
};

// One entry of the signatures map, its per-CPU values summed.
struct SignatureEntry {
    ds_signature_key key;
    ds_counter counter;
};

// One entry of the source_port_dests map: probes from a watched source port to one
// destination port, its per-CPU values summed.
struct SourcePortDestEntry {
    ds_source_port_dest_key key;
    ds_counter counter;
};

// One read of the kernel's cumulative counters, each array summed over CPUs
// (layouts in abi.h): what the accumulator takes as its kernel snapshot.
struct KernelCounters {
    std::vector<ds_counter> stats;       // DS_STATS_ENTRIES
    // DS_PORT_SLOTS * DS_PORTS_PER_SLOT, or empty when not read: 393,216 per-CPU
    // entries cost about 0.2 s of CPU, so the live poll leaves them to scrapes.
    std::vector<ds_counter> port_stats;
    std::vector<ds_counter> tool_stats;  // TCP SYNs by tool-rule mask, DS_RULE_MASKS
    std::vector<SignatureEntry> signatures;  // probes by header signature, in no particular order
    std::vector<SourcePortDestEntry> source_port_dests;  // probes from watched source ports, by destination port
};

}  // namespace darkscope
