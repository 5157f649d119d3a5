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

    // Everything drained, one entry per key: hash_entries (the drained hash buffers,
    // distinct keys) and the taken slots of `gens` generations from first_gen (1:
    // the idle one after a flip; 2 from 0: both, when nothing runs), folded: a key's
    // slots (one for each CPU that saw it, in each generation) and its hash entry
    // add up to one entry, packets and bytes summed, first seen the earliest, last
    // seen the latest. Empties the slots it reads.
    std::vector<SourceEntry> drain(std::vector<SourceEntry> hash_entries, uint32_t first_gen, uint32_t gens);

    // The set of key, as the program computes it (abi.h, ds_table_set).
    uint32_t set_of(const ds_source_key& key) const;

    // Map entries for this geometry (at least 1: a map cannot be empty).
    static uint32_t map_entries(uint32_t slots_per_gen);

private:
    ds_cache_slot* slots_ = nullptr;
    size_t mapped_bytes_ = 0;
    uint32_t slots_per_gen_ = 0;
    uint32_t sets_ = 0;
    size_t last_drained_ = 0;  // entries the last drain() returned: the next one's reserve
};

}  // namespace darkscope
