// The agent's state that the pinned maps do not hold (attacks going on, DNS zones),
// for `darkscope status`: a JSON file per sensor under /run/darkscope, replaced
// atomically each poll and removed when the agent stops.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "accumulator/accumulator_file.h"  // kStateRoot: the two files share the directory

namespace darkscope {

std::string status_file_path(const std::string& sensor);  // /run/darkscope/<sensor>.json

// Written whole, mode 0600 in a 0700 directory (it names victims): files/private_file.h.
// Returns "" or the one-line error.
std::string write_status_file(const std::string& path, const nlohmann::json& j);
// Nothing when the file is absent or not JSON.
std::optional<nlohmann::json> read_status_file(const std::string& path);

}  // namespace darkscope
