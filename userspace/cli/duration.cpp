#include "cli/duration.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <stdexcept>

namespace darkscope {

int64_t parse_duration_ns(const std::string& text, const std::string& option, DurationLimits limits) {
    // A decimal number (no sign, no hex, no "nan" or "inf"), then an optional unit.
    static const std::regex shape(R"(((?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(ms|s|m|h|d)?)");
    std::smatch m;
    if (!std::regex_match(text, m, shape))
        throw std::invalid_argument("invalid duration '" + text + "' for " + option +
                                    " (a number with ms, s, m, h or d: 500ms, 60s, 5m, 1h)");
    const std::string unit = m[2];
    const double scale = unit == "ms" ? 1e6 : unit == "m" ? 60e9 : unit == "h" ? 3600e9 : unit == "d" ? 86400e9 : 1e9;
    // strtod, not stod: "1e400" is +inf (refused below), not an exception.
    const double ns = std::strtod(m[1].str().c_str(), nullptr) * scale;
    if (ns == 0 && limits.allow_zero) return 0;
    if (!std::isfinite(ns) || ns < static_cast<double>(limits.min_ns) || ns > static_cast<double>(limits.max_ns))
        throw std::invalid_argument(option + " must be between " + format_duration(limits.min_ns) + " and " +
                                    format_duration(limits.max_ns) + ", not '" + text + "'");
    return static_cast<int64_t>(std::llround(ns));
}

std::string format_duration(int64_t ns) {
    struct Unit {
        int64_t ns;
        const char* name;
    };
    static const Unit units[] = {{kDayNs, "d"}, {kHourNs, "h"}, {60 * kSecondNs, "m"}, {kSecondNs, "s"},
                                 {kMillisecondNs, "ms"}};
    for (const Unit& u : units)
        if (ns >= u.ns && ns % u.ns == 0) return std::to_string(ns / u.ns) + u.name;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(ns) / 1e9);
    return buf;
}

}  // namespace darkscope
