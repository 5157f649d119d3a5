#include "report/json_writer.h"

#include "report/period.h"
#include "report/tables.h"

namespace darkscope::report {
namespace {

using nlohmann::json;

json period_json(const PeriodFigures& p, const std::string& tz) {
    const PeriodSummary s = summarize(p);
    json days = json::array();
    for (auto& [day, c] : p.days) days.push_back({{"day", day}, {"packets", c.packets}, {"sources", c.sources}});
    return {{"from", local_time_text(p.from_s, tz)},
            {"to", local_time_text(p.to_s, tz)},
            {"sensors", p.sensors},
            {"days", days},
            {"summary",
             {{"accesses", s.accesses},
              {"sources", s.sources},
              {"sources_basis", p.sources_basis},
              {"backscatter_packets", p.backscatter_packets},
              {"sensor_count", s.sensors},
              {"day_count", s.days},
              {"per_sensor_per_day",
               {{"accesses", s.accesses_per_sensor_day},
                {"sources", s.sources_per_sensor_day},
                {"accesses_per_source", s.accesses_per_source}}}}}};
}

json ranked_json(const std::vector<RankedRow>& rows, bool ports) {
    json out = json::array();
    for (const RankedRow& r : rows) {
        json j = {{"rank", r.rank},
                  {"previous_rank", !r.compared ? json(nullptr) : r.previous_rank ? json(*r.previous_rank) : json("new")},
                  {"packets", r.packets},
                  {"share_percent", r.share_percent},
                  {"sources", r.sources},
                  {"source_share_percent", r.source_share_percent}};
        if (ports) {
            j["protocol"] = r.protocol;
            j["port"] = r.port;
            j["service"] = r.name;
        } else {
            j["country"] = r.name;
        }
        out.push_back(j);
    }
    return out;
}

template <typename Key, typename Text>
json all_json(const std::map<Key, Count>& m, Text text) {
    json out = json::array();
    for (auto& [k, c] : m) {
        json j = text(k);
        j["packets"] = c.packets;
        j["sources"] = c.sources;
        out.push_back(j);
    }
    return out;
}

// [{protocol, KEY: port, COLUMN: [{NAME: name, packets}]}], busiest first; null when the family is absent.
json cross_json(const std::optional<std::map<PortKey, std::map<std::string, uint64_t>>>& m, const char* key,
                const char* column, const char* name) {
    if (!m) return nullptr;
    json out = json::array();
    for (auto& [k, columns] : *m) {
        json cells = json::array();
        for (auto& [n, packets] : busiest_first(columns)) cells.push_back({{name, n}, {"packets", packets}});
        out.push_back({{"protocol", k.protocol}, {key, k.port}, {column, cells}});
    }
    return out;
}

template <typename Map>
json optional_map(const std::optional<Map>& m) { return m ? json(*m) : json(nullptr); }

}  // namespace

json report_json(const Figures& f) {
    const PeriodFigures& p = f.current;
    json j;
    j["source"] = f.source;
    j["timezone"] = f.timezone;
    if (!f.files.empty()) j["files"] = f.files;
    j["period"] = period_json(p, f.timezone);
    j["previous_period"] = f.previous ? period_json(*f.previous, f.timezone) : json(nullptr);
    json change = nullptr;
    if (f.previous) {
        const PeriodSummary now = summarize(p), before = summarize(*f.previous);
        change = {{"accesses_per_sensor_per_day", change_percent(now.accesses_per_sensor_day, before.accesses_per_sensor_day)},
                  {"sources_per_sensor_per_day", change_percent(now.sources_per_sensor_day, before.sources_per_sensor_day)},
                  {"accesses_per_source", change_percent(now.accesses_per_source, before.accesses_per_source)},
                  {"sensor_count", change_percent(static_cast<double>(now.sensors), static_cast<double>(before.sensors))}};
    }
    j["change_percent"] = change;

    json trend_rows = json::array();
    for (const TrendRow& r : trend(p))
        trend_rows.push_back({{"label", r.label}, {"packets", r.packets}, {"sources", r.sources},
                              {"packets_per_sensor_per_day", r.packets_per_sensor},
                              {"sources_per_sensor_per_day", r.sources_per_sensor}});
    j["trend"] = {{"by", p.days.size() > kMonthlyTrendDays ? "month" : "day"}, {"rows", trend_rows}};

    j["ports"] = {{"top", ranked_json(rank_ports(f), true)},
                  {"all", all_json(p.ports, [](const PortKey& k) { return json{{"protocol", k.protocol}, {"port", k.port}}; })},
                  {"countries", cross_json(p.port_countries, "port", "countries", "country")}};
    j["countries"] = {{"top", ranked_json(rank_countries(f), false)},
                      {"all", all_json(p.countries, [](const std::string& c) { return json{{"country", c}}; })}};

    json changes = json::array();
    for (const NotableChange& c : notable_changes(f)) {
        json countries = json::array();
        for (auto& [cc, n] : c.busiest_countries) countries.push_back({{"country", cc}, {"packets", n}});
        changes.push_back({{"what", c.what}, {"key", c.key}, {"day", c.day}, {"packets", c.packets},
                           {"previous_daily_average", c.previous_daily_average}, {"busiest_countries", countries}});
    }
    j["notable_changes"] = {{"factor", kChangeFactor}, {"min_packets", kChangeMinPackets}, {"rows", changes}};

    json by_kind = json::array();
    for (auto& [kp, n] : p.backscatter_by_kind_port) {
        const size_t slash = kp.find('/');
        by_kind.push_back({{"kind", kp.substr(0, slash)}, {"port", kp.substr(slash + 1)}, {"packets", n}});
    }
    j["backscatter"] = {{"packets", p.backscatter_packets},
                        {"by_kind_port", by_kind},
                        {"attacks_started", p.attacks_started ? json(*p.attacks_started) : json(nullptr)},
                        {"countries", optional_map(p.backscatter_countries)}};
    json zones = nullptr;
    if (p.zones) {
        zones = json::array();
        for (const ZoneFigures& z : *p.zones)
            zones.push_back({{"zone", z.zone}, {"messages", z.messages}, {"names", z.names},
                             {"resolvers", z.resolvers}, {"random_subdomain", z.random_subdomain}, {"samples", z.samples}});
    }
    j["dns_backscatter"] = {{"zones", zones},
                            {"rcodes", optional_map(p.dns_rcodes)},
                            {"resolver_countries", optional_map(p.dns_resolver_countries)}};

    json tools = json::array(), signatures = json::array(), source_ports = json::array();
    for (auto& [tool, t] : p.tools) tools.push_back({{"tool", tool}, {"packets", t.packets}, {"sources", t.sources}});
    for (const SignatureFigures& s : p.signatures)
        signatures.push_back({{"window", s.window}, {"ttl", s.ttl}, {"options", s.options}, {"packets", s.packets}});
    for (auto& [k, n] : p.source_ports) source_ports.push_back({{"protocol", k.protocol}, {"port", k.port}, {"packets", n}});
    j["scanning"] = {{"tools", tools},
                     {"signatures", signatures},
                     {"source_ports", source_ports},
                     {"source_port_destinations", cross_json(p.source_port_destinations, "source_port", "ports", "port")},
                     {"combinations", p.combinations}};
    return j;
}

}  // namespace darkscope::report
