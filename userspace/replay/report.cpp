#include "replay/report.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <vector>

#include "accumulator/access_status.h"
#include "backscatter/attack_json.h"
#include "dataplane/names.h"
#include "dataplane/service_names.h"
#include "fingerprint/signature_report.h"

namespace darkscope {
namespace {

struct Totals {
    ds_counter dark{}, probe{}, backscatter{}, passed{}, malformed{};
    uint64_t unattributed = 0, vlan_tagged = 0, first_fragments = 0;
};

Totals totals_of(const Snapshot& s) {
    Totals t;
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p)
        for (uint32_t c = 0; c < DS_CLASS_COUNT; ++c) {
            const ds_counter& v = s.stats[DS_STATS_CLASS(p, c)];
            ds_counter& group = class_is_backscatter(c) ? t.backscatter : t.probe;
            group.packets += v.packets;
            group.bytes += v.bytes;
            t.dark.packets += v.packets;
            t.dark.bytes += v.bytes;
        }
    for (uint32_t r = 0; r < DS_PASS_COUNT; ++r) t.passed.packets += s.stats[DS_STATS_PASS(r)].packets;
    for (uint32_t r = 0; r < DS_MAL_COUNT; ++r) t.malformed.packets += s.stats[DS_STATS_MALFORMED(r)].packets;
    t.unattributed = s.stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets;
    t.vlan_tagged = s.stats[DS_STATS_MISC(DS_MISC_VLAN_TAGGED)].packets;
    t.first_fragments = s.stats[DS_STATS_MISC(DS_MISC_FIRST_FRAGMENT)].packets;
    return t;
}

std::string iso_time(int64_t ns) {
    time_t t = static_cast<time_t>(ns / 1000000000);
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[40];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
    return buf;
}

// Ports sorted by a key, descending, ties by protocol then port ascending.
template <typename Key>
std::vector<std::pair<std::pair<std::string, uint16_t>, PortDetail>> ranked_ports(const ReplayResult& r, Key key) {
    std::vector<std::pair<std::pair<std::string, uint16_t>, PortDetail>> v(r.ports.begin(), r.ports.end());
    std::stable_sort(v.begin(), v.end(), [&](auto& a, auto& b) { return key(a.second) > key(b.second); });
    return v;
}

template <typename Key>
std::vector<std::pair<std::string, PortDetail>> ranked_countries(const ReplayResult& r, Key key) {
    std::vector<std::pair<std::string, PortDetail>> v(r.countries.begin(), r.countries.end());
    std::stable_sort(v.begin(), v.end(), [&](auto& a, auto& b) { return key(a.second) > key(b.second); });
    return v;
}

// "tcp/80,tcp/443,icmp/3:3": an attack's ports as the JSON form lists them.
std::string ports_text(const nlohmann::json& attack) {
    std::string out;
    for (const nlohmann::json& p : attack["ports"]) {
        if (!out.empty()) out += ",";
        out += p["protocol"].get<std::string>() + "/" +
               (p.contains("port") ? std::to_string(p["port"].get<int>())
                                   : std::to_string(p["type"].get<int>()) + ":" + std::to_string(p["code"].get<int>()));
    }
    return out;
}

// Attacks, busiest first (ties: earlier first), as report tables show them.
std::vector<const AttackEvent*> ranked_attacks(const ReplayResult& r) {
    std::vector<const AttackEvent*> v;
    for (const AttackEvent& a : r.attacks) v.push_back(&a);
    std::stable_sort(v.begin(), v.end(), [](const AttackEvent* a, const AttackEvent* b) {
        return a->packets != b->packets ? a->packets > b->packets : a->start_ns < b->start_ns;
    });
    return v;
}

// A tool's busiest destination ports, ties by port ascending.
std::vector<std::pair<uint16_t, uint64_t>> tool_ports(const ReplayResult& r, uint32_t tool, size_t top_n) {
    std::vector<std::pair<uint16_t, uint64_t>> v(r.tool_ports[tool].begin(), r.tool_ports[tool].end());
    std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    if (v.size() > top_n) v.resize(top_n);
    return v;
}

std::string pct(uint64_t part, uint64_t whole) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%5.1f%%", whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
    return buf;
}

// Cross-tabs (issue #16): one row per label (a port label, a source port), busiest
// first (ties by label), its columns busiest first with "other" last (when it has
// packets), as the darkscope_*_packets_total cross-tab families have them.
template <class Label>
struct CrossRow {
    Label label;
    uint64_t packets = 0;  // sum of the exported values: for ranking only
    std::vector<std::pair<std::string, uint64_t>> columns;
};

template <class Label>
std::vector<CrossRow<Label>> cross_rows(const std::map<Label, std::map<std::string, uint64_t>>& table) {
    std::vector<CrossRow<Label>> rows;
    for (const auto& [label, columns] : table) {
        CrossRow<Label> r{label, 0, {}};
        for (const auto& [name, n] : columns)
            if (name != "other") r.columns.emplace_back(name, n), r.packets += n;
        std::stable_sort(r.columns.begin(), r.columns.end(), [](auto& a, auto& b) { return a.second > b.second; });
        const auto other = columns.find("other");
        if (other != columns.end() && other->second) r.columns.emplace_back("other", other->second);
        if (other != columns.end()) r.packets += other->second;
        rows.push_back(std::move(r));
    }
    std::stable_sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.packets > b.packets; });
    return rows;
}

// The service name of a TCP/UDP port label ("" for "other" and ICMP types).
std::string label_service(const PortLabel& label) {
    if (label.protocol != "tcp" && label.protocol != "udp") return "";
    uint16_t port = 0;
    const char* end = label.port.data() + label.port.size();
    return std::from_chars(label.port.data(), end, port).ptr == end ? service_name(label.protocol, port) : "";
}

std::string columns_text(const std::vector<std::pair<std::string, uint64_t>>& columns) {
    std::string out;
    for (const auto& [name, n] : columns) out += (out.empty() ? "" : ", ") + name + " " + std::to_string(n);
    return out;
}

}  // namespace

std::string format_summary(const ReplayResult& r, size_t top_n) {
    const Snapshot& s = r.snapshot;
    const Totals t = totals_of(s);
    std::ostringstream o;
    char line[160];
    o << "darkscope replay: " << r.frames << " frames";
    if (r.frames) o << ", " << iso_time(r.first_ts_ns) << " to " << iso_time(r.last_ts_ns);
    o << "\n\n";
    std::snprintf(line, sizeof line, "%-28s %12s\n", "", "packets");
    o << line;
    auto row = [&](const char* name, uint64_t v) {
        std::snprintf(line, sizeof line, "%-28s %12llu\n", name, static_cast<unsigned long long>(v));
        o << line;
    };
    row("dark (counted, dropped)", t.dark.packets);
    row("  probes (accesses)", t.probe.packets);
    row("  backscatter", t.backscatter.packets);
    row("passed (not dark)", t.passed.packets);
    row("malformed", t.malformed.packets);
    row("unattributed (map full)", t.unattributed);
    row("unique sources (probes)", r.distinct_sources);

    o << "\nPer day (" << (s.today.empty() ? "no packets" : "probe packets and unique sources") << ")\n";
    for (const auto& [day, d] : s.days) {
        std::snprintf(line, sizeof line, "  %-12s %12llu packets %10llu sources\n", day.c_str(),
                      static_cast<unsigned long long>(d.packets), static_cast<unsigned long long>(d.sources));
        o << line;
    }

    o << "\nDark packets by class\n";
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p)
        for (uint32_t c = 0; c < DS_CLASS_COUNT; ++c) {
            const ds_counter& v = s.stats[DS_STATS_CLASS(p, c)];
            if (!v.packets) continue;
            std::snprintf(line, sizeof line, "  %-7s %-15s %-12s %12llu\n", proto_name(p), class_name(c),
                          class_is_backscatter(c) ? "backscatter" : "probe", static_cast<unsigned long long>(v.packets));
            o << line;
        }

    uint64_t probe_port_packets = 0;
    for (auto& [_, d] : r.ports) probe_port_packets += d.packets;
    auto port_table = [&](const char* title, auto key, uint64_t whole, const char* unit) {
        o << "\n" << title << "\n  rank  port        " << unit << "    share  service\n";
        size_t rank = 0;
        for (auto& [port, d] : ranked_ports(r, key)) {
            if (++rank > top_n) break;
            std::snprintf(line, sizeof line, "  %4zu  %5u/%-4s %10llu  %s  %s\n", rank, port.second, port.first.c_str(),
                          static_cast<unsigned long long>(key(d)), pct(key(d), whole).c_str(),
                          service_name(port.first, port.second).c_str());
            o << line;
        }
        if (!rank) o << "  (none)\n";
    };
    port_table("Top destination ports by packets (probes)", [](const PortDetail& d) { return d.packets; },
               probe_port_packets, "packets");
    port_table("Top destination ports by unique sources", [](const PortDetail& d) { return d.sources; },
               r.distinct_sources, "sources");

    o << "\nCountries of each destination port (probe packets; --port-country-top countries per port)\n";
    {
        size_t rank = 0;
        for (const auto& row : cross_rows(s.port_country_packets)) {
            if (++rank > top_n) break;
            std::snprintf(line, sizeof line, "  %4zu  %5s/%-6s %-16s ", rank, row.label.port.c_str(),
                          row.label.protocol.c_str(), label_service(row.label).c_str());
            o << line << columns_text(row.columns) << "\n";
        }
        if (!rank) o << "  (none)\n";
    }
    o << "\nDestination ports of each source port (probes, from the source port's admission)\n";
    {
        size_t rank = 0;
        for (const auto& row : cross_rows(s.source_port_dest_packets)) {
            if (++rank > top_n) break;
            std::snprintf(line, sizeof line, "  %4zu  %5u/%-6s ", rank, row.label.port, ip_protocol_name(row.label.proto));
            o << line << columns_text(row.columns) << "\n";
        }
        if (!rank) o << "  (none)\n";
    }

    o << "\nScanning tools (TCP SYNs by header fingerprint; rules: docs/fingerprints.md)\n"
      << "  tool        attributed  rule matches   sources  top ports\n";
    for (uint32_t tool = 0; tool < DS_TOOL_COUNT; ++tool) {
        std::string top;
        for (auto& [port, c] : tool_ports(r, tool, 5))
            top += (top.empty() ? "" : ", ") + std::to_string(port) + " (" + std::to_string(c) + ")";
        const std::string matches = tool == DS_TOOL_UNKNOWN ? "-" : std::to_string(s.tools.rule_matches[tool].packets);
        std::snprintf(line, sizeof line, "  %-9s %12llu %13s %9llu  %s\n", tool_name(tool),
                      static_cast<unsigned long long>(s.tools.attributed[tool].packets), matches.c_str(),
                      static_cast<unsigned long long>(r.tool_sources[tool]), top.c_str());
        o << line;
    }

    const PortCombinationSnapshot& pc = r.combinations;
    o << "\nPort combinations (sources that hit every port of a combination; whole capture)\n";
    for (const auto& [c, n] : pc.named) {
        std::snprintf(line, sizeof line, "  %-20s %9llu sources  %s\n", c.name.c_str(),
                      static_cast<unsigned long long>(n), ports_text(c.ports).c_str());
        o << line;
    }
    o << "  Top exact port sets (ports of interest: tracked and combination ports)\n  rank    sources  ports\n";
    {
        size_t rank = 0;
        for (const auto& [set, n] : pc.top) {
            if (++rank > top_n) break;
            std::snprintf(line, sizeof line, "  %4zu %10llu  %s\n", rank, static_cast<unsigned long long>(n),
                          ports_text(set).c_str());
            o << line;
        }
        if (!rank) o << "  (none)\n";
    }
    if (pc.untracked_sources)
        o << "  " << pc.untracked_sources << " sources not tracked (--port-combination-max-sources)\n";
    if (pc.scanner_sources)
        o << "  " << pc.scanner_sources << " scanners left out (more ports than --port-combination-max-ports)\n";

    const ScanSnapshot& sc = s.scans;
    o << "\nScan events (docs/configuration.md#scan-events): " << sc.events << " started, " << sc.active
      << " still going on at the end";
    if (sc.untracked_entries) o << ", " << sc.untracked_entries << " entries not judged (--scan-max-sources)";
    o << "\n  rank  source                                    ports     packets  start\n";
    {
        size_t rank = 0;
        for (const ScannerRow& row : sc.biggest) {
            if (++rank > top_n) break;
            std::snprintf(line, sizeof line, "  %4zu  %-40s %5u%s %10llu  %s\n", rank, source_text(row.source).c_str(),
                          row.ports, row.ports_capped ? "+" : " ", static_cast<unsigned long long>(row.packets),
                          iso_time(row.start_ns).c_str());
            o << line;
        }
        if (!rank) o << "  (none)\n";
    }
    o << "\nHeader signatures (probes by source port and by window, TTL and TCP options)\n";
    print_signature_tables(o, s.signature_top, s.stats[DS_STATS_MISC(DS_MISC_SIGNATURE_FULL)].packets);

    auto country_table = [&](const char* title, auto key, uint64_t whole, const char* unit) {
        o << "\n" << title << "\n  rank  country  " << unit << "    share\n";
        size_t rank = 0;
        for (auto& [cc, d] : ranked_countries(r, key)) {
            if (++rank > top_n) break;
            std::snprintf(line, sizeof line, "  %4zu  %-7s %10llu  %s\n", rank, cc.c_str(),
                          static_cast<unsigned long long>(key(d)), pct(key(d), whole).c_str());
            o << line;
        }
        if (!rank) o << "  (none)\n";
    };
    uint64_t country_packets = 0;
    for (auto& [_, d] : r.countries) country_packets += d.packets;
    country_table("Top source countries by packets", [](const PortDetail& d) { return d.packets; }, country_packets,
                  "packets");
    country_table("Top source countries by unique sources", [](const PortDetail& d) { return d.sources; },
                  r.distinct_sources, "sources");

    const BackscatterView& b = r.backscatter;
    o << "\nBackscatter: " << r.attacks.size() << " attacks (DoS victims), " << b.victims.untracked_packets
      << " packets from untracked victims\n";
    {
        size_t rank = 0;
        for (const AttackEvent* a : ranked_attacks(r)) {
            if (++rank > top_n) break;
            const nlohmann::json j = attack_to_json(*a);
            std::snprintf(line, sizeof line, "  %4zu  %-18s %-3s %s %8.1f s %10llu packets  %s", rank, a->victim.c_str(),
                          a->country.c_str(), j["start"].get<std::string>().c_str(),
                          j["duration_seconds"].get<double>(), static_cast<unsigned long long>(a->packets),
                          ports_text(j).c_str());
            o << line;
            if (a->estimated_pps) {
                std::snprintf(line, sizeof line, "  est. %.0f pps", *a->estimated_pps);
                o << line;
            }
            o << "\n";
        }
    }
    o << "  packets by kind and victim port:";
    bool any = false;
    for (const auto& [label, n] : b.victims.packets)
        if (n) o << (any ? ", " : " ") << label.kind << "/" << label.port << " " << n, any = true;
    o << (any ? "\n" : " none\n");
    o << "  packets by kind and victim country:";
    any = false;
    for (const auto& [key, n] : b.victims.country_packets)
        o << (any ? ", " : " ") << key.first << "/" << key.second << " " << n, any = true;
    o << (any ? "\n" : " none\n");

    const dns::BackscatterSnapshot& d = b.dns;
    uint64_t received = 0, malformed = 0;
    for (uint64_t n : d.received) received += n;
    for (uint64_t n : d.malformed) malformed += n;
    o << "\nDNS backscatter: " << received << " messages (" << d.received[0] << " responses, " << d.received[1]
      << " quoted by ICMP errors), " << d.messages << " read, " << malformed << " malformed\n";
    o << "  responses by rcode:";
    for (size_t i = 0; i < dns::kRcodeBuckets; ++i)
        o << (i ? ", " : " ") << dns::rcode_bucket_name(static_cast<dns::RcodeBucket>(i)) << " " << d.rcodes[i];
    o << "\n  responses by resolver country:";
    bool any_country = false;
    for (const auto& [country, n] : d.resolver_countries)
        o << (any_country ? ", " : " ") << country << " " << n, any_country = true;
    o << (any_country ? "\n" : " none\n");
    o << "  rank  zone                                   messages    names  resolvers\n";
    {
        size_t rank = 0;
        for (const dns::ZoneRow& z : d.zones) {
            if (++rank > top_n) break;
            std::snprintf(line, sizeof line, "  %4zu  %-36s %10llu %8llu %10llu%s%s\n", rank, z.zone.c_str(),
                          static_cast<unsigned long long>(z.messages), static_cast<unsigned long long>(z.names_today),
                          static_cast<unsigned long long>(z.resolvers_today), z.counts_exact ? "" : " (estimated)",
                          z.random_subdomain ? "  RANDOM-SUBDOMAIN ATTACK" : "");
            o << line;
            if (z.random_subdomain && !z.samples.empty()) {
                o << "        names:";
                for (size_t i = 0; i < z.samples.size(); ++i) o << (i ? ", " : " ") << z.samples[i];
                o << "\n";
            }
        }
        if (!rank) o << "  (none)\n";
    }

    if (t.malformed.packets) {
        o << "\nMalformed frames by reason\n";
        for (uint32_t m = 0; m < DS_MAL_COUNT; ++m)
            if (uint64_t n = s.stats[DS_STATS_MALFORMED(m)].packets) row((std::string("  ") + malformed_reason_name(m)).c_str(), n);
    }
    if (t.passed.packets) {
        o << "\nPassed frames by reason\n";
        for (uint32_t p = 0; p < DS_PASS_COUNT; ++p)
            if (uint64_t n = s.stats[DS_STATS_PASS(p)].packets) row((std::string("  ") + pass_reason_name(p)).c_str(), n);
    }
    if (!r.batch_error.empty()) o << "\nnote: " << r.batch_error << "; frames ran one per test run\n";
    if (!r.error.empty()) o << "\nerror: " << r.error << " (counts above include the frames read before it)\n";
    return o.str();
}

nlohmann::json to_json(const ReplayResult& r) {
    using nlohmann::json;
    const Snapshot& s = r.snapshot;
    const Totals t = totals_of(s);
    json j;
    j["files"] = r.files;
    j["frames"] = r.frames;
    j["first_timestamp"] = r.frames ? json(iso_time(r.first_ts_ns)) : json(nullptr);
    j["last_timestamp"] = r.frames ? json(iso_time(r.last_ts_ns)) : json(nullptr);
    j["test_runs"] = r.test_runs;
    j["batch_error"] = r.batch_error.empty() ? json(nullptr) : json(r.batch_error);
    j["totals"] = {
        {"dark_packets", t.dark.packets},          {"dark_bytes", t.dark.bytes},
        {"probe_packets", t.probe.packets},        {"backscatter_packets", t.backscatter.packets},
        {"passed_packets", t.passed.packets},      {"malformed_packets", t.malformed.packets},
        {"unattributed_packets", t.unattributed},  {"vlan_tagged_frames", t.vlan_tagged},
        {"first_fragments", t.first_fragments},
    };
    json classes = json::array();
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p)
        for (uint32_t c = 0; c < DS_CLASS_COUNT; ++c) {
            const ds_counter& v = s.stats[DS_STATS_CLASS(p, c)];
            if (!v.packets) continue;
            classes.push_back({{"protocol", proto_name(p)}, {"class", class_name(c)},
                               {"group", class_is_backscatter(c) ? "backscatter" : "probe"},
                               {"packets", v.packets}, {"bytes", v.bytes}});
        }
    j["classes"] = classes;
    json ports = json::array();
    for (auto& [port, d] : ranked_ports(r, [](const PortDetail& d) { return d.packets; }))
        ports.push_back({{"protocol", port.first}, {"port", port.second}, {"packets", d.packets},
                         {"bytes", d.bytes}, {"sources", d.sources}, {"service", service_name(port.first, port.second)}});
    j["ports"] = ports;
    json icmp = json::array();
    for (uint32_t slot : {DS_SLOT_ICMP, DS_SLOT_ICMPV6})
        for (uint32_t tc = 0; tc < DS_PORTS_PER_SLOT; ++tc)
            if (const ds_counter& v = r.port_stats[DS_PORT_INDEX(slot, tc)]; v.packets)
                icmp.push_back({{"protocol", slot_protocol_name(slot)}, {"type", tc >> 8},
                                {"code", tc & 0xff}, {"packets", v.packets}, {"bytes", v.bytes}});
    j["icmp"] = icmp;
    json backscatter = json::array();
    for (uint32_t slot : {DS_SLOT_TCP_SRC_BACKSCATTER, DS_SLOT_UDP_SRC_BACKSCATTER})
        for (uint32_t port = 0; port < DS_PORTS_PER_SLOT; ++port)
            if (const ds_counter& v = r.port_stats[DS_PORT_INDEX(slot, port)]; v.packets)
                backscatter.push_back({{"protocol", slot_protocol_name(slot)},
                                       {"source_port", port}, {"packets", v.packets}, {"bytes", v.bytes}});
    j["backscatter_ports"] = backscatter;
    json countries = json::array();
    for (auto& [cc, d] : ranked_countries(r, [](const PortDetail& d) { return d.packets; }))
        countries.push_back({{"country", cc}, {"packets", d.packets}, {"bytes", d.bytes}, {"sources", d.sources}});
    j["countries"] = countries;
    json port_countries = json::array();
    for (const auto& row : cross_rows(s.port_country_packets)) {
        json columns = json::array();
        for (const auto& [cc, n] : row.columns) columns.push_back({{"country", cc}, {"packets", n}});
        port_countries.push_back({{"protocol", row.label.protocol},
                                  {"port", row.label.port},
                                  {"service", label_service(row.label)},
                                  {"countries", columns}});
    }
    j["port_countries"] = port_countries;
    json source_port_dests = json::array();
    for (const auto& row : cross_rows(s.source_port_dest_packets)) {
        json columns = json::array();
        for (const auto& [port, n] : row.columns) columns.push_back({{"port", port}, {"packets", n}});
        source_port_dests.push_back(
            {{"protocol", ip_protocol_name(row.label.proto)}, {"source_port", row.label.port}, {"ports", columns}});
    }
    j["source_port_destinations"] = source_port_dests;
    json tools = json::array();
    for (uint32_t tool = 0; tool < DS_TOOL_COUNT; ++tool) {
        json t = {{"tool", tool_name(tool)},
                  {"packets", s.tools.attributed[tool].packets},
                  {"bytes", s.tools.attributed[tool].bytes},
                  {"sources", r.tool_sources[tool]}};
        if (tool != DS_TOOL_UNKNOWN) t["rule_matches"] = s.tools.rule_matches[tool].packets;
        json ports = json::array();
        for (auto& [port, c] : tool_ports(r, tool, 10)) ports.push_back({{"port", port}, {"packets", c}});
        t["top_ports"] = ports;
        tools.push_back(t);
    }
    j["tools"] = tools;
    json named = json::array(), top_sets = json::array();
    for (const auto& [c, n] : r.combinations.named)
        named.push_back({{"name", c.name}, {"ports", ports_text(c.ports)}, {"sources", n}});
    for (const auto& [set, n] : r.combinations.top) top_sets.push_back({{"ports", ports_text(set)}, {"sources", n}});
    json scanners = json::array();
    for (const ScannerRow& row : s.scans.biggest) scanners.push_back(scanner_json(row, iso_time));
    j["scans"] = {{"events", s.scans.events},
                  {"active_at_end", s.scans.active},
                  {"untracked_entries", s.scans.untracked_entries},
                  {"biggest", scanners}};
    j["port_combinations"] = {{"named", named},
                              {"top", top_sets},
                              {"tracked_sources", r.combinations.tracked_sources},
                              {"untracked_sources", r.combinations.untracked_sources},
                              {"scanner_sources", r.combinations.scanner_sources}};
    j["header_signatures"] = signature_json(s.signature_top, s.stats[DS_STATS_MISC(DS_MISC_SIGNATURE_FULL)].packets);
    j["sources"] = {{"distinct", r.distinct_sources}};
    json days = json::array();
    for (auto& [day, d] : s.days) days.push_back({{"day", day}, {"packets", d.packets}, {"sources", d.sources}});
    j["days"] = days;
    json malformed = json::object(), passed = json::object();
    for (uint32_t m = 0; m < DS_MAL_COUNT; ++m) malformed[malformed_reason_name(m)] = s.stats[DS_STATS_MALFORMED(m)].packets;
    for (uint32_t p = 0; p < DS_PASS_COUNT; ++p) passed[pass_reason_name(p)] = s.stats[DS_STATS_PASS(p)].packets;
    j["malformed"] = malformed;
    j["passed"] = passed;
    j["unattributed"] = t.unattributed;

    const BackscatterView& b = r.backscatter;
    json attacks = json::array();
    for (const AttackEvent& a : r.attacks) attacks.push_back(attack_to_json(a));
    j["attacks"] = attacks;
    json by_kind = json::array();
    for (const auto& [label, n] : b.victims.packets)
        if (n) by_kind.push_back({{"kind", label.kind}, {"port", label.port}, {"packets", n}});
    j["backscatter"] = {{"attacks_started", b.victims.attacks_started},
                        {"untracked_packets", b.victims.untracked_packets},
                        {"packets", by_kind}};
    json by_country = json::array();
    for (const auto& [key, n] : b.victims.country_packets)
        by_country.push_back({{"kind", key.first}, {"country", key.second}, {"packets", n}});
    j["backscatter"]["countries"] = by_country;
    const dns::BackscatterSnapshot& d = b.dns;
    json zones = json::array();
    for (const dns::ZoneRow& z : d.zones)
        zones.push_back({{"zone", z.zone},
                         {"messages", z.messages},
                         {"names", z.names_today},
                         {"resolvers", z.resolvers_today},
                         {"counts_exact", z.counts_exact},
                         {"random_subdomain", z.random_subdomain},
                         {"samples", z.samples}});
    json received = json::object(), dns_malformed = json::object();
    for (size_t i = 0; i < static_cast<size_t>(dns::Via::Count); ++i)
        received[dns::via_name(static_cast<dns::Via>(i))] = d.received[i];
    for (size_t i = 1; i < static_cast<size_t>(dns::ParseError::Count); ++i)
        dns_malformed[dns::parse_error_name(static_cast<dns::ParseError>(i))] = d.malformed[i];
    json rcodes = json::object();
    for (size_t i = 0; i < dns::kRcodeBuckets; ++i)
        rcodes[dns::rcode_bucket_name(static_cast<dns::RcodeBucket>(i))] = d.rcodes[i];
    j["dns"] = {{"received", received},
                {"messages", d.messages},
                {"malformed", dns_malformed},
                {"rcodes", rcodes},
                {"resolver_countries", d.resolver_countries},
                {"zones_evicted", d.zones_evicted},
                {"events", {{"sent", b.dns_sent}, {"rate_limited", b.dns_rate_limited}, {"ringbuf_full", b.dns_ringbuf_full}}},
                {"zones", zones}};
    if (!r.error.empty()) j["error"] = r.error;
    return j;
}

}  // namespace darkscope
