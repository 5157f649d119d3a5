#include "report/prometheus_source.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "dataplane/names.h"
#include "darkscope/abi.h"
#include "report/daily_series.h"

namespace darkscope::report {
namespace {

// The classes that are accesses (probes): every class the data plane does not
// call backscatter, as a PromQL regex.
std::string probe_classes() {
    std::string re;
    for (uint32_t c = 0; c < DS_CLASS_COUNT; ++c)
        if (!class_is_backscatter(c)) re += (re.empty() ? "" : "|") + std::string(class_name(c));
    return re;
}

// Every figure of the timeline: fetched once, split into the two periods.
struct Fetched {
    std::map<Labels, DayValues> packets, sources, ports, port_sources, countries, country_sources, backscatter,
        attacks, zones, zone_names, zone_resolvers, zone_random, rcodes, tools, tool_sources, signatures, source_ports,
        combinations, port_countries, backscatter_countries, source_port_destinations, resolver_countries;
};

Fetched fetch_all(const DailySeries& d) {
    Fetched f;
    f.packets = d.increases("darkscope_packets_total{class=~\"" + probe_classes() + "\"}");
    f.backscatter = d.increases("darkscope_backscatter_packets_total");
    f.sources = d.daily_max("darkscope_sources");
    f.ports = d.increases("darkscope_port_packets_total{port!=\"other\"}");
    f.port_sources = d.daily_max("darkscope_port_sources{port!=\"other\"}");
    f.countries = d.increases("darkscope_country_packets_total");
    f.country_sources = d.daily_max("darkscope_country_sources");
    f.attacks = d.increases("darkscope_backscatter_attacks_started_total");
    f.zones = d.increases("darkscope_dns_backscatter_responses_total{zone!=\"other\"}");
    f.zone_names = d.daily_max("darkscope_dns_backscatter_zone_names");
    f.zone_resolvers = d.daily_max("darkscope_dns_backscatter_zone_resolvers");
    f.zone_random = d.daily_max("darkscope_dns_backscatter_random_subdomain");
    f.tools = d.increases("darkscope_tool_packets_total");
    f.tool_sources = d.daily_max("darkscope_tool_sources");
    f.signatures = d.increases("darkscope_signature_packets_total{window!=\"other\"}");
    // The source port family's protocol label was `proto` before: both read, for older data.
    f.source_ports = d.increases("darkscope_source_port_packets_total{port!=\"other\"}");
    f.source_port_destinations = d.increases("darkscope_source_port_destination_packets_total");
    f.combinations = d.daily_max("darkscope_port_combination_sources");
    // Families newer than some data: a server without them leaves them empty and the sections say so.
    f.rcodes = d.increases("darkscope_dns_backscatter_rcode_total");
    f.resolver_countries = d.increases("darkscope_dns_backscatter_resolver_country_responses_total");
    f.port_countries = d.increases("darkscope_port_country_packets_total");
    f.backscatter_countries = d.increases("darkscope_backscatter_country_packets_total");
    return f;
}

// A family's values within the period, summed over sensors, by the labels in `by`.
struct Slice {
    std::set<std::string> days;
    std::map<Labels, DayValues> operator()(const std::map<Labels, DayValues>& series, const std::vector<std::string>& by) const {
        std::map<Labels, DayValues> out;
        for (auto& [labels, values] : sum_by(series, by)) {
            DayValues& v = out[labels];
            for (auto& [day, n] : values)
                if (days.count(day)) v[day] += n;
        }
        return out;
    }
    uint64_t sum(const std::map<Labels, DayValues>& series) const {
        uint64_t n = 0;
        for (auto& [_, v] : (*this)(series, {})) n += total(v);
        return n;
    }
};

PortKey port_key(const Labels& l) {
    auto proto = l.count("protocol") ? l.at("protocol") : l.count("proto") ? l.at("proto") : "";
    return {proto, static_cast<uint32_t>(std::stoul(l.at("port")))};
}

PeriodFigures period_figures(const Fetched& f, const Period& p, const std::vector<std::string>& days) {
    PeriodFigures out;
    out.from_s = p.from_s;
    out.to_s = p.to_s;
    out.sources_basis = "daily_sum";
    Slice in{{days.begin(), days.end()}};
    for (auto& [labels, values] : in(f.packets, {"sensor"}))
        if (total(values) && labels.count("sensor")) out.sensors.push_back(labels.at("sensor"));
    for (const std::string& day : days) out.days[day] = {};
    for (auto& [_, v] : in(f.packets, {})) for (auto& [day, n] : v) out.days[day].packets += n;
    for (auto& [_, v] : in(f.sources, {})) for (auto& [day, n] : v) out.days[day].sources += n;
    out.accesses = in.sum(f.packets);
    out.backscatter_packets = in.sum(f.backscatter);
    for (auto& [_, c] : out.days) out.sources += c.sources;

    for (auto& [l, v] : in(f.ports, {"protocol", "port"})) {
        if (!total(v)) continue;
        out.ports[port_key(l)].packets = total(v);
        out.port_days[port_key(l)] = v;
    }
    for (auto& [l, v] : in(f.port_sources, {"protocol", "port"}))
        if (out.ports.count(port_key(l))) out.ports[port_key(l)].sources = total(v);
    for (auto& [l, v] : in(f.countries, {"country"})) {
        if (!total(v)) continue;
        out.countries[l.at("country")].packets = total(v);
        out.country_days[l.at("country")] = v;
    }
    for (auto& [l, v] : in(f.country_sources, {"country"}))
        if (out.countries.count(l.at("country"))) out.countries[l.at("country")].sources = total(v);

    for (auto& [l, v] : in(f.backscatter, {"kind", "port"}))
        if (total(v)) out.backscatter_by_kind_port[l.at("kind") + "/" + l.at("port")] = total(v);
    if (!f.attacks.empty()) out.attacks_started = in.sum(f.attacks);
    if (!f.zones.empty()) {
        std::vector<ZoneFigures> zones;
        auto busiest_day = [](const DayValues& v) { uint64_t m = 0; for (auto& [_, n] : v) m = std::max(m, n); return m; };
        auto names = in(f.zone_names, {"zone"}), resolvers = in(f.zone_resolvers, {"zone"}), random = in(f.zone_random, {"zone"});
        for (auto& [l, v] : in(f.zones, {"zone"}))
            if (total(v)) zones.push_back({l.at("zone"), total(v), busiest_day(names[l]), busiest_day(resolvers[l]),
                                           busiest_day(random[l]) > 0, {}});  // no samples: Prometheus holds no names
        std::stable_sort(zones.begin(), zones.end(), [](auto& a, auto& b) { return a.messages > b.messages; });
        out.zones = zones;
    }
    if (!f.rcodes.empty()) {
        std::map<std::string, uint64_t> rcodes;
        for (auto& [l, v] : in(f.rcodes, {"rcode"})) rcodes[l.at("rcode")] = total(v);
        out.dns_rcodes = rcodes;
    }
    if (!f.resolver_countries.empty()) {
        std::map<std::string, uint64_t> countries;
        for (auto& [l, v] : in(f.resolver_countries, {"country"})) countries[l.at("country")] = total(v);
        out.dns_resolver_countries = countries;
    }
    if (!f.backscatter_countries.empty()) {
        std::map<std::string, uint64_t> countries;
        for (auto& [l, v] : in(f.backscatter_countries, {"country"})) if (total(v)) countries[l.at("country")] = total(v);
        out.backscatter_countries = countries;
    }
    if (!f.port_countries.empty()) {
        std::map<PortKey, std::map<std::string, uint64_t>> pc;
        for (auto& [l, v] : in(f.port_countries, {"protocol", "port", "country"}))
            if (total(v) && l.at("port") != "other") pc[port_key(l)][l.at("country")] = total(v);
        out.port_countries = pc;
    }
    for (auto& [l, v] : in(f.tools, {"tool"})) out.tools[l.at("tool")].packets = total(v);
    for (auto& [l, v] : in(f.tool_sources, {"tool"})) out.tools[l.at("tool")].sources = total(v);
    for (auto& [l, v] : in(f.signatures, {"window", "ttl", "options"}))
        if (total(v)) out.signatures.push_back({l.at("window"), l.at("ttl"), l.at("options"), total(v)});
    std::stable_sort(out.signatures.begin(), out.signatures.end(), [](auto& a, auto& b) { return a.packets > b.packets; });
    for (auto& [l, v] : in(f.source_ports, {"protocol", "proto", "port"}))
        if (total(v)) out.source_ports[port_key(l)] += total(v);
    if (!f.source_port_destinations.empty()) {
        std::map<PortKey, std::map<std::string, uint64_t>> spd;
        for (auto& [l, v] : in(f.source_port_destinations, {"protocol", "source_port", "port"}))
            if (total(v))
                spd[{l.at("protocol"), static_cast<uint32_t>(std::stoul(l.at("source_port")))}][l.at("port")] = total(v);
        out.source_port_destinations = spd;
    }
    for (auto& [l, v] : in(f.combinations, {"combination"})) out.combinations[l.at("combination")] = total(v);
    return out;
}

}  // namespace

Figures figures_from_prometheus(const PrometheusClient& client, const Period& current, const Period& previous,
                                const std::string& timezone) {
    const int64_t from = std::min(current.from_s, previous.from_s), to = std::max(current.to_s, previous.to_s);
    const DailySeries daily(client, from, to, timezone);
    const Fetched f = fetch_all(daily);

    Figures out;
    out.source = "prometheus " + client.url();
    out.timezone = timezone;
    out.current = period_figures(f, current, days_of(current, timezone));
    if (out.current.sensors.empty()) {
        // Told apart from a Prometheus with no darkscope series at all, whenever.
        if (client.query("count(last_over_time(darkscope_packets_total[3650d]))", to).empty())
            throw std::runtime_error("Prometheus at " + client.url() + " holds no darkscope series (darkscope_packets_total)");
        throw std::runtime_error("no darkscope accesses from " + day_of(current.from_s, timezone) + " to " +
                                 day_of(current.to_s - 1, timezone) + ": an empty period");
    }
    PeriodFigures before = period_figures(f, previous, days_of(previous, timezone));
    if (!before.sensors.empty()) out.previous = std::move(before);
    return out;
}

}  // namespace darkscope::report
