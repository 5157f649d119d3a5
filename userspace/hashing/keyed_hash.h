// Hashing of attacker-chosen keys (spoofable source addresses, DNS names from
// backscatter): SipHash-2-4 (libsodium's crypto_shorthash) under a key drawn at
// random when the process starts, as the kernel seeds its own hash maps. Without
// a secret key, anyone who can send packets to the sensor can pick sources that
// all land in one bucket and make every insert into the agent's maps linear.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace darkscope {

// The process's hash of len bytes at data. Differs from one process to the next.
uint64_t keyed_hash(const void* data, size_t len);

struct KeyedStringHash {
    size_t operator()(std::string_view s) const { return static_cast<size_t>(keyed_hash(s.data(), s.size())); }
};

}  // namespace darkscope
