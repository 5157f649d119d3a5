// Durations on the command line and in darkscope.yaml ("60s", "500ms", "5m", "1h",
// "1d", or a plain number of seconds): the one parser behind every option that
// takes one (run, replay, backscatter, scan and state options alike).
#pragma once

#include <cstdint>
#include <string>

namespace darkscope {

constexpr int64_t kMillisecondNs = 1'000'000;
constexpr int64_t kSecondNs = 1000 * kMillisecondNs;
constexpr int64_t kHourNs = 3600 * kSecondNs;
constexpr int64_t kDayNs = 24 * kHourNs;

// What an option accepts, both ends included. NaN, infinities and values below the
// minimum are refused: a duration of "0" or "1e-10" is a mistake, except for the few
// options where zero means "none" (allow_zero: exactly 0 is then accepted).
struct DurationLimits {
    int64_t min_ns = kMillisecondNs;
    int64_t max_ns = 366 * kDayNs;
    bool allow_zero = false;
};

// In nanoseconds. Throws std::invalid_argument with a one-line message naming the
// option and what it accepts.
int64_t parse_duration_ns(const std::string& text, const std::string& option, DurationLimits limits = {});

// "10ms", "1s", "5m", "1h", "2d", "1.5s": for messages.
std::string format_duration(int64_t ns);

}  // namespace darkscope
