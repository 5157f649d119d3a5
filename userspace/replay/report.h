// The two renderings of a replay: a summary in the style of the darknet reports,
// and one JSON document (schema in docs/replay.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "replay/replay.h"

namespace darkscope {

std::string format_summary(const ReplayResult& result, size_t top_n = 10);
nlohmann::json to_json(const ReplayResult& result);

}  // namespace darkscope
