#include "dataplane/signature_slots.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <string>
#include <unordered_map>

#include "dataplane/data_plane.h"
#include "dataplane/mapped_array.h"
#include "hashing/keyed_hash.h"

namespace darkscope {

uint32_t signature_slots_per_cpu(uint32_t slots) { return slots ? std::bit_floor(std::max<uint32_t>(2, slots)) : 0; }

namespace {

// A key as its 12 bytes (within std::string's small-string buffer: no allocation).
std::string key_bytes(const ds_signature_key& k) {
    static_assert(sizeof(ds_signature_key) == 12, "signature keys are compared as their 12 bytes");
    return {reinterpret_cast<const char*>(&k), sizeof k};
}

}  // namespace

std::vector<SignatureEntry> read_signatures(int hash_fd, const MappedArray* slots) {
    std::vector<SignatureEntry> out = read_signature_map(hash_fd);  // distinct keys
    if (!slots) return out;
    std::unordered_map<std::string, size_t, KeyedStringHash> index;  // sender-chosen ports and windows
    index.reserve(out.size() * 2);
    for (size_t i = 0; i < out.size(); ++i) index.emplace(key_bytes(out[i].key), i);
    for (size_t i = 0; i < slots->size(); ++i) {
        const ds_signature_slot& s = slots->values<ds_signature_slot>()[i];
        // The program stores the key, then the count that makes the slot valid: read
        // the count first. A slot still empty at this read counts at the next one.
        const uint64_t packets = std::atomic_ref(const_cast<__u64&>(s.counter.packets)).load(std::memory_order_acquire);
        if (!packets) continue;
        const auto [it, fresh] = index.try_emplace(key_bytes(s.key), out.size());
        if (fresh) {
            out.push_back(SignatureEntry{s.key, {packets, s.counter.bytes}});
        } else {
            out[it->second].counter.packets += packets;
            out[it->second].counter.bytes += s.counter.bytes;
        }
    }
    return out;
}

}  // namespace darkscope
