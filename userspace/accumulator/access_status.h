// The accesses part of the agent's status file (status_file.h) and how `darkscope
// status` prints it: scanning tools and port combinations today. Source addresses
// are never written there.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "accumulator/accumulator.h"

namespace darkscope {

nlohmann::json access_status(const Snapshot& summary, size_t top_combinations);
// One scanner as status and replay write it; time_text dates start and last.
nlohmann::json scanner_json(const ScannerRow& row, const std::function<std::string(int64_t)>& time_text);
void print_access_status(const nlohmann::json& status);

}  // namespace darkscope
