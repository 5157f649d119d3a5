// Today's (and yesterday's) distinct sources: source -> a 32-bit value (the index of
// its state in the accumulator's dense array). Open addressing with linear probing
// in one array of 24-byte slots, where a source's first slot follows from its hash
// alone: one prefetch of that line, issued a few drained entries ahead, covers the
// lookup. absl's table first reads a control byte group, and only that says which
// slot to read: two dependent cache misses per source, which perf showed were most
// of the accumulator's time per drained entry at a million sources (issue #20).
// Sources are never erased (a day ends whole), so no tombstones are needed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "accumulator/prefetch.h"
#include "dataplane/source_addr.h"

namespace darkscope {

class SourceIndex {
public:
    struct Slot {
        SourceAddr addr;  // family 0: empty (a kept source has DS_FAMILY_IPV4 or DS_FAMILY_IPV6)
        uint32_t value = 0;
    };
    static_assert(sizeof(Slot) == 24, "slots are 24 bytes: 8 to three cache lines");

    // h: SourceAddrHash of the source (keyed: the senders choose the addresses).
    void prefetch(size_t h) const {
        if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask_]);
        keep_prefetches();
    }
    // The source's value, or nullptr.
    const uint32_t* find(const SourceAddr& a, size_t h) const;
    const uint32_t* find(const SourceAddr& a) const { return find(a, SourceAddrHash{}(a)); }
    // Adds a source not yet in it, with its value; false (and nothing changes) when it
    // is. h must be SourceAddrHash{}(a): a growth places every source by it again.
    bool insert(const SourceAddr& a, size_t h, uint32_t value);
    bool insert(const SourceAddr& a, uint32_t value) { return insert(a, SourceAddrHash{}(a), value); }
    size_t size() const { return size_; }
    void clear();  // frees the slots too

    // Every source and its value, in no order.
    template <class F>
    void for_each(F&& f) const {
        for (const Slot& s : slots_)
            if (s.addr.family) f(s.addr, s.value);
    }

private:
    void grow();
    std::vector<Slot> slots_;  // a power of 2 of them, at most 5/8 full
    size_t mask_ = 0;
    size_t size_ = 0;
};

}  // namespace darkscope
