// The report's charts: gnuplot (a child process, `set terminal svg`) draws each
// as an SVG file beside the report, with axes, units, days of the report's time
// zone and a legend.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "report/figures.h"

namespace darkscope::report {

// Chart name ("trend", "ports", "countries") -> file name in `dir`; a chart with
// nothing to draw is left out. Throws std::runtime_error with one line when gnuplot
// cannot run or fails.
std::map<std::string, std::string> write_charts(const Figures& f, const std::filesystem::path& dir);

}  // namespace darkscope::report
