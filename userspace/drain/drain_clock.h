// The clock a drain is dated by, the one thing live and replay do differently:
// live, the program's CLOCK_MONOTONIC(_COARSE) stamps shifted to the wall clock;
// replay, everything drained at once dated at the last frame's capture time (the
// kernel's clock means nothing there).
#pragma once

#include <time.h>

#include <cstdint>
#include <functional>

namespace darkscope {

int64_t clock_ns(clockid_t clock);  // clock_gettime in nanoseconds

struct DrainClock {
    int64_t now_ns = 0;                           // "now": the wall clock, or capture time
    std::function<int64_t(uint64_t)> to_unix_ns;  // an entry's kernel stamp in Unix time

    static DrainClock wall();                // live
    static DrainClock fixed(int64_t unix_ns);  // replay: every entry at unix_ns
};

}  // namespace darkscope
