#include "dataplane/signature_slots.h"

#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "dataplane/data_plane.h"

namespace darkscope {

uint32_t signature_slots_per_cpu(uint32_t slots) { return slots ? std::bit_floor(std::max<uint32_t>(2, slots)) : 0; }

namespace {

std::runtime_error failure(const std::string& what, int err) { return std::runtime_error(what + ": " + std::strerror(err)); }

// The slot array, mapped read-only for as long as it is read.
class MappedSlots {
public:
    explicit MappedSlots(int fd) {
        bpf_map_info info{};
        uint32_t len = sizeof info;
        if (bpf_obj_get_info_by_fd(fd, &info, &len)) throw failure("reading the signature slots' size", errno);
        if (info.value_size != sizeof(ds_signature_slot))
            throw std::runtime_error("the signature slots hold " + std::to_string(info.value_size) + "-byte values, not " +
                                     std::to_string(sizeof(ds_signature_slot)));
        count_ = info.max_entries;
        const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
        bytes_ = (count_ * sizeof(ds_signature_slot) + page - 1) / page * page;
        void* p = mmap(nullptr, bytes_, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) throw failure("mapping the signature slots", errno);
        slots_ = static_cast<const ds_signature_slot*>(p);
    }
    ~MappedSlots() { munmap(const_cast<ds_signature_slot*>(slots_), bytes_); }
    MappedSlots(const MappedSlots&) = delete;
    MappedSlots& operator=(const MappedSlots&) = delete;
    const ds_signature_slot* begin() const { return slots_; }
    const ds_signature_slot* end() const { return slots_ + count_; }

private:
    const ds_signature_slot* slots_ = nullptr;
    size_t count_ = 0, bytes_ = 0;
};

// A key as its 12 bytes (within std::string's small-string buffer: no allocation).
std::string key_bytes(const ds_signature_key& k) {
    static_assert(sizeof(ds_signature_key) == 12, "signature keys are compared as their 12 bytes");
    return {reinterpret_cast<const char*>(&k), sizeof k};
}

}  // namespace

std::vector<SignatureEntry> read_signatures(int hash_fd, int slots_fd) {
    std::vector<SignatureEntry> out = read_signature_map(hash_fd);  // distinct keys
    if (slots_fd < 0) return out;
    const MappedSlots slots(slots_fd);
    std::unordered_map<std::string, size_t> index;
    index.reserve(out.size() * 2);
    for (size_t i = 0; i < out.size(); ++i) index.emplace(key_bytes(out[i].key), i);
    for (const ds_signature_slot& s : slots) {
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
