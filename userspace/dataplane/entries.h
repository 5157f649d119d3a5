// What the data plane hands upward, as plain structs: a drained per-source entry
// and a signatures-map entry, their per-CPU values summed. Kept apart from the
// loader (data_plane.h) so the stages that only consume entries (accumulator,
// backscatter, fingerprint) do not pull in the loader class.
#pragma once

#include "darkscope/abi.h"

namespace darkscope {

// One drained per-source entry, its per-CPU values summed.
struct SourceEntry {
    ds_source_key key;
    ds_source_value value;
};

// One entry of the signatures map, its per-CPU values summed.
struct SignatureEntry {
    ds_signature_key key;
    ds_counter counter;
};

}  // namespace darkscope
