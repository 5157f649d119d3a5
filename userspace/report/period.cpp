#include "report/period.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "accumulator/time_zone.h"

namespace darkscope::report {
namespace {

// libc converts in the zone TZ names; the report sets it for the call and puts
// back what was there (one thread: the CLI).
class ZoneScope {
public:
    explicit ZoneScope(const std::string& zone) {
        if (const char* old = std::getenv("TZ")) saved_ = old, had_ = true;
        setenv("TZ", zone.c_str(), 1);
        tzset();
    }
    ~ZoneScope() {
        had_ ? setenv("TZ", saved_.c_str(), 1) : unsetenv("TZ");
        tzset();
    }
    ZoneScope(const ZoneScope&) = delete;
    ZoneScope& operator=(const ZoneScope&) = delete;

private:
    std::string saved_;
    bool had_ = false;
};

int64_t midnight(int year, int month, int day, const std::string& zone) {
    ZoneScope scope(zone);
    struct tm tm {};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_isdst = -1;
    return static_cast<int64_t>(mktime(&tm));
}

int64_t parse_date(const std::string& text, const char* option, const std::string& zone) {
    int y = 0, m = 0, d = 0;
    char tail = 0;
    if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 ||
        d < 1 || d > 31)
        throw std::invalid_argument(std::string(option) + " '" + text + "' is not a date (YYYY-MM-DD)");
    const int64_t t = midnight(y, m, d, zone);
    if (day_of(t, zone) != text) throw std::invalid_argument(std::string(option) + " '" + text + "' is not a date");
    return t;
}

std::string format(int64_t unix_s, const std::string& zone, const char* fmt) {
    ZoneScope scope(zone);
    const time_t t = static_cast<time_t>(unix_s);
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[40];
    strftime(buf, sizeof buf, fmt, &tm);
    return buf;
}

// The midnight that starts the day after the one holding `t` (mktime carries a
// day past the month's end over, and places midnight across a DST change).
int64_t next_midnight_impl(int64_t t, const std::string& zone) {
    const std::string day = day_of(t, zone);
    return midnight(std::stoi(day.substr(0, 4)), std::stoi(day.substr(5, 2)), std::stoi(day.substr(8, 2)) + 1, zone);
}

}  // namespace

int64_t next_midnight(int64_t t, const std::string& zone) { return next_midnight_impl(t, zone); }

std::string day_of(int64_t unix_s, const std::string& zone) { return format(unix_s, zone, "%Y-%m-%d"); }

std::string local_time_text(int64_t unix_s, const std::string& zone) {
    return format(unix_s, zone, "%Y-%m-%dT%H:%M:%S%z");
}

Period parse_period(const std::string& from, const std::string& to, const std::string& zone) {
    if (!time_zone_exists(zone)) throw std::invalid_argument("--timezone '" + zone + "' is not a known time zone");
    Period p;
    p.from_s = parse_date(from, "--from", zone);
    const int64_t last = parse_date(to, "--to", zone);
    if (last < p.from_s) throw std::invalid_argument("--to " + to + " is before --from " + from);
    p.to_s = next_midnight(last, zone);
    return p;
}

Period period_before(const Period& p, const std::string& zone) {
    const size_t days = days_of(p, zone).size();
    Period before{p.from_s, p.from_s};
    for (size_t i = 0; i < days; ++i) {
        const std::string day = day_of(before.from_s - 1, zone);
        before.from_s = parse_date(day, "--previous-from", zone);
    }
    return before;
}

std::vector<std::string> days_of(const Period& p, const std::string& zone) {
    std::vector<std::string> days;
    for (int64_t t = p.from_s; t < p.to_s; t = next_midnight(t, zone)) days.push_back(day_of(t, zone));
    return days;
}

}  // namespace darkscope::report
