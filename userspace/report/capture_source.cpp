#include "report/capture_source.h"

#include <limits>
#include <stdexcept>

#include "replay/report.h"

namespace darkscope::report {
namespace {

// Each day's last sample of the accumulator's daily tables is the day's figure.
struct DailyTables {
    std::map<std::string, std::map<PortKey, uint64_t>> ports;
    std::map<std::string, std::map<std::string, uint64_t>> countries;

    void sample(const Snapshot& s) {
        if (s.today.empty()) return;
        auto& p = ports[s.today];
        p.clear();
        for (const PortToday& row : s.ports_today) p[{row.protocol, row.port}] = row.packets;
        countries[s.today] = s.country_packets_today;
    }
};

}  // namespace

Figures figures_from_captures(const std::vector<std::string>& files, ReplayOptions options, const std::string& sensor) {
    DailyTables daily;
    // Every port of the day, not the exporter's busiest 20: the chart's ports are the period's.
    options.accumulator.top_today = std::numeric_limits<uint16_t>::max();
    options.on_interval = [&daily](int64_t, const Accumulator& acc, const BackscatterView&) {
        daily.sample(acc.snapshot());
    };
    const ReplayResult r = replay(files, options);
    if (!r.error.empty()) throw std::runtime_error(r.error);
    if (r.frames == 0) throw std::runtime_error("the captures hold no frame: an empty period");
    const nlohmann::json j = to_json(r);

    Figures f;
    f.source = "capture";
    f.timezone = options.accumulator.day_timezone;
    f.files = files;
    PeriodFigures& p = f.current;
    p.from_s = r.first_ts_ns / 1'000'000'000;
    p.to_s = r.last_ts_ns / 1'000'000'000 + 1;
    p.sensors = {sensor};
    p.sources_basis = "whole_period";
    p.accesses = j["totals"]["probe_packets"];
    p.backscatter_packets = j["totals"]["backscatter_packets"];
    p.sources = j["sources"]["distinct"];
    for (const auto& d : j["days"]) p.days[d["day"]] = {d["packets"], d["sources"]};
    for (const auto& row : j["ports"]) p.ports[{row["protocol"], row["port"]}] = {row["packets"], row["sources"]};
    // ICMP probes by type, as the exporter counts them (backscatter types are not accesses).
    for (const auto& [label, c] : r.snapshot.port_packets)
        if ((label.protocol == "icmp" || label.protocol == "icmpv6") && c.packets)
            p.ports[{label.protocol, static_cast<uint32_t>(std::stoul(label.port))}].packets += c.packets;
    for (const auto& row : j["countries"]) p.countries[row["country"]] = {row["packets"], row["sources"]};
    for (const auto& [day, ports] : daily.ports)
        for (const auto& [key, n] : ports) p.port_days[key][day] = n;
    for (const auto& [day, countries] : daily.countries)
        for (const auto& [cc, n] : countries) p.country_days[cc][day] = n;

    for (const auto& row : j["backscatter"]["packets"])
        p.backscatter_by_kind_port[row["kind"].get<std::string>() + "/" + row["port"].get<std::string>()] = row["packets"];
    p.attacks_started = j["backscatter"]["attacks_started"];
    std::map<std::string, uint64_t> victim_countries;
    for (const auto& row : j["backscatter"]["countries"])
        victim_countries[row["country"]] += row["packets"].get<uint64_t>();
    p.backscatter_countries = victim_countries;
    std::vector<ZoneFigures> zones;
    for (const auto& z : j["dns"]["zones"])
        zones.push_back({z["zone"], z["messages"], z["names"], z["resolvers"], z["random_subdomain"], z["samples"]});
    p.zones = zones;
    p.dns_rcodes = j["dns"]["rcodes"].get<std::map<std::string, uint64_t>>();
    p.dns_resolver_countries = j["dns"]["resolver_countries"].get<std::map<std::string, uint64_t>>();
    // Ports and source ports as the exporter labels them; port="other" is no port to name.
    std::map<PortKey, std::map<std::string, uint64_t>> port_countries, source_port_destinations;
    for (const auto& row : j["port_countries"]) {
        if (row["port"] == "other") continue;
        auto& countries = port_countries[{row["protocol"], static_cast<uint32_t>(std::stoul(row["port"].get<std::string>()))}];
        for (const auto& c : row["countries"]) countries[c["country"]] = c["packets"];
    }
    p.port_countries = port_countries;
    for (const auto& row : j["source_port_destinations"]) {
        auto& ports = source_port_destinations[{row["protocol"], row["source_port"]}];
        for (const auto& d : row["ports"]) ports[d["port"]] = d["packets"];
    }
    p.source_port_destinations = source_port_destinations;
    for (const auto& t : j["tools"]) p.tools[t["tool"]] = {t["packets"], t["sources"]};
    for (const auto& s : j["header_signatures"]["signatures"])
        p.signatures.push_back({std::to_string(s["window"].get<int>()), std::to_string(s["ttl"].get<int>()),
                                s["options"], s["packets"]});
    for (const auto& s : j["header_signatures"]["source_ports"]) p.source_ports[{s["protocol"], s["port"]}] = s["packets"];
    for (const auto& c : j["port_combinations"]["named"]) p.combinations[c["name"]] = c["sources"];
    return f;
}

}  // namespace darkscope::report
