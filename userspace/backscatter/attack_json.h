// The JSON form of an attack, one object per line in the attack log and the
// status file, and in `darkscope replay --format json` (docs/configuration.md, Backscatter).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "backscatter/victims.h"

namespace darkscope {

// "2024-10-05T00:00:01.250Z": UTC with milliseconds.
std::string utc_time(int64_t unix_ns);

nlohmann::json attack_to_json(const AttackEvent& ev);

}  // namespace darkscope
