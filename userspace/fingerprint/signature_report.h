// The busiest header signatures and source ports as text (replay's report,
// `darkscope status`) and JSON (replay --json): one place for both layouts.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>

#include "fingerprint/signatures.h"

namespace darkscope {

// Two tables, each row "window/ttl/options" or "proto/port" with packets and share
// of all counted probes; overflow: probes the kernel map had no room for.
void print_signature_tables(std::ostream& o, const SignatureTop& top, uint64_t overflow, const char* indent = "  ");

// {"signatures": [{window, ttl, options, packets, bytes}...], "other_signatures": {...},
//  "source_ports": [{protocol, port, packets, bytes}...], "other_source_ports": {...}, "overflow_packets": n}
nlohmann::json signature_json(const SignatureTop& top, uint64_t overflow);

}  // namespace darkscope
