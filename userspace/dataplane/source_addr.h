// The address part of a per-source key (family and masked address) as a hash-map
// key: what the accumulator counts distinct sources by and the attack detector
// groups victims by.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "darkscope/abi.h"

namespace darkscope {

struct SourceAddr {
    uint8_t family = 0;  // DS_FAMILY_IPV4 or DS_FAMILY_IPV6
    uint8_t addr[16] = {};

    static SourceAddr of(const ds_source_key& k) {
        SourceAddr a;
        a.family = static_cast<uint8_t>(DS_KEY_FAMILY(k.info));
        std::memcpy(a.addr, k.addr, 16);
        return a;
    }
    bool operator==(const SourceAddr& o) const { return family == o.family && std::memcmp(addr, o.addr, 16) == 0; }
};

struct SourceAddrHash {
    size_t operator()(const SourceAddr& k) const {
        uint64_t a, b;
        std::memcpy(&a, k.addr, 8);
        std::memcpy(&b, k.addr + 8, 8);
        const uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + k.family) * 0xC2B2AE3D27D4EB4Full;
        return static_cast<size_t>(h ^ (h >> 29));
    }
};

}  // namespace darkscope
