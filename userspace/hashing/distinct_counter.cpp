#include "hashing/distinct_counter.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "hashing/keyed_hash.h"

namespace darkscope {

uint64_t DistinctCounter::hash(std::string_view value) {
    // Keyed SipHash: the names and resolvers counted come from spoofable replies, and
    // with a public hash a sender could pick values that all fall in one register and
    // hide (or inflate) a zone's distinct count. Its 64 bits are all usable.
    return keyed_hash(value.data(), value.size());
}

void DistinctCounter::set_register(uint64_t h) {
    const size_t index = h >> (64 - kPrecision);
    const uint64_t rest = h << kPrecision;
    // Rank of the first 1 bit in what is left (64 - p bits), 1-based.
    const uint8_t rank = rest ? static_cast<uint8_t>(std::countl_zero(rest) + 1) : static_cast<uint8_t>(64 - kPrecision + 1);
    const uint8_t old = registers_[index];
    if (rank <= old) return;
    registers_[index] = rank;
    inverse_sum_ += std::ldexp(1.0, -static_cast<int>(rank)) - std::ldexp(1.0, -static_cast<int>(old));
    zero_registers_ -= old == 0;
}

void DistinctCounter::to_registers() {
    registers_.assign(kRegisters, 0);
    inverse_sum_ = static_cast<double>(kRegisters);  // 2^-0 per register
    zero_registers_ = kRegisters;
    for (uint64_t h : hashes_) set_register(h);
    hashes_seen_ = hashes_.size();
    std::vector<uint64_t>().swap(hashes_);
}

void DistinctCounter::add_hash(uint64_t h) {
    if (!registers_.empty()) {
        set_register(h);
        hashes_seen_++;
        return;
    }
    auto it = std::lower_bound(hashes_.begin(), hashes_.end(), h);
    if (it != hashes_.end() && *it == h) return;
    if (hashes_.size() < kExactLimit) {
        hashes_.insert(it, h);
        return;
    }
    to_registers();
    set_register(h);
    hashes_seen_++;
}

uint64_t DistinctCounter::count() const {
    if (registers_.empty()) return hashes_.size();
    const double sum = inverse_sum_;
    const size_t zeros = zero_registers_;
    const double m = static_cast<double>(kRegisters);
    const double alpha = 0.7213 / (1 + 1.079 / m);
    double estimate = alpha * m * m / sum;
    // Small range: linear counting is the better estimate while registers are empty.
    if (estimate <= 2.5 * m && zeros) estimate = m * std::log(m / static_cast<double>(zeros));
    // Never more than the values added, never fewer than counted exactly before the switch.
    estimate = std::min(estimate, static_cast<double>(hashes_seen_));
    return std::max<uint64_t>(static_cast<uint64_t>(std::llround(estimate)), kExactLimit + 1);
}

DistinctCounter DistinctCounter::restore(State s) {
    DistinctCounter c;
    if (!s.registers.empty()) {
        if (s.registers.size() != kRegisters || !s.hashes.empty()) throw std::runtime_error("bad distinct counter");
        c.registers_.assign(kRegisters, 0);
        c.inverse_sum_ = static_cast<double>(kRegisters);
        c.zero_registers_ = kRegisters;
        for (size_t i = 0; i < kRegisters; ++i) {
            if (s.registers[i] > 64 - kPrecision + 1) throw std::runtime_error("bad distinct counter");
            // A hash of rank registers[i] in register i sets it as add_hash once did (the
            // highest rank, 64 - p + 1, is the hash whose remaining bits are all 0).
            const unsigned rank = s.registers[i];
            const uint64_t rest = rank <= 64 - kPrecision ? uint64_t{1} << (64 - kPrecision - rank) : 0;
            if (rank) c.set_register(uint64_t{i} << (64 - kPrecision) | rest);
        }
        c.hashes_seen_ = s.hashes_seen;
        return c;
    }
    if (s.hashes.size() > kExactLimit || !std::is_sorted(s.hashes.begin(), s.hashes.end()) ||
        std::adjacent_find(s.hashes.begin(), s.hashes.end()) != s.hashes.end())
        throw std::runtime_error("bad distinct counter");
    c.hashes_ = std::move(s.hashes);
    return c;
}

void DistinctCounter::clear() {
    std::vector<uint64_t>().swap(hashes_);
    std::vector<uint8_t>().swap(registers_);
    hashes_seen_ = 0;
    inverse_sum_ = 0;
    zero_registers_ = 0;
}

}  // namespace darkscope
