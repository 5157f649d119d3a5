// The userspace side of the per-source table (bpf/maps.h, source_table): its
// geometry, and draining one generation through mmap. The caller guarantees that
// no program writes the generation being drained (the agent has flipped
// source_table_gen and waited an RCU grace period, or nothing runs: replay).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/entries.h"

namespace darkscope {

// Most table slots per generation a configuration may ask for: 2^23 slots of 64
// bytes, in two generations, is 1 GiB of kernel memory.
constexpr uint32_t kMaxSourceTableSlots = 1u << 23;

// `slots` asking for the default size, DS_SOURCE_CACHE_DEFAULT_SLOTS (abi.h).
constexpr uint32_t kAutoSourceTableSlots = UINT32_MAX;

// The slots per generation the table gets for `slots` asked for (kAutoSourceTableSlots:
// the default): rounded down to a power of two (the program masks the set index),
// at least one set of DS_SOURCE_CACHE_WAYS ways; 0 keeps the table off.
uint32_t source_table_slots(uint32_t slots);

class SourceTable {
public:
    // Maps the table array (fd of source_table) laid out as 2 generations x
    // slots_per_gen. slots_per_gen 0: no table, every call does nothing.
    SourceTable(int map_fd, uint32_t slots_per_gen);  // throws std::runtime_error
    ~SourceTable();
    SourceTable(const SourceTable&) = delete;
    SourceTable& operator=(const SourceTable&) = delete;

    // Appends the occupied slots of generation `gen` (0 or 1) to `out`, one entry
    // per slot (a key seen by several CPUs has a slot for each), and empties them.
    void drain_generation(uint32_t gen, std::vector<SourceEntry>& out);

    // Map entries for this geometry (at least 1: a map cannot be empty).
    static uint32_t map_entries(uint32_t slots_per_gen);

private:
    ds_cache_slot* slots_ = nullptr;
    size_t mapped_bytes_ = 0;
    uint32_t slots_per_gen_ = 0;
    size_t last_drained_ = 0;  // entries the last drain_generation() found: the next one's reserve
};

// Appends the drained table entries to the drained hash entries (whose keys are
// distinct already), folding entries with the same key (one source seen by several
// CPUs, or in the table and in the hash) into one: packets and bytes add
// up, first seen is the earliest, last seen the latest.
void merge_table_entries(std::vector<SourceEntry>& hash_entries, std::vector<SourceEntry>& table_entries);

}  // namespace darkscope
