#include "drain/drain_clock.h"

namespace darkscope {

int64_t clock_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

DrainClock DrainClock::wall() {
    const int64_t offset = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
    return {clock_ns(CLOCK_REALTIME), [offset](uint64_t t) { return static_cast<int64_t>(t) + offset; }};
}

DrainClock DrainClock::fixed(int64_t unix_ns) {
    return {unix_ns, [unix_ns](uint64_t) { return unix_ns; }};
}

}  // namespace darkscope
