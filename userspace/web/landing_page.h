// The page at "/": what this endpoint is, its version, a link to the metrics and
// the sensor's state, as node_exporter's landing page has. Everything that is not
// a constant of ours is HTML-escaped (interface and sensor names come from the
// command line).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace darkscope {

struct LandingPage {
    std::string version;         // "0.1.0 (revision: ...)"
    std::string telemetry_path;  // "/metrics"
    // (what, state) rows: "sensor" -> "tokyo-1", "eth1" -> "attached (native)".
    std::vector<std::pair<std::string, std::string>> state;
};

std::string landing_page_html(const LandingPage& page);

}  // namespace darkscope
