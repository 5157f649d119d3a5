// Hashing of attacker-chosen keys (spoofable source addresses, DNS names from
// backscatter): SipHash-2-4 (libsodium's crypto_shorthash) under a key drawn at
// random when the process starts, as the kernel seeds its own hash maps. Without
// a secret key, anyone who can send packets to the sensor can pick sources that
// all land in one bucket and make every insert into the agent's maps linear.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace darkscope {

// The process's hash of len bytes at data. Differs from one process to the next.
uint64_t keyed_hash(const void* data, size_t len);

// A key of its own for hashes that outlive the process: the day's distinct-source
// sketches, saved in the (private) state file. A source seen before and after a
// restart must hash the same, or a sketch past the exact cap counts it twice; so
// such a key is drawn at random and replaced by the saved one when state loads.
struct HashKey {
    std::array<unsigned char, 16> bytes{};
    static HashKey random();
    uint64_t hash(const void* data, size_t len) const;
};

struct KeyedStringHash {
    size_t operator()(std::string_view s) const { return static_cast<size_t>(keyed_hash(s.data(), s.size())); }
};

}  // namespace darkscope
