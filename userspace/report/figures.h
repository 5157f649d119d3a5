// The report's data model: what one period of one or more sensors counted, filled
// by either source (a Prometheus server, or captures through replay) and read by
// every writer. Absent data is an empty optional, so a section can say so in one
// line; a figure a future metric family brings gets its own optional here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace darkscope::report {

// Packets and distinct sources of one thing (a day, a port, a country).
struct Count {
    uint64_t packets = 0;
    uint64_t sources = 0;
};

// A destination port: "tcp"/"udp" and the port number, or "icmp"/"icmpv6" and the type.
struct PortKey {
    std::string protocol;
    uint32_t port = 0;
    auto operator<=>(const PortKey&) const = default;
};

struct ZoneFigures {
    std::string zone;
    uint64_t messages = 0;
    uint64_t names = 0;       // distinct names (the busiest day's figure)
    uint64_t resolvers = 0;   // distinct resolvers (the busiest day's figure)
    bool random_subdomain = false;
    // Its first distinct query names: captures only (Prometheus holds no names;
    // a live agent shows them in `darkscope status`).
    std::vector<std::string> samples;
};

struct ToolFigures {
    uint64_t packets = 0;  // SYNs attributed to the tool
    uint64_t sources = 0;
};

struct SignatureFigures {
    std::string window, ttl, options;
    uint64_t packets = 0;
};

// One period. Days are "YYYY-MM-DD" in the report's time zone; per-day figures are
// summed over the sensors (sources: each sensor's distinct sources of the day, summed).
struct PeriodFigures {
    int64_t from_s = 0, to_s = 0;  // [from, to), Unix seconds
    std::vector<std::string> sensors;
    uint64_t accesses = 0;             // probe packets (backscatter is not an access)
    uint64_t backscatter_packets = 0;
    std::map<std::string, Count> days;
    uint64_t sources = 0;  // distinct sources, on `sources_basis`
    // Per port and country: packets in the period; sources as the source says
    // (`sources_basis`); the per-day packets feed the time-series charts.
    std::map<PortKey, Count> ports;
    std::map<PortKey, std::map<std::string, uint64_t>> port_days;
    std::map<std::string, Count> countries;
    std::map<std::string, std::map<std::string, uint64_t>> country_days;
    std::string sources_basis;  // "whole_period" (captures) or "daily_sum" (Prometheus)
    // Backscatter (section 6): packets by "kind/port", attacks started.
    std::map<std::string, uint64_t> backscatter_by_kind_port;
    std::optional<uint64_t> attacks_started;
    // Per victim country, over every kind: darkscope_backscatter_country_packets_total.
    std::optional<std::map<std::string, uint64_t>> backscatter_countries;
    // DNS backscatter (section 7).
    std::optional<std::vector<ZoneFigures>> zones;
    std::optional<std::map<std::string, uint64_t>> dns_rcodes;  // darkscope_dns_backscatter_rcode_total
    // Responses by the resolver's country (darkscope_dns_backscatter_resolver_country_responses_total).
    std::optional<std::map<std::string, uint64_t>> dns_resolver_countries;
    // Who is scanning (section 8).
    std::map<std::string, ToolFigures> tools;
    std::vector<SignatureFigures> signatures;                  // busiest first
    std::map<PortKey, uint64_t> source_ports;                 // probes by source port
    // Per source port (protocol and source port), probes by destination port label
    // ("23", "other"): darkscope_source_port_destination_packets_total.
    std::optional<std::map<PortKey, std::map<std::string, uint64_t>>> source_port_destinations;
    std::map<std::string, uint64_t> combinations;             // named port combinations: sources
    // Per port, probes by source country ("other": the countries without their own
    // series): darkscope_port_country_packets_total.
    std::optional<std::map<PortKey, std::map<std::string, uint64_t>>> port_countries;
};

struct Figures {
    std::string source;     // "prometheus URL" or "capture"
    std::string timezone;   // days and chart dates
    PeriodFigures current;
    std::optional<PeriodFigures> previous;
    std::vector<std::string> files;  // captures (capture form)
};

}  // namespace darkscope::report
