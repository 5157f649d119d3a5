// The userspace side of the per-CPU signature slots (bpf/maps.h, signature_slots;
// struct ds_signature_slot in abi.h): their geometry, and the signatures a program
// has counted, its slots and its hash added up by key.
#pragma once

#include <cstdint>
#include <vector>

#include "dataplane/entries.h"

namespace darkscope {

class MappedArray;

// The slots per CPU for `slots` asked for: a power of two (the program masks the set
// index), at least one set of two ways; 0 leaves the slots out.
uint32_t signature_slots_per_cpu(uint32_t slots);

// Every signature with a packet, CPUs and slots summed: the entries of the hash
// `signatures` (fd hash_fd) plus those of the slot array (mapped read-only, read
// while the program runs; nullptr: no slots). One entry per key.
std::vector<SignatureEntry> read_signatures(int hash_fd, const MappedArray* slots);  // throws std::runtime_error

}  // namespace darkscope
