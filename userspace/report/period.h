// Report periods: dates on the command line, days in the report's time zone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace darkscope::report {

// [from, to) in Unix seconds: midnight of the first day to midnight after the last.
struct Period {
    int64_t from_s = 0, to_s = 0;
};

// "YYYY-MM-DD" (days inclusive) in `timezone`. Throws std::invalid_argument with one
// line for a malformed date, an unknown zone, or `to` before `from`.
Period parse_period(const std::string& from, const std::string& to, const std::string& timezone);
// The period of the same number of days just before `p`.
Period period_before(const Period& p, const std::string& timezone);
// "YYYY-MM-DD" of a Unix time in `timezone`.
std::string day_of(int64_t unix_s, const std::string& timezone);
// "YYYY-MM-DDTHH:MM:SS+hhmm" of a Unix time in `timezone`.
std::string local_time_text(int64_t unix_s, const std::string& timezone);
// The midnight that starts the day after the one holding `unix_s`.
int64_t next_midnight(int64_t unix_s, const std::string& timezone);
// Every day of the period, in order.
std::vector<std::string> days_of(const Period& p, const std::string& timezone);

}  // namespace darkscope::report
