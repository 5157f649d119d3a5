// Durations on the command line and in darkscope.yaml ("60s", "500ms", "5m", "1h"):
// shared by every option that takes one.
#pragma once

#include <cstdint>
#include <string>

namespace darkscope {

// "60s", "500ms", "5m", "1h" or a plain number of seconds, in nanoseconds (>= 0).
// Throws std::invalid_argument naming the option.
int64_t parse_duration_ns(const std::string& text, const std::string& option);

}  // namespace darkscope
