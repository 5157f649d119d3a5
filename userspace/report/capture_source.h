// The capture form: figures of one sensor from captures, through replay. Every
// figure is read from replay's own JSON document (replay/report.h), so the report
// and `darkscope replay --format json` cannot disagree; the per-day rows of ports
// and countries come from the accumulator's daily tables, sampled as replay runs.
#pragma once

#include <string>
#include <vector>

#include "replay/replay.h"
#include "report/figures.h"

namespace darkscope::report {

// Throws std::runtime_error (one line) when a capture cannot be read or holds no frame.
Figures figures_from_captures(const std::vector<std::string>& files, ReplayOptions options, const std::string& sensor);

}  // namespace darkscope::report
