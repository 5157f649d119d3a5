#include "report/daily_series.h"

#include <algorithm>
#include <cmath>

#include "report/period.h"

namespace darkscope::report {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kWindow = 7 * kDay;  // one query per week of samples: bounded answers

uint64_t whole(double v) { return std::isfinite(v) && v > 0 ? static_cast<uint64_t>(std::llround(v)) : 0; }

}  // namespace

DailySeries::DailySeries(const PrometheusClient& client, int64_t from_s, int64_t to_s, const std::string& timezone)
    : client_(client), from_s_(from_s), to_s_(to_s) {
    days_ = days_of({from_s, to_s}, timezone);
    for (int64_t t = from_s; t < to_s; t = next_midnight(t, timezone)) midnights_.push_back(t);
    midnights_.push_back(to_s);
}

const std::string* DailySeries::day_of_ms(int64_t ts_ms) const {
    const int64_t s = ts_ms / 1000;
    if (s < from_s_ || s >= to_s_) return nullptr;
    const size_t i = static_cast<size_t>(std::upper_bound(midnights_.begin(), midnights_.end(), s) - midnights_.begin()) - 1;
    return i < days_.size() ? &days_[i] : nullptr;
}

std::vector<Series> DailySeries::fetch(const std::string& selector) const {
    std::map<Labels, Series> merged;
    for (int64_t end = from_s_ - kDay; end < to_s_;) {
        const int64_t next = std::min(end + kWindow, to_s_);
        for (Series& s : client_.query(selector + "[" + std::to_string(next - end) + "s]", next)) {
            Series& m = merged[s.labels];
            m.labels = s.labels;
            for (const Sample& x : s.samples)  // windows share their end points: keep each sample once
                if (m.samples.empty() || x.ts_ms > m.samples.back().ts_ms) m.samples.push_back(x);
        }
        end = next;
    }
    std::vector<Series> out;
    for (auto& [_, s] : merged) out.push_back(std::move(s));
    return out;
}

std::map<Labels, DayValues> DailySeries::increases(const std::string& selector) const {
    std::map<Labels, DayValues> out;
    for (const Series& s : fetch(selector)) {
        DayValues& days = out[s.labels];
        bool have_previous = false;
        double previous = 0;
        for (const Sample& x : s.samples) {
            const double increase = !have_previous ? x.value : x.value >= previous ? x.value - previous : x.value;
            // The first sample before the days is where the counter stood: no increase.
            if (const std::string* day = day_of_ms(x.ts_ms)) days[*day] += whole(increase);
            previous = x.value;
            have_previous = true;
        }
    }
    return out;
}

std::map<Labels, DayValues> DailySeries::daily_max(const std::string& selector) const {
    std::map<Labels, DayValues> out;
    for (const Series& s : fetch(selector)) {
        DayValues& days = out[s.labels];
        for (const Sample& x : s.samples)
            if (const std::string* day = day_of_ms(x.ts_ms)) days[*day] = std::max(days[*day], whole(x.value));
    }
    return out;
}

std::map<Labels, DayValues> sum_by(const std::map<Labels, DayValues>& series, const std::vector<std::string>& by) {
    std::map<Labels, DayValues> out;
    for (const auto& [labels, days] : series) {
        Labels key;
        for (const std::string& l : by)
            if (auto it = labels.find(l); it != labels.end()) key[l] = it->second;
        for (const auto& [day, v] : days) out[key][day] += v;
    }
    return out;
}

uint64_t total(const DayValues& days) {
    uint64_t n = 0;
    for (const auto& [_, v] : days) n += v;
    return n;
}

}  // namespace darkscope::report
