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
#include "hashing/keyed_hash.h"

namespace darkscope {

uint32_t source_table_slots(uint32_t slots) {
    if (slots == kAutoSourceTableSlots) slots = DS_SOURCE_CACHE_DEFAULT_SLOTS;
    return slots ? std::bit_floor(std::max<uint32_t>(DS_SOURCE_CACHE_WAYS, slots)) : 0;
}

uint32_t SourceTable::map_entries(uint32_t slots_per_gen) { return slots_per_gen ? 2u * slots_per_gen : 1u; }

SourceTable::SourceTable(int map_fd, uint32_t slots_per_gen) : slots_per_gen_(slots_per_gen) {
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

void SourceTable::drain_generation(uint32_t gen, std::vector<SourceEntry>& out) {
    if (!slots_) return;
    ds_cache_slot* first = slots_ + (gen & 1) * static_cast<size_t>(slots_per_gen_);
    // Sized once for what the last drain found, not grown entry by entry.
    out.reserve(out.size() + last_drained_ + last_drained_ / 8);
    const size_t before = out.size();
    // The taken ways of a set are its first ones (bpf/source_table.h): a set's first
    // free way ends it, so a sparse generation costs one cache line per set. A slot
    // counts as taken by its packets, not its claim word, so that a slot the program
    // claimed is read only once its packet is in (the drain follows a grace period:
    // both are).
    for (size_t set = 0; set < slots_per_gen_; set += DS_SOURCE_CACHE_WAYS) {
        for (size_t way = 0; way < DS_SOURCE_CACHE_WAYS; ++way) {
            ds_cache_slot& s = first[set + way];
            if (!s.value.packets) break;
            out.push_back(SourceEntry{s.key, s.value});
            s = ds_cache_slot{};
        }
    }
    last_drained_ = out.size() - before;
}

namespace {

void fold(ds_source_value& into, const ds_source_value& v) {
    into.packets += v.packets;
    into.bytes += v.bytes;
    into.first_seen_ns = std::min(into.first_seen_ns, v.first_seen_ns);
    into.last_seen_ns = std::max(into.last_seen_ns, v.last_seen_ns);
}

// Positions of the distinct keys of entries[0, kept), in an open-addressing table
// with linear probing: one allocation per drain instead of one node per entry
// (a std::unordered_map cost the fold about 400 ns per entry, bench/agent_bench).
// Hashed under the process's key: the addresses are the sender's choice. A slot
// holds the key's position and 32 bits of its hash, so a probe reads an entry only
// when those bits match (nearly always its own key): a new key, the common case,
// costs one slot and no entry. Hashes are computed ahead and their slots
// prefetched, so the misses of several keys overlap (issue #20).
class KeyIndex {
public:
    explicit KeyIndex(size_t keys) : mask_(std::bit_ceil(std::max<size_t>(16, 2 * keys)) - 1), slots_(mask_ + 1, kEmpty) {}
    static uint64_t hash(const ds_source_key& key) {
        static_assert(sizeof(ds_source_key) == 20, "keys are hashed and compared as their 20 bytes");
        return keyed_hash(&key, sizeof key);
    }
    void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & mask_], 1); }
    // The position of key (hash h) among entries, or kNone with the empty slot where
    // it belongs in *empty.
    uint32_t find(const std::vector<SourceEntry>& entries, const ds_source_key& key, uint64_t h, uint64_t** empty) {
        const uint64_t tag = h >> 32;
        for (size_t i = h & mask_;; i = (i + 1) & mask_) {
            uint64_t& s = slots_[i];
            if (s == kEmpty) {
                *empty = &s;
                return kNone;
            }
            const auto at = static_cast<uint32_t>(s);
            if ((s >> 32) == tag && std::memcmp(&entries[at].key, &key, sizeof key) == 0) return at;
        }
    }
    static void put(uint64_t* slot, uint64_t h, uint32_t at) { *slot = (h >> 32) << 32 | at; }
    static constexpr uint32_t kNone = UINT32_MAX;

private:
    static constexpr uint64_t kEmpty = UINT64_MAX;  // position UINT32_MAX: never an entry's
    size_t mask_;
    std::vector<uint64_t> slots_;
};

constexpr size_t kAhead = 8;  // entries whose index slot is prefetched ahead of their turn

}  // namespace

void merge_table_entries(std::vector<SourceEntry>& hash_entries, std::vector<SourceEntry>& table_entries) {
    if (table_entries.empty()) return;
    // Compact the table's entries to one per key (folding a key's entries from other
    // CPUs); the index points into [0, kept) only.
    KeyIndex index(table_entries.size());
    std::vector<uint64_t> hashes(std::max(table_entries.size(), hash_entries.size()));
    for (size_t i = 0; i < table_entries.size(); ++i) hashes[i] = KeyIndex::hash(table_entries[i].key);
    size_t kept = 0;
    uint64_t* empty = nullptr;
    for (size_t i = 0; i < table_entries.size(); ++i) {
        if (i + kAhead < table_entries.size()) index.prefetch(hashes[i + kAhead]);
        const uint32_t at = index.find(table_entries, table_entries[i].key, hashes[i], &empty);
        if (at != KeyIndex::kNone) {
            fold(table_entries[at].value, table_entries[i].value);
            continue;
        }
        if (kept != i) table_entries[kept] = table_entries[i];
        KeyIndex::put(empty, hashes[i], static_cast<uint32_t>(kept++));
    }
    table_entries.resize(kept);
    // Hash entries are distinct already: fold those the table also has.
    for (size_t i = 0; i < hash_entries.size(); ++i) hashes[i] = KeyIndex::hash(hash_entries[i].key);
    size_t out = 0;
    for (size_t i = 0; i < hash_entries.size(); ++i) {
        if (i + kAhead < hash_entries.size()) index.prefetch(hashes[i + kAhead]);
        const uint32_t at = index.find(table_entries, hash_entries[i].key, hashes[i], &empty);
        if (at != KeyIndex::kNone) {
            fold(table_entries[at].value, hash_entries[i].value);
            continue;
        }
        if (out != i) hash_entries[out] = hash_entries[i];
        ++out;
    }
    hash_entries.resize(out);
    hash_entries.insert(hash_entries.end(), table_entries.begin(), table_entries.end());
}

}  // namespace darkscope
