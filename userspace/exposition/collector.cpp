#include "exposition/collector.h"


#include "exposition/metric_families.h"

#include <bpf/libbpf.h>

#include <utility>

#include "buildinfo/build_info.h"
#include "dataplane/names.h"
#include "dataplane/service_names.h"

namespace darkscope {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = MetricLabels;

template <typename Map, typename Key>
auto value_or_zero(const Map& map, const Key& key) -> typename Map::mapped_type {
    auto it = map.find(key);
    return it == map.end() ? typename Map::mapped_type{} : it->second;
}

// Scanning tools recognised from TCP SYN headers (docs/fingerprints.md): every tool
// is exported from the start, so each series exists before its first packet.
// The day's tables (docs/metrics.md, "Today's tables"): gauges exact from each label's
// first packet of the day, a label set that follows today's busiest ports, back to
// nothing at the day boundary. The counters beside them keep their bounded labels.
void add_today_metrics(const Snapshot& s, std::vector<MetricFamily>& out) {
    auto ports = family("darkscope_port_packets_today",
                        "Probe packets today (--day-boundary-timezone) by destination port: the busiest "
                        "--top-ports-today TCP and UDP ports and every ICMP type, exact from the first packet.",
                        MetricType::Gauge);
    for (const PortToday& p : s.ports_today)
        add(ports, {{"port", std::to_string(p.port)}, {"protocol", p.protocol}}, static_cast<double>(p.packets));
    out.push_back(std::move(ports));
    auto countries = family("darkscope_country_packets_today",
                            "Attributed probe packets today (--day-boundary-timezone) by source country.",
                            MetricType::Gauge);
    for (const auto& [cc, n] : s.country_packets_today) add(countries, {{"country", cc}}, static_cast<double>(n));
    out.push_back(std::move(countries));
}

void add_tool_metrics(const Snapshot& s, std::vector<MetricFamily>& out) {
    auto packets = family("darkscope_tool_packets_total",
                          "Dark TCP SYNs (without ACK) by the scanning tool their headers were attributed to "
                          "(unknown: no rule matched).",
                          MetricType::Counter);
    auto rules = family("darkscope_tool_rule_matches_total",
                        "Dark TCP SYNs matching each tool's header rule, each rule counted on its own "
                        "(a SYN may match several).",
                        MetricType::Counter);
    auto sources = family("darkscope_tool_sources",
                          "Distinct source prefixes today that sent TCP SYNs attributed to this tool.",
                          MetricType::Gauge);
    for (uint32_t t = 0; t < DS_TOOL_COUNT; ++t) {
        add(packets, {{"tool", tool_name(t)}}, static_cast<double>(s.tools.attributed[t].packets));
        if (t != DS_TOOL_UNKNOWN)
            add(rules, {{"tool", tool_name(t)}}, static_cast<double>(s.tools.rule_matches[t].packets));
        add(sources, {{"tool", tool_name(t)}}, static_cast<double>(s.tool_sources[t]));
    }
    out.push_back(std::move(packets));
    out.push_back(std::move(rules));
    out.push_back(std::move(sources));
}

// Port combinations (docs/metrics.md): one series per configured name, from the
// start; the exact sets only go to status and replay (a label per set is unbounded).
void add_combination_metrics(const Snapshot& s, std::vector<MetricFamily>& out) {
    auto sources = family("darkscope_port_combination_sources",
                          "Distinct source prefixes today that hit every destination port of this configured "
                          "combination (--port-combination).",
                          MetricType::Gauge);
    for (const auto& [combination, count] : s.combinations.named)
        add(sources, {{"combination", combination.name}}, static_cast<double>(count));
    out.push_back(std::move(sources));
    auto untracked = family("darkscope_port_combination_untracked_sources",
                            "Distinct source prefixes today that hit a port of interest after "
                            "--port-combination-max-sources were tracked: in no combination count.",
                            MetricType::Gauge);
    add(untracked, {}, static_cast<double>(s.combinations.untracked_sources));
    out.push_back(std::move(untracked));
    auto scanners = family("darkscope_port_combination_scanner_sources",
                           "Distinct source prefixes today that hit more distinct destination ports than "
                           "--port-combination-max-ports: scanners, in no combination count.",
                           MetricType::Gauge);
    add(scanners, {}, static_cast<double>(s.combinations.scanner_sources));
    out.push_back(std::move(scanners));
}

// Scan events (docs/configuration.md#scan-events): counts only; which sources scan is
// in `darkscope status`, never in a label.
void add_scan_metrics(const Snapshot& s, std::vector<MetricFamily>& out) {
    auto active = family("darkscope_scanners_active",
                         "Source prefixes currently scanning: past --scan-min-ports or --scan-min-packets within "
                         "--scan-window, and not silent for a window since.",
                         MetricType::Gauge);
    add(active, {}, static_cast<double>(s.scans.active));
    out.push_back(std::move(active));
    auto events = family("darkscope_scan_events_total", "Scan events started (a source becoming a scanner).",
                         MetricType::Counter);
    add(events, {}, static_cast<double>(s.scans.events));
    out.push_back(std::move(events));
    auto untracked = family("darkscope_scan_untracked_entries_total",
                            "Drained per-source entries not judged for scans because --scan-max-sources sources "
                            "were watched.",
                            MetricType::Counter);
    add(untracked, {}, static_cast<double>(s.scans.untracked_entries));
    out.push_back(std::move(untracked));
}

// Header signatures of probes (docs/fingerprints.md): the busiest labels, admitted
// for good once busy (at most SignatureConfig::max_labels per family), each with
// every probe from its first; the rest, and what admitted labels had before
// admission, in "other" (docs/metrics.md, "Admitted labels").
void add_signature_metrics(const Snapshot& s, std::vector<MetricFamily>& out) {
    const SignatureExport& x = s.signature_export;
    auto sigs = family("darkscope_signature_packets_total",
                       "Dark TCP SYNs (without ACK) by header signature: window, TTL rounded up to 32/64/128/255 "
                       "and TCP option layout (busiest admitted, the rest in window=\"other\").",
                       MetricType::Counter);
    for (const auto& [k, c] : x.signatures)
        add(sigs, {{"options", option_layout_name(k.options)}, {"ttl", std::to_string(k.ttl)},
                   {"window", std::to_string(k.window)}},
            static_cast<double>(c.packets));
    add(sigs, {{"options", "other"}, {"ttl", "other"}, {"window", "other"}},
        static_cast<double>(x.other_signatures.packets));
    out.push_back(std::move(sigs));
    auto ports = family("darkscope_source_port_packets_total",
                        "Dark probes (TCP SYNs without ACK, UDP not from port 53) by source port "
                        "(busiest admitted, the rest in port=\"other\").",
                        MetricType::Counter);
    for (const auto& [k, c] : x.source_ports)
        add(ports, {{"port", std::to_string(k.port)}, {"protocol", ip_protocol_name(k.proto)}},
            static_cast<double>(c.packets));
    for (const auto& [proto, c] : x.other_source_ports)
        add(ports, {{"port", "other"}, {"protocol", ip_protocol_name(proto)}}, static_cast<double>(c.packets));
    out.push_back(std::move(ports));
    auto full = family("darkscope_signature_overflow_packets_total",
                       "Dark probes not counted by header signature because the signatures map was full.",
                       MetricType::Counter);
    const uint32_t idx = DS_STATS_MISC(DS_MISC_SIGNATURE_FULL);
    add(full, {}, s.stats.size() > idx ? static_cast<double>(s.stats[idx].packets) : 0);
    out.push_back(std::move(full));
}

// Cross-tabs of the seed reports (issue #16): each row a bounded label, its columns
// admitted per row (accumulator/cross_tab.h); every row once seen stays exported.
void add_cross_tab_metrics(const Snapshot& s, std::vector<MetricFamily>& out) {
    auto port_countries = family("darkscope_port_country_packets_total",
                                 "Attributed probe packets by destination port and source country: per port, the "
                                 "countries admitted (--port-country-top, --port-country-min-packets), the rest in "
                                 "country=\"other\".",
                                 MetricType::Counter);
    for (const auto& [label, countries] : s.port_country_packets)
        for (const auto& [cc, n] : countries)
            add(port_countries, {{"country", cc}, {"port", label.port}, {"protocol", label.protocol}},
                static_cast<double>(n));
    out.push_back(std::move(port_countries));
    auto source_port_dests = family("darkscope_source_port_destination_packets_total",
                                    "Dark probes from each source port with its own series in "
                                    "darkscope_source_port_packets_total, by destination port, from the source port's "
                                    "admission: the admitted ports (--source-port-destination-top, "
                                    "--source-port-destination-min-packets), the rest in port=\"other\".",
                                    MetricType::Counter);
    for (const auto& [source, ports] : s.source_port_dest_packets)
        for (const auto& [port, n] : ports)
            add(source_port_dests, {{"port", port}, {"protocol", ip_protocol_name(source.proto)},
                                    {"source_port", std::to_string(source.port)}},
                static_cast<double>(n));
    out.push_back(std::move(source_port_dests));
    auto full = family("darkscope_source_port_destination_overflow_packets_total",
                       "Probes from a watched source port not counted by destination port because the kernel's "
                       "map was full.",
                       MetricType::Counter);
    const uint32_t idx = DS_STATS_MISC(DS_MISC_SOURCE_PORT_DEST_FULL);
    add(full, {}, s.stats.size() > idx ? static_cast<double>(s.stats[idx].packets) : 0);
    out.push_back(std::move(full));
}

// Service names for port tables (issue #16): one series per TCP/UDP entry of the
// system's services database, joined by the dashboards on (protocol, port). A fixed
// set, bounded by the database (a few hundred entries), the same at every scrape.
void add_port_info(std::vector<MetricFamily>& out) {
    auto info = family("darkscope_port_info",
                       "Always 1: the service name of a TCP/UDP port in the system's services database "
                       "(/etc/services), for port tables.",
                       MetricType::Gauge);
    for (const ServiceName& s : service_names())
        add(info, {{"port", std::to_string(s.port)}, {"protocol", s.protocol}, {"service", s.name}}, 1);
    out.push_back(std::move(info));
}

// The last closed day in --day-boundary-timezone (docs/metrics.md, "Closed days"):
// gauges that hold a whole sensor day's figures through the next day, so daily bars
// follow the sensor's day rather than UTC's. 0 before the first boundary; a country's
// series, once exported, stays (0 when it had no source that day).
void add_previous_day_metrics(const Snapshot& s, const std::set<std::string>& countries,
                              std::vector<MetricFamily>& out) {
    auto packets = family("darkscope_previous_day_packets",
                          "Attributed probe packets of the last closed day (--day-boundary-timezone).",
                          MetricType::Gauge);
    add(packets, {}, static_cast<double>(s.previous_day_totals.packets));
    out.push_back(std::move(packets));
    auto sources = family("darkscope_previous_day_sources",
                          "Distinct source prefixes of the last closed day (--day-boundary-timezone).",
                          MetricType::Gauge);
    add(sources, {}, static_cast<double>(s.previous_day_totals.sources));
    out.push_back(std::move(sources));
    auto estimated = family("darkscope_previous_day_sources_estimated",
                            "1 when the last closed day's distinct-source figures are HyperLogLog estimates "
                            "(more sources than --day-max-sources).",
                            MetricType::Gauge);
    add(estimated, {}, s.previous_day_sources_estimated ? 1 : 0);
    out.push_back(std::move(estimated));
    auto by_country = family("darkscope_previous_day_country_sources",
                             "Distinct source prefixes of the last closed day (--day-boundary-timezone) by country.",
                             MetricType::Gauge);
    for (const std::string& cc : countries)
        add(by_country, {{"country", cc}}, static_cast<double>(value_or_zero(s.previous_day_country_sources, cc)));
    out.push_back(std::move(by_country));
}

}  // namespace

bool class_combination_possible(uint32_t proto, uint32_t cls) {
    if (cls == DS_CLASS_FRAGMENT) return true;  // a non-first fragment of any protocol
    switch (proto) {
    case DS_PROTO_TCP:
        return cls <= DS_CLASS_TCP_OTHER;
    case DS_PROTO_UDP:
        return cls == DS_CLASS_UDP || cls == DS_CLASS_DNS_RESPONSE || cls == DS_CLASS_UDP_REFLECTION;
    case DS_PROTO_ICMP:
    case DS_PROTO_ICMPV6:
        return cls >= DS_CLASS_ICMP_ECHO_REQUEST && cls <= DS_CLASS_ICMP_OTHER;
    default:
        return cls == DS_CLASS_OTHER_PROTO;
    }
}

Collector::Collector(std::function<Snapshot()> snapshot, std::function<AgentHealth()> health,
                     std::vector<uint16_t> tracked_ports)
    : snapshot_(std::move(snapshot)), health_(std::move(health)), tracked_ports_(std::move(tracked_ports)) {
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p)
        for (uint32_t c = 0; c < DS_CLASS_COUNT; ++c)
            if (class_combination_possible(p, c)) classes_seen_.emplace(p, c);
    for (uint16_t port : tracked_ports_)
        for (const char* proto : {"tcp", "udp"}) ports_seen_.insert(PortLabel{proto, std::to_string(port)});
}

std::vector<MetricFamily> Collector::Collect() const {
    const Snapshot s = snapshot_();
    const AgentHealth h = health_();
    std::lock_guard lock(mu_);
    std::vector<MetricFamily> out;

    // Dark packets by protocol and class.
    auto packets = family("darkscope_packets_total", "Dark packets by L4 protocol and class.", MetricType::Counter);
    auto bytes = family("darkscope_bytes_total", "Bytes of dark packets (whole frames) by L4 protocol and class.",
                        MetricType::Counter);
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p)
        for (uint32_t c = 0; c < DS_CLASS_COUNT; ++c)
            if (s.stats.size() > DS_STATS_CLASS(p, c) && s.stats[DS_STATS_CLASS(p, c)].packets)
                classes_seen_.emplace(p, c);
    for (auto [p, c] : classes_seen_) {
        const ds_counter v = s.stats.size() > DS_STATS_CLASS(p, c) ? s.stats[DS_STATS_CLASS(p, c)] : ds_counter{};
        Labels l{{"class", class_name(c)}, {"protocol", proto_name(p)}};
        add(packets, l, static_cast<double>(v.packets));
        add(bytes, l, static_cast<double>(v.bytes));
    }
    out.push_back(std::move(packets));
    out.push_back(std::move(bytes));

    // Probes by destination port (ICMP: by type).
    for (const auto& [label, v] : s.port_packets) ports_seen_.insert(label);
    for (const auto& [label, v] : s.port_sources) ports_seen_.insert(label);
    auto port_packets = family("darkscope_port_packets_total",
                               "Dark probe packets by protocol and destination port (ICMP: type); untracked "
                               "ports are summed in port=\"other\".",
                               MetricType::Counter);
    auto port_sources = family("darkscope_port_sources",
                               "Distinct source prefixes that probed this port today (day boundary in the "
                               "configured time zone).",
                               MetricType::Gauge);
    for (const PortLabel& label : ports_seen_) {
        Labels l{{"port", label.port}, {"protocol", label.protocol}};
        add(port_packets, l, static_cast<double>(value_or_zero(s.port_packets, label).packets));
        add(port_sources, l, static_cast<double>(value_or_zero(s.port_sources, label)));
    }
    out.push_back(std::move(port_packets));
    out.push_back(std::move(port_sources));

    // Countries.
    for (const auto& [cc, v] : s.country_packets) countries_seen_.insert(cc);
    for (const auto& [cc, v] : s.country_sources) countries_seen_.insert(cc);
    auto country_packets = family("darkscope_country_packets_total",
                                  "Attributed dark packets by source country (ISO 3166 code, ZZ: unknown).",
                                  MetricType::Counter);
    auto country_sources = family("darkscope_country_sources", "Distinct source prefixes today by country.",
                                  MetricType::Gauge);
    for (const std::string& cc : countries_seen_) {
        add(country_packets, {{"country", cc}}, static_cast<double>(value_or_zero(s.country_packets, cc).packets));
        add(country_sources, {{"country", cc}}, static_cast<double>(value_or_zero(s.country_sources, cc)));
    }
    out.push_back(std::move(country_packets));
    out.push_back(std::move(country_sources));

    auto sources = family("darkscope_sources", "Distinct source prefixes today.", MetricType::Gauge);
    add(sources, {}, static_cast<double>(s.sources_today));
    out.push_back(std::move(sources));
    auto estimated = family("darkscope_sources_estimated",
                            "1 when today's distinct-source figures (darkscope_sources, _port_sources, "
                            "_country_sources, _tool_sources) are HyperLogLog estimates: more sources than "
                            "--day-max-sources came today.",
                            MetricType::Gauge);
    add(estimated, {}, s.sources_estimated ? 1 : 0);
    out.push_back(std::move(estimated));
    add_today_metrics(s, out);
    add_tool_metrics(s, out);
    add_combination_metrics(s, out);
    add_scan_metrics(s, out);
    add_signature_metrics(s, out);
    add_cross_tab_metrics(s, out);
    add_port_info(out);
    add_previous_day_metrics(s, countries_seen_, out);

    // Frames that were not dark, or could not be parsed.
    auto passed = family("darkscope_passed_packets_total",
                         "Frames passed to the kernel without being counted as dark, by reason.",
                         MetricType::Counter);
    for (uint32_t r = 0; r < DS_PASS_COUNT; ++r)
        add(passed, {{"reason", pass_reason_name(r)}},
            s.stats.size() > DS_STATS_PASS(r) ? static_cast<double>(s.stats[DS_STATS_PASS(r)].packets) : 0);
    out.push_back(std::move(passed));
    auto malformed = family("darkscope_malformed_packets_total", "Malformed frames by reason.", MetricType::Counter);
    for (uint32_t r = 0; r < DS_MAL_COUNT; ++r)
        add(malformed, {{"reason", malformed_reason_name(r)}},
            s.stats.size() > DS_STATS_MALFORMED(r) ? static_cast<double>(s.stats[DS_STATS_MALFORMED(r)].packets) : 0);
    out.push_back(std::move(malformed));
    auto unattributed = family("darkscope_unattributed_packets_total",
                               "Dark packets counted but not attributed to a source (per-source map full).",
                               MetricType::Counter);
    const uint32_t ua = DS_STATS_MISC(DS_MISC_UNATTRIBUTED);
    add(unattributed, {}, s.stats.size() > ua ? static_cast<double>(s.stats[ua].packets) : 0);
    out.push_back(std::move(unattributed));

    // Health of the sensor itself.
    auto attached = family("darkscope_xdp_attached",
                           "1 for each interface the XDP program is attached to, with the mode the kernel accepted.",
                           MetricType::Gauge);
    for (const Attachment& a : h.attachments) add(attached, {{"interface", a.ifname}, {"mode", a.mode}}, 1);
    out.push_back(std::move(attached));
    auto entries = family("darkscope_bpf_map_entries",
                          "Entries in a BPF map (sources: entries drained at the last poll).", MetricType::Gauge);
    auto max_entries = family("darkscope_bpf_map_max_entries", "Capacity of a BPF map.", MetricType::Gauge);
    for (const MapUsage& m : h.maps) {
        add(entries, {{"map", m.map}}, static_cast<double>(m.entries));
        add(max_entries, {{"map", m.map}}, static_cast<double>(m.max_entries));
    }
    out.push_back(std::move(entries));
    out.push_back(std::move(max_entries));
    auto poll = family("darkscope_poll_duration_seconds", "How long the last poll of the BPF maps took.",
                       MetricType::Gauge);
    add(poll, {}, h.poll_duration_seconds);
    out.push_back(std::move(poll));
    auto polls = family("darkscope_polls_total", "Polls of the BPF maps completed since the agent started.",
                        MetricType::Counter);
    add(polls, {}, static_cast<double>(h.polls));
    out.push_back(std::move(polls));
    auto write_failures = family("darkscope_state_file_write_failures_total",
                                 "Failed writes of the agent's files in /run/darkscope (file: state, status).",
                                 MetricType::Counter);
    for (const auto& [file, n] : h.file_write_failures) add(write_failures, {{"file", file}}, static_cast<double>(n));
    out.push_back(std::move(write_failures));
    auto build = family("darkscope_build_info",
                        "Always 1; labels name the darkscope version, its git revision and the libbpf version.",
                        MetricType::Gauge);
    add(build,
        {{"libbpf_version", libbpf_version_string()}, {"revision", build_info().revision},
         {"version", build_info().version}},
        1);
    out.push_back(std::move(build));
    auto geo = family("darkscope_geoip_database_info", "Always 1 for each GeoIP database in use.", MetricType::Gauge);
    auto geo_ts = family("darkscope_geoip_database_build_timestamp_seconds",
                         "When the GeoIP database was built, in seconds since 1970 (from its metadata).",
                         MetricType::Gauge);
    for (const GeoIpDatabaseInfo& d : h.geoip) {
        add(geo, {{"database_type", d.database_type}, {"layout", d.layout}, {"path", d.path}, {"role", d.role}}, 1);
        add(geo_ts, {{"path", d.path}, {"role", d.role}}, static_cast<double>(d.build_epoch));
    }
    out.push_back(std::move(geo));
    out.push_back(std::move(geo_ts));
    return out;
}

}  // namespace darkscope
