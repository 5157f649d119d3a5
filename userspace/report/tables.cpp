#include "report/tables.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>

namespace darkscope::report {
namespace {

double ratio(double part, double whole) { return whole > 0 ? part / whole : 0.0; }

// Ranked busiest first; ties by key ascending (the map's order, kept by stable_sort).
template <typename Key>
std::vector<std::pair<Key, Count>> by_packets(const std::map<Key, Count>& m) {
    std::vector<std::pair<Key, Count>> v(m.begin(), m.end());
    std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second.packets > b.second.packets; });
    return v;
}

template <typename Key>
std::optional<size_t> rank_of(const std::optional<PeriodFigures>& previous, const std::map<Key, Count> PeriodFigures::*table,
                              const Key& key, size_t rows) {
    if (!previous) return std::nullopt;
    size_t rank = 0;
    for (auto& [k, c] : by_packets((*previous).*table)) {
        if (++rank > rows || !c.packets) break;
        if (k == key) return rank;
    }
    return std::nullopt;
}

template <typename Key, typename Fill>
std::vector<RankedRow> ranked(const Figures& f, const std::map<Key, Count> PeriodFigures::*table, size_t rows, Fill fill) {
    const PeriodFigures& p = f.current;
    std::vector<RankedRow> out;
    for (auto& [key, c] : by_packets(p.*table)) {
        if (out.size() == rows || !c.packets) break;
        RankedRow r;
        r.rank = out.size() + 1;
        r.compared = f.previous.has_value();
        r.previous_rank = rank_of(f.previous, table, key, rows);
        r.packets = c.packets;
        r.share_percent = 100 * ratio(c.packets, p.accesses);
        r.sources = c.sources;
        r.source_share_percent = 100 * ratio(c.sources, p.sources);
        fill(r, key);
        out.push_back(r);
    }
    return out;
}

// The ICMP types a darknet sees most, named as the reports name them.
std::string icmp_type_name(const std::string& protocol, uint32_t type) {
    static const std::map<std::pair<std::string, uint32_t>, std::string> names = {
        {{"icmp", 0}, "echo reply"},        {{"icmp", 3}, "destination unreachable"},
        {{"icmp", 8}, "echo request"},      {{"icmp", 11}, "time exceeded"},
        {{"icmp", 13}, "timestamp"},        {{"icmpv6", 128}, "echo request"},
        {{"icmpv6", 129}, "echo reply"},    {{"icmpv6", 1}, "destination unreachable"},
    };
    auto it = names.find({protocol, type});
    return it == names.end() ? "type " + std::to_string(type) : it->second;
}

}  // namespace

std::string port_text(const PortKey& k) { return k.protocol + "/" + std::to_string(k.port); }

std::string service_name(const PortKey& k) {
    if (k.protocol == "icmp" || k.protocol == "icmpv6") return icmp_type_name(k.protocol, k.port);
    // getservbyport reads /etc/services (netbase); an unnamed port has no name.
    const servent* s = getservbyport(htons(static_cast<uint16_t>(k.port)), k.protocol.c_str());
    return s ? s->s_name : "";
}

PeriodSummary summarize(const PeriodFigures& p) {
    PeriodSummary s;
    s.accesses = p.accesses;
    s.sources = p.sources;
    s.sensors = p.sensors.size();
    s.days = p.days.size();
    uint64_t day_sources = 0;
    for (auto& [_, c] : p.days) day_sources += c.sources;
    const double sensor_days = static_cast<double>(s.sensors * s.days);
    s.accesses_per_sensor_day = ratio(p.accesses, sensor_days);
    s.sources_per_sensor_day = ratio(day_sources, sensor_days);
    s.accesses_per_source = ratio(s.accesses_per_sensor_day, s.sources_per_sensor_day);
    return s;
}

double change_percent(double now, double before) { return before > 0 ? 100 * (now - before) / before : 0.0; }

std::vector<RankedRow> rank_ports(const Figures& f, size_t rows) {
    return ranked(f, &PeriodFigures::ports, rows, [](RankedRow& r, const PortKey& k) {
        r.protocol = k.protocol;
        r.port = k.port;
        r.name = service_name(k);
    });
}

std::vector<RankedRow> rank_countries(const Figures& f, size_t rows) {
    return ranked(f, &PeriodFigures::countries, rows, [](RankedRow& r, const std::string& cc) { r.name = cc; });
}

std::vector<TrendRow> trend(const PeriodFigures& p) {
    const bool monthly = p.days.size() > kMonthlyTrendDays;
    const double sensors = static_cast<double>(p.sensors.size());
    std::map<std::string, std::pair<TrendRow, size_t>> rows;  // label -> row, days in it
    for (auto& [day, c] : p.days) {
        auto& [row, days] = rows[monthly ? day.substr(0, 7) : day];
        row.packets += c.packets;
        row.sources += c.sources;
        ++days;
    }
    std::vector<TrendRow> out;
    for (auto& [label, rd] : rows) {
        TrendRow r = rd.first;
        r.label = label;
        r.packets_per_sensor = ratio(r.packets, sensors * rd.second);
        r.sources_per_sensor = ratio(r.sources, sensors * rd.second);
        out.push_back(r);
    }
    return out;
}

Ranked busiest_first(const std::map<std::string, uint64_t>& m) {
    Ranked out;
    for (auto& [name, n] : m)
        if (name != "other") out.emplace_back(name, n);
    std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.second > b.second; });
    if (auto other = m.find("other"); other != m.end()) out.push_back(*other);
    return out;
}

std::vector<NotableChange> notable_changes(const Figures& f) {
    std::vector<NotableChange> out;
    if (!f.previous || f.previous->days.empty()) return out;
    const double previous_days = static_cast<double>(f.previous->days.size());
    auto scan = [&](const std::string& what, const auto& days_now, const auto& days_before, auto key_text) {
        for (auto& [key, days] : days_now) {
            uint64_t before = 0;
            if (auto it = days_before.find(key); it != days_before.end())
                for (auto& [_, n] : it->second) before += n;
            const double average = before / previous_days;
            // The busiest day is the finding; ties: the earliest.
            auto busiest = std::max_element(days.begin(), days.end(),
                                             [](auto& a, auto& b) { return a.second < b.second; });
            if (busiest == days.end() || busiest->second < kChangeMinPackets ||
                static_cast<double>(busiest->second) < kChangeFactor * average)
                continue;
            NotableChange c{what, key_text(key), busiest->first, busiest->second, average, {}};
            if constexpr (std::is_same_v<std::decay_t<decltype(key)>, PortKey>)
                if (f.current.port_countries)
                    if (auto it = f.current.port_countries->find(key); it != f.current.port_countries->end()) {
                        c.busiest_countries = busiest_first(it->second);
                        if (c.busiest_countries.size() > kChangeCountries) c.busiest_countries.resize(kChangeCountries);
                    }
            out.push_back(std::move(c));
        }
    };
    scan("port", f.current.port_days, f.previous->port_days, [](const PortKey& k) { return port_text(k); });
    scan("country", f.current.country_days, f.previous->country_days, [](const std::string& c) { return c; });
    std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.packets > b.packets; });
    return out;
}

}  // namespace darkscope::report
