#include "cli/duration.h"

#include <cmath>
#include <stdexcept>

namespace darkscope {

int64_t parse_duration_ns(const std::string& text, const std::string& option) {
    const auto bad = [&] {
        return std::invalid_argument("invalid duration '" + text + "' for " + option + " (e.g. 60s, 500ms, 5m, 1h)");
    };
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        throw bad();
    }
    const std::string unit = text.substr(used);
    double scale = 1;
    if (unit == "ms")
        scale = 1e-3;
    else if (unit == "m")
        scale = 60;
    else if (unit == "h")
        scale = 3600;
    else if (!unit.empty() && unit != "s")
        throw bad();
    const double ns = v * scale * 1e9;
    if (!(ns >= 0 && ns < 1e18) || std::isnan(ns)) throw bad();
    return static_cast<int64_t>(std::llround(ns));
}

}  // namespace darkscope
