// Counts distinct values in bounded memory: exactly up to kExactLimit values (their
// 64-bit hashes, sorted), then a HyperLogLog estimate with 4,096 one-byte registers
// (standard error 1.6 %). Memory never exceeds 4 KiB of values per counter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace darkscope {

class DistinctCounter {
public:
    static constexpr unsigned kPrecision = 12;
    static constexpr size_t kRegisters = size_t{1} << kPrecision;
    // As many 8-byte hashes as the registers take bytes: switching never grows memory.
    static constexpr size_t kExactLimit = kRegisters / sizeof(uint64_t);

    void add(std::string_view value) { add_hash(hash(value)); }
    void add_hash(uint64_t h);
    uint64_t count() const;      // exact while exact(), else the estimate
    bool exact() const { return registers_.empty(); }
    void clear();
    size_t memory_bytes() const { return hashes_.capacity() * sizeof(uint64_t) + registers_.capacity(); }

    static uint64_t hash(std::string_view value);

    // Everything the counter holds, for a state file (the accumulator's), and back.
    struct State {
        std::vector<uint64_t> hashes;  // sorted, while exact
        std::vector<uint8_t> registers;
        uint64_t hashes_seen = 0;
    };
    State state() const { return {hashes_, registers_, hashes_seen_}; }
    // Throws std::runtime_error for a state no counter could have been in.
    static DistinctCounter restore(State s);

private:
    void to_registers();
    void set_register(uint64_t h);

    std::vector<uint64_t> hashes_;    // sorted, while exact
    std::vector<uint8_t> registers_;  // kRegisters once estimating
    uint64_t hashes_seen_ = 0;        // values added since estimating (caps the estimate)
    // The estimate's sum of 2^-register and count of zero registers, kept up to date
    // so that count() costs nothing (the backscatter tracker asks after every message).
    double inverse_sum_ = 0;
    size_t zero_registers_ = 0;
};

}  // namespace darkscope
