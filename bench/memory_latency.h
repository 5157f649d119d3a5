// L: the cost of one random memory access on this machine, measured in the same run
// as the figures compared against it (issue #20's yardstick). A dependent pointer
// chase through one random cycle over a buffer much larger than the last-level
// cache: every step is a cache miss that cannot overlap with the next.
#pragma once

#include <cstddef>

namespace darkscope::bench {

struct MemoryLatency {
    double huge_pages_ns;  // buffer on transparent huge pages: the miss itself, TLB hits
    double small_pages_ns; // 4 KiB pages: a miss plus, mostly, a TLB miss
};

// `bytes` of 64-byte lines (default 256 MiB: 8x a 32 MiB L3, and about the size of
// the per-source hash at 1,000,000 keys, so L is the miss those keys meet); `steps`
// dependent loads per measurement; the median of `rounds` measurements.
MemoryLatency measure_memory_latency(size_t bytes = size_t{256} << 20, size_t steps = 5'000'000, int rounds = 3);

}  // namespace darkscope::bench
