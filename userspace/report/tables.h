// The report's tables, computed once from the figures for every writer: rankings
// with shares and previous ranks, the summary against the previous period, the
// trend (by day, or by month for long periods) and the notable changes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/figures.h"

namespace darkscope::report {

struct RankedRow {
    size_t rank = 0;
    bool compared = false;                // a previous period to rank against
    std::optional<size_t> previous_rank;  // empty (when compared): "new", not ranked before
    std::string protocol;                 // ports only
    uint32_t port = 0;                    // ports only
    std::string name;                     // service name (ports) or ISO code (countries)
    uint64_t packets = 0;
    double share_percent = 0;             // of the period's accesses
    uint64_t sources = 0;
    double source_share_percent = 0;      // of the period's sources (same basis)
};

struct PeriodSummary {
    uint64_t accesses = 0;
    uint64_t sources = 0;
    size_t sensors = 0;
    size_t days = 0;
    double accesses_per_sensor_day = 0;
    double sources_per_sensor_day = 0;  // each sensor's distinct sources of a day, averaged
    double accesses_per_source = 0;     // per sensor per day
};

struct TrendRow {
    std::string label;  // "YYYY-MM-DD", or "YYYY-MM" by month
    uint64_t packets = 0, sources = 0;
    double packets_per_sensor = 0, sources_per_sensor = 0;  // per sensor per day
};

// Names with their packets, busiest first (ties: by name), "other" last.
using Ranked = std::vector<std::pair<std::string, uint64_t>>;

// A port or country whose accesses on one day jumped against its previous-period
// daily average (kChangeFactor times, and at least kChangeMinPackets packets).
struct NotableChange {
    std::string what;  // "port" or "country"
    std::string key;   // "tcp/23", "JP"
    std::string day;
    uint64_t packets = 0;
    double previous_daily_average = 0;
    Ranked busiest_countries;  // ports only, when known: the period's, at most kChangeCountries
};
constexpr size_t kChangeCountries = 3;
constexpr double kChangeFactor = 3.0;
constexpr uint64_t kChangeMinPackets = 100;
constexpr size_t kTopRows = 10;
constexpr size_t kChartRows = 5;
constexpr size_t kMonthlyTrendDays = 93;  // longer periods trend by month

std::string port_text(const PortKey& k);  // "tcp/23", "icmp/8"
std::string service_name(const PortKey& k);
PeriodSummary summarize(const PeriodFigures& p);
double change_percent(double now, double before);
std::vector<RankedRow> rank_ports(const Figures& f, size_t rows = kTopRows);
std::vector<RankedRow> rank_countries(const Figures& f, size_t rows = kTopRows);
std::vector<TrendRow> trend(const PeriodFigures& p);
std::vector<NotableChange> notable_changes(const Figures& f);
Ranked busiest_first(const std::map<std::string, uint64_t>& m);

}  // namespace darkscope::report
