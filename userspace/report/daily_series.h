// Exact per-day figures from raw samples: each series' samples (`metric[range]` at
// an instant, never increase(), which extrapolates) folded into the days of the
// report's time zone. A counter's day is the sum of its reset-corrected increments
// between consecutive samples dated that day; a gauge's day is its largest sample.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report/prometheus_client.h"

namespace darkscope::report {

using Labels = std::map<std::string, std::string>;
using DayValues = std::map<std::string, uint64_t>;  // day -> value

class DailySeries {
public:
    // Days from `from_s` to `to_s` (midnights in the zone); samples from one day
    // before `from_s` serve as each counter's starting point.
    DailySeries(const PrometheusClient& client, int64_t from_s, int64_t to_s, const std::string& timezone);
    // Per series: the counter's increase on each day. A series whose first sample
    // falls inside the days started from 0 there (a new label carries all its packets).
    std::map<Labels, DayValues> increases(const std::string& selector) const;
    // Per series: the gauge's largest sample of each day.
    std::map<Labels, DayValues> daily_max(const std::string& selector) const;
    const std::vector<std::string>& days() const { return days_; }

private:
    std::vector<Series> fetch(const std::string& selector) const;
    const std::string* day_of_ms(int64_t ts_ms) const;  // nullptr: before the first day or after the last

    const PrometheusClient& client_;
    int64_t from_s_, to_s_;
    std::vector<int64_t> midnights_;  // start of each day, and to_s last
    std::vector<std::string> days_;
};

// Sums the per-day values of the series that share the labels in `by`.
std::map<Labels, DayValues> sum_by(const std::map<Labels, DayValues>& series, const std::vector<std::string>& by);
uint64_t total(const DayValues& days);

}  // namespace darkscope::report
