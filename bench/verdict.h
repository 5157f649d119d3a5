// A measured figure against one of issue #20's targets, in the words every bench
// prints: "met", or "missed by N <unit>".
#pragma once

#include <cstdio>
#include <string>

namespace darkscope::bench {

inline std::string verdict(double measured, double target, const char* unit, int decimals = 0) {
    if (measured <= target) return "met";
    char buf[64];
    std::snprintf(buf, sizeof buf, "missed by %.*f %s", decimals, measured - target, unit);
    return buf;
}

}  // namespace darkscope::bench
