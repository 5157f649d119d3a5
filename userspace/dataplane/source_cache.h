// The userspace side of the per-CPU source cache (bpf/maps.h, source_cache):
// its geometry, and draining one generation through mmap. The caller guarantees
// that no program writes the generation being drained (the agent has flipped
// source_cache_gen and waited an RCU grace period, or nothing runs: replay).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/entries.h"

namespace darkscope {

// Most cache slots per CPU a configuration may ask for: 2^20 slots of 64 bytes,
// in two generations, is 128 MiB of kernel memory per CPU.
constexpr uint32_t kMaxSourceCacheSlots = 1u << 20;

// `slots` asking for the default size: DS_SOURCE_CACHE_BUDGET_SLOTS shared by the
// CPUs, between DS_SOURCE_CACHE_MIN_DEFAULT_SLOTS and DS_SOURCE_CACHE_DEFAULT_SLOTS
// per CPU (abi.h), so that the table's memory does not grow with the CPU count.
constexpr uint32_t kAutoSourceCacheSlots = UINT32_MAX;
uint32_t default_source_cache_slots(int cpus);

// The slots per CPU the cache gets for `slots` asked for: rounded down to a power
// of two (the program masks the set index), at least one set of DS_SOURCE_CACHE_WAYS
// ways; 0 keeps the cache off.
uint32_t source_cache_slots_per_cpu(uint32_t slots);

class SourceCache {
public:
    // Maps the cache array (fd of source_cache) laid out as 2 generations x cpus x
    // slots_per_cpu. slots_per_cpu 0: no cache, every call does nothing.
    SourceCache(int map_fd, int cpus, uint32_t slots_per_cpu);  // throws std::runtime_error
    ~SourceCache();
    SourceCache(const SourceCache&) = delete;
    SourceCache& operator=(const SourceCache&) = delete;

    // Appends the occupied slots of generation `gen` (0 or 1) to `out`, one entry
    // per CPU and key, and empties them.
    void drain_generation(uint32_t gen, std::vector<SourceEntry>& out);

    // Map entries for this geometry (at least 1: a map cannot be empty).
    static uint32_t map_entries(int cpus, uint32_t slots_per_cpu);

private:
    ds_cache_slot* slots_ = nullptr;
    size_t mapped_bytes_ = 0;
    int cpus_ = 0;
    uint32_t slots_per_cpu_ = 0;
    size_t last_drained_ = 0;  // entries the last drain_generation() found: the next one's reserve
};

// Appends the drained cache entries to the drained hash entries (whose keys are
// distinct already), folding entries with the same key (one source seen by several
// CPUs, or in one CPU's cache and another's hash) into one: packets and bytes add
// up, first seen is the earliest, last seen the latest.
void merge_cache_entries(std::vector<SourceEntry>& hash_entries, std::vector<SourceEntry>& cache_entries);

}  // namespace darkscope
