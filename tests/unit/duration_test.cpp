// The one duration parser behind every option (cli/duration.h): units, plain seconds,
// each option's limits, and the values a user mistypes refused with one line.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "cli/duration.h"

using namespace darkscope;

namespace {

std::string error_of(const std::string& text, DurationLimits limits = {}) {
    try {
        parse_duration_ns(text, "--opt", limits);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(Duration, UnitsAndPlainSeconds) {
    EXPECT_EQ(parse_duration_ns("500ms", "--opt"), 500 * kMillisecondNs);
    EXPECT_EQ(parse_duration_ns("60s", "--opt"), 60 * kSecondNs);
    EXPECT_EQ(parse_duration_ns("60", "--opt"), 60 * kSecondNs);
    EXPECT_EQ(parse_duration_ns("1.5", "--opt"), 1500 * kMillisecondNs);
    EXPECT_EQ(parse_duration_ns("5m", "--opt"), 300 * kSecondNs);
    EXPECT_EQ(parse_duration_ns("1h", "--opt"), kHourNs);
    EXPECT_EQ(parse_duration_ns("2d", "--opt"), 2 * kDayNs);
    EXPECT_EQ(parse_duration_ns(".25s", "--opt"), 250 * kMillisecondNs);
    EXPECT_EQ(parse_duration_ns("1e3ms", "--opt"), kSecondNs);
}

TEST(Duration, MistakesAreRefusedWithOneLine) {
    for (const char* bad : {"nan", "inf", "-1s", "+1s", "0x10", "1 s", "1sec", "", "s", "1e", "10mss"})
        EXPECT_EQ(error_of(bad), std::string("invalid duration '") + bad +
                                     "' for --opt (a number with ms, s, m, h or d: 500ms, 60s, 5m, 1h)")
            << bad;
    EXPECT_EQ(error_of("0"), "--opt must be between 1ms and 366d, not '0'");
    EXPECT_EQ(error_of("1e-10"), "--opt must be between 1ms and 366d, not '1e-10'");
    EXPECT_EQ(error_of("400d"), "--opt must be between 1ms and 366d, not '400d'");
    EXPECT_EQ(error_of("1e400"), "--opt must be between 1ms and 366d, not '1e400'");
}

TEST(Duration, EachOptionHasItsLimits) {
    const DurationLimits poll{10 * kMillisecondNs, kHourNs};
    EXPECT_EQ(parse_duration_ns("10ms", "--poll-interval", poll), 10 * kMillisecondNs);
    EXPECT_EQ(parse_duration_ns("1h", "--poll-interval", poll), kHourNs);
    EXPECT_EQ(error_of("9ms", poll), "--opt must be between 10ms and 1h, not '9ms'");
    EXPECT_EQ(error_of("61m", poll), "--opt must be between 10ms and 1h, not '61m'");
    // Where zero means "none", exactly zero passes, and still nothing between it and the minimum.
    const DurationLimits zero_ok{kMillisecondNs, kDayNs, true};
    EXPECT_EQ(parse_duration_ns("0s", "--attack-min-duration", zero_ok), 0);
    EXPECT_EQ(error_of("1e-10", zero_ok), "--opt must be between 1ms and 1d, not '1e-10'");
}

TEST(Duration, FormatsForMessages) {
    EXPECT_EQ(format_duration(10 * kMillisecondNs), "10ms");
    EXPECT_EQ(format_duration(kSecondNs), "1s");
    EXPECT_EQ(format_duration(300 * kSecondNs), "5m");
    EXPECT_EQ(format_duration(kDayNs), "1d");
    EXPECT_EQ(format_duration(1500 * kMillisecondNs), "1500ms");
}
