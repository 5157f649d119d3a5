#include "dataplane/source_table.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "dataplane/entries.h"

namespace darkscope {

uint32_t source_table_slots(uint32_t slots) {
    if (slots == kAutoSourceTableSlots) slots = DS_SOURCE_CACHE_DEFAULT_SLOTS;
    return slots ? std::bit_floor(std::max<uint32_t>(DS_SOURCE_CACHE_WAYS, slots)) : 0;
}

uint32_t SourceTable::map_entries(uint32_t slots_per_gen) { return slots_per_gen ? 2u * slots_per_gen : 1u; }

SourceTable::SourceTable(int map_fd, uint32_t slots_per_gen)
    : slots_per_gen_(slots_per_gen), sets_(slots_per_gen / DS_SOURCE_CACHE_WAYS) {
    if (!slots_per_gen_) return;
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = static_cast<size_t>(map_entries(slots_per_gen)) * sizeof(ds_cache_slot);
    mapped_bytes_ = (bytes + page - 1) / page * page;
    void* p = mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
    if (p == MAP_FAILED)
        throw std::runtime_error(std::string("mapping the per-source table: ") + std::strerror(errno));
    slots_ = static_cast<ds_cache_slot*>(p);
}

SourceTable::~SourceTable() {
    if (slots_) munmap(slots_, mapped_bytes_);
}

uint32_t SourceTable::set_of(const ds_source_key& key) const {
    static_assert(sizeof(ds_source_key) == 20, "a key is five 32-bit words");
    uint32_t w[5];
    std::memcpy(w, &key, sizeof w);
    return ds_table_set(w[0], w[1], w[2], w[3], w[4], sets_ - 1);
}

namespace {

void fold(ds_source_value& into, const ds_source_value& v) {
    into.packets += v.packets;
    into.bytes += v.bytes;
    into.first_seen_ns = std::min(into.first_seen_ns, v.first_seen_ns);
    into.last_seen_ns = std::max(into.last_seen_ns, v.last_seen_ns);
}

// Adds key's counts to its entry among out[from, end), or as a new entry. The range
// is one set's entries: a few, in cache.
void add_to_set(std::vector<SourceEntry>& out, size_t from, const ds_source_key& key, const ds_source_value& value) {
    for (size_t i = from; i < out.size(); ++i)
        if (std::memcmp(&out[i].key, &key, sizeof key) == 0) {
            fold(out[i].value, value);
            return;
        }
    out.push_back(SourceEntry{key, value});
}

}  // namespace

std::vector<SourceEntry> SourceTable::drain(std::vector<SourceEntry> hash_entries, uint32_t first_gen, uint32_t gens) {
    if (!slots_) return hash_entries;
    // A key lies only in its own set, whichever CPU and generation holds it
    // (ds_table_set), so a key's entries are folded set by set, in cache, with no
    // index of all the keys. The hash's entries (distinct keys already, and few
    // while the table has room) join their key's set: sorted by set, they are
    // merged into the walk.
    std::vector<uint64_t> by_set(hash_entries.size());
    for (size_t i = 0; i < hash_entries.size(); ++i) by_set[i] = uint64_t{set_of(hash_entries[i].key)} << 32 | i;
    std::sort(by_set.begin(), by_set.end());
    std::vector<SourceEntry> out;
    // Sized once for what the last drain found, not grown entry by entry.
    out.reserve(hash_entries.size() + last_drained_ + last_drained_ / 8);
    size_t next = 0;
    for (uint32_t set = 0; set < sets_; ++set) {
        const size_t from = out.size();
        for (uint32_t g = first_gen; g < first_gen + gens; ++g) {
            ds_cache_slot* ways = slots_ + static_cast<size_t>(g & 1) * slots_per_gen_ + static_cast<size_t>(set) * DS_SOURCE_CACHE_WAYS;
            // The taken ways of a set are its first ones (bpf/source_table.h): the
            // first free way ends it, so a sparse generation costs one cache line
            // per set. A slot counts as taken by its packets, not its claim word: a
            // slot is read only once its packet is in (the drain follows a grace
            // period, or nothing runs).
            for (uint32_t way = 0; way < DS_SOURCE_CACHE_WAYS && ways[way].value.packets; ++way) {
                add_to_set(out, from, ways[way].key, ways[way].value);
                ways[way] = ds_cache_slot{};
            }
        }
        for (; next < by_set.size() && (by_set[next] >> 32) == set; ++next) {
            const SourceEntry& e = hash_entries[static_cast<uint32_t>(by_set[next])];
            add_to_set(out, from, e.key, e.value);
        }
    }
    last_drained_ = out.size();
    return out;
}

}  // namespace darkscope
