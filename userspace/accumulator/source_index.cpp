#include "accumulator/source_index.h"

namespace darkscope {

const uint32_t* SourceIndex::find(const SourceAddr& a, size_t h) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
        const Slot& s = slots_[i];
        if (!s.addr.family) return nullptr;  // the run of taken slots ends: not here
        if (s.addr == a) return &s.value;
    }
}

bool SourceIndex::insert(const SourceAddr& a, size_t h, uint32_t value) {
    // At most 5/8 full: a miss then reads about four slots (two lines) on average.
    if ((size_ + 1) * 8 > slots_.size() * 5) grow();
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
        Slot& s = slots_[i];
        if (!s.addr.family) {
            s.addr = a;
            s.value = value;
            size_++;
            return true;
        }
        if (s.addr == a) return false;
    }
}

void SourceIndex::grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    for (const Slot& s : old) {
        if (!s.addr.family) continue;
        size_t i = SourceAddrHash{}(s.addr) & mask_;
        while (slots_[i].addr.family) i = (i + 1) & mask_;
        slots_[i] = s;
    }
}

void SourceIndex::clear() {
    std::vector<Slot>().swap(slots_);
    mask_ = 0;
    size_ = 0;
}

}  // namespace darkscope
