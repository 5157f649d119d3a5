#include "fingerprint/signature_report.h"

#include <cstdio>
#include <string>

#include "dataplane/names.h"

namespace darkscope {

namespace {

std::string share(uint64_t n, uint64_t whole) {
    if (!whole) return "-";
    char b[16];
    std::snprintf(b, sizeof b, "%5.1f%%", 100.0 * static_cast<double>(n) / static_cast<double>(whole));
    return b;
}

template <class Rows>
uint64_t total_of(const Rows& rows, const ds_counter& other) {
    uint64_t t = other.packets;
    for (const auto& r : rows) t += r.counter.packets;
    return t;
}

}  // namespace

void print_signature_tables(std::ostream& o, const SignatureTop& top, uint64_t overflow, const char* indent) {
    char line[256];
    const uint64_t syns = total_of(top.signatures, top.other_signatures);
    o << indent << "header signatures of TCP SYNs (window/TTL/options; docs/fingerprints.md)\n";
    for (const auto& r : top.signatures) {
        std::snprintf(line, sizeof line, "%s  %5u  %3u  %-28s %10llu  %s\n", indent, r.key.window, r.key.ttl,
                      option_layout_name(r.key.options).c_str(), static_cast<unsigned long long>(r.counter.packets),
                      share(r.counter.packets, syns).c_str());
        o << line;
    }
    if (top.signatures.empty()) o << indent << "  (none)\n";
    if (top.other_signatures.packets)
        o << indent << "  other " << top.other_signatures.packets << " " << share(top.other_signatures.packets, syns)
          << "\n";
    const uint64_t probes = total_of(top.source_ports, top.other_source_ports);
    o << indent << "source ports of probes (TCP SYNs, UDP not from port 53)\n";
    for (const auto& r : top.source_ports) {
        std::snprintf(line, sizeof line, "%s  %5u/%-3s %10llu  %s\n", indent, r.key.port,
                      ip_protocol_name(r.key.proto), static_cast<unsigned long long>(r.counter.packets),
                      share(r.counter.packets, probes).c_str());
        o << line;
    }
    if (top.source_ports.empty()) o << indent << "  (none)\n";
    if (top.other_source_ports.packets)
        o << indent << "  other " << top.other_source_ports.packets << " "
          << share(top.other_source_ports.packets, probes) << "\n";
    if (overflow) o << indent << "  not counted (signatures map full): " << overflow << "\n";
}

nlohmann::json signature_json(const SignatureTop& top, uint64_t overflow) {
    using nlohmann::json;
    json sigs = json::array(), ports = json::array();
    for (const auto& r : top.signatures)
        sigs.push_back({{"window", r.key.window},
                        {"ttl", r.key.ttl},
                        {"options", option_layout_name(r.key.options)},
                        {"packets", r.counter.packets},
                        {"bytes", r.counter.bytes}});
    for (const auto& r : top.source_ports)
        ports.push_back({{"protocol", ip_protocol_name(r.key.proto)},
                         {"port", r.key.port},
                         {"packets", r.counter.packets},
                         {"bytes", r.counter.bytes}});
    return {{"signatures", sigs},
            {"other_signatures", {{"packets", top.other_signatures.packets}, {"bytes", top.other_signatures.bytes}}},
            {"source_ports", ports},
            {"other_source_ports", {{"packets", top.other_source_ports.packets}, {"bytes", top.other_source_ports.bytes}}},
            {"overflow_packets", overflow}};
}

}  // namespace darkscope
