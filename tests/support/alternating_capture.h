// A capture that goes back and forth between two days, frame by frame (issue #18,
// item 7): frame i is a TCP SYN at noon plus i seconds, on the first day when i is
// even and on the next day when it is odd, from its own source in 198.18.0.0/15 to
// 203.0.113.7, port 445 on the first day and 23 on the second. Every frame steps to
// the other day, so replay ends an interval at each one.
// Used by tests/replay/replay_alternating_days_test.cpp and bench/alternating_days_bench.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/frame_builder.h"
#include "support/sparse_capture.h"

namespace darkscope::test {

struct AlternatingCapture {
    uint32_t frames = 400;                            // at most 131,072 (one source each)
    int64_t first_noon_ns = 1728043200LL * 1'000'000'000;  // 2024-10-04 12:00:00 UTC
};

inline std::vector<TimedFrame> alternating_frames(const AlternatingCapture& c) {
    constexpr int64_t kSecond = 1'000'000'000, kDay = 86400 * kSecond;
    std::vector<TimedFrame> out;
    for (uint32_t i = 0; i < c.frames; ++i) {
        const bool second_day = i % 2;
        const std::string source = "198." + std::to_string(18 + (i >> 16)) + "." + std::to_string((i >> 8) & 255) + "." +
                                   std::to_string(i & 255);
        out.push_back({c.first_noon_ns + (second_day ? kDay : 0) + i * kSecond,
                       FrameBuilder().eth().ipv4(source, "203.0.113.7", 6).tcp(40000, second_day ? 23 : 445, 0x02).build()});
    }
    return out;
}

}  // namespace darkscope::test
