// The address part of a per-source key (family and masked address) as a hash-map
// key: what the accumulator counts distinct sources by and the attack detector
// groups victims by.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "darkscope/abi.h"
#include "hashing/keyed_hash.h"

namespace darkscope {

struct SourceAddr {  // 17 bytes, no padding: hashed as a whole
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

// Keyed (hashing/keyed_hash.h): the addresses are the sender's choice.
static_assert(sizeof(SourceAddr) == 17, "SourceAddr is hashed byte for byte");

// A source with its SourceAddrHash already computed, to look up a SourceMap without
// hashing it again: a drain hashes each entry once, then prefetches and finds with it.
struct HashedSourceAddr {
    const SourceAddr& addr;
    size_t hash;
};

struct SourceAddrHash {
    using is_transparent = void;
    size_t operator()(const SourceAddr& k) const {
        return static_cast<size_t>(keyed_hash(&k, sizeof k));
    }
    size_t operator()(const HashedSourceAddr& k) const { return k.hash; }
};

struct SourceAddrEq {
    using is_transparent = void;
    bool operator()(const SourceAddr& a, const SourceAddr& b) const { return a == b; }
    bool operator()(const SourceAddr& a, const HashedSourceAddr& b) const { return a == b.addr; }
    bool operator()(const HashedSourceAddr& a, const SourceAddr& b) const { return a.addr == b; }
};

// The tables keyed by source that every drained entry touches (the accumulator's
// day, the scan detector, replay's totals): open addressing in one array, so a
// lookup is one hashed probe into contiguous memory instead of a walk to a node
// allocated per source, which made these tables most of the agent's CPU per
// drained entry (issue #20). References and iterators into them do not survive
// an insert: take them after the last insert of a step.
template <class V>
using SourceMap = absl::flat_hash_map<SourceAddr, V, SourceAddrHash, SourceAddrEq>;
using SourceSet = absl::flat_hash_set<SourceAddr, SourceAddrHash, SourceAddrEq>;

}  // namespace darkscope
