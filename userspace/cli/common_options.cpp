#include "cli/common_options.h"

#include "accumulator/time_zone.h"
#include "cli/duration.h"
#include "dataplane/source_table.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace darkscope {
namespace {

// Flattens a YAML map into (option name, values): scalars give one value, lists
// several, nested maps join their keys with dots.
void flatten(const YAML::Node& map, const std::string& prefix,
             std::vector<std::pair<std::string, std::vector<std::string>>>& items) {
    for (const auto& kv : map) {
        const std::string key = prefix + kv.first.as<std::string>();
        const YAML::Node& v = kv.second;
        if (v.IsMap()) {
            flatten(v, key + ".", items);
            continue;
        }
        std::vector<std::string> values;
        if (v.IsSequence()) {
            for (const auto& e : v) {
                if (!e.IsScalar()) throw std::invalid_argument("'" + key + "' must list plain values");
                values.push_back(e.as<std::string>());
            }
        } else if (v.IsScalar()) {
            values.push_back(v.as<std::string>());
        } else {
            continue;  // `key:` with no value: as if absent
        }
        items.emplace_back(key, std::move(values));
    }
}

std::vector<Prefix> parse_prefixes(const std::vector<std::string>& texts) {
    std::vector<Prefix> out;
    for (const std::string& t : texts) out.push_back(Prefix::parse(t));
    return out;
}

}  // namespace

const std::vector<uint16_t>& default_tracked_ports() {
    static const std::vector<uint16_t> ports = {22, 23, 80, 443, 445, 135, 139, 1433, 2967, 3389, 5900, 8080};
    return ports;
}

std::vector<std::string> reflection_port_texts() {
    std::vector<std::string> out;
    for (uint16_t p : default_reflection_ports()) out.push_back(std::to_string(p));
    return out;
}

void add_config_option(CLI::App& cmd) {
    auto path = std::make_shared<std::string>();
    cmd.add_option("--config", *path, "YAML file with the same options as the flags (flags override it)")
        ->type_name("FILE")
        ->configurable(false);
    // Runs once the subcommand's own arguments are parsed, before its callback.
    CLI::App* app = &cmd;
    cmd.parse_complete_callback([app, path] { apply_config_file(*app, *path); });
}

void apply_config_file(CLI::App& cmd, const std::string& path) {
    if (path.empty()) return;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read config file " + path + ": " + std::strerror(errno));
    std::vector<std::pair<std::string, std::vector<std::string>>> items;
    try {
        YAML::Node root = YAML::Load(in);
        if (!root.IsNull() && !root.IsMap()) throw std::invalid_argument("the top level must be a map of option: value");
        if (root.IsMap()) flatten(root, "", items);
    } catch (const YAML::Exception& e) {
        throw std::runtime_error("config file " + path + " is not valid YAML: " + e.msg + " (line " +
                                 std::to_string(e.mark.line + 1) + ")");
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error("config file " + path + ": " + e.what());
    }
    for (auto& [name, values] : items) {
        CLI::Option* op = cmd.get_option_no_throw("--" + name);
        if (!op || !op->get_configurable())
            throw std::runtime_error("config file " + path + ": unknown option '" + name + "'");
        if (op->count() > 0) continue;  // given on the command line: the flag wins
        try {
            if (op->get_expected_min() == 0) {
                if (values.size() != 1) throw std::invalid_argument("expects one value");
                op->add_result(op->get_flag_value(name, values[0]));
            } else {
                op->add_result(values);
            }
            op->run_callback();
        } catch (const std::exception& e) {
            throw std::runtime_error("config file " + path + ": " + name + ": " + e.what());
        }
    }
}

void add_common_options(CLI::App& cmd, CommonOptions& o) {
    cmd.add_option("--dark-prefix", o.dark_prefixes, "Monitored (dark) prefix, IPv4 or IPv6 CIDR; repeatable")
        ->delimiter(',')
        ->type_name("CIDR");
    cmd.add_option("--allow-source", o.allow_sources,
                   "Source prefix whose packets are passed and not counted as dark; repeatable")
        ->delimiter(',')
        ->type_name("CIDR");
    cmd.add_option("--geoip", o.geoip_files,
                   std::string("MaxMind-format database: a country DB and optionally an ASN DB; repeatable "
                               "(default: ") + default_geoip_databases_text() + ", the first installed)")
        ->type_name("FILE");
    cmd.add_option("--source-prefix-v4", o.source_prefix_v4, "IPv4 sources are counted per prefix of this length")
        ->capture_default_str()
        ->check(CLI::Range(0, 32));
    cmd.add_option("--source-prefix-v6", o.source_prefix_v6, "IPv6 sources are counted per prefix of this length")
        ->capture_default_str()
        ->check(CLI::Range(0, 128));
    cmd.add_option("--source-map-entries", o.source_map_entries,
                   "Capacity of each per-source buffer between two polls")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1u << 26));
    cmd.add_option("--source-cache-slots", o.source_cache_slots,
                   "Slots of the per-source table in front of the per-source buffers, shared by the CPUs, per "
                   "generation (a power of 2; 0: none; auto: 524288)")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto"}) | CLI::Range(0u, kMaxSourceTableSlots));
    cmd.add_option("--day-boundary-timezone", o.day_timezone,
                   "IANA time zone in which days begin for unique-source counts (e.g. Asia/Tokyo)")
        ->capture_default_str();
    cmd.add_option("--track-port", o.tracked_ports,
                   "TCP/UDP destination port always exported with its own series; repeatable; giving it "
                   "replaces the default list")
        ->delimiter(',')
        ->capture_default_str()
        ->type_name("PORT");
    cmd.add_option("--top-ports-today", o.top_ports_today,
                   "TCP and UDP destination ports per protocol in darkscope_port_packets_today: today's busiest, "
                   "exact from their first packet of the day")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1}, size_t{1000}));
    cmd.add_option("--port-country-top", o.port_country_top,
                   "Countries per destination port in darkscope_port_country_packets_total: the first to reach "
                   "--port-country-min-packets on the port, busiest first; the rest in country=\"other\"")
        ->capture_default_str()
        ->check(CLI::Range(size_t{0}, size_t{250}));
    cmd.add_option("--port-country-min-packets", o.port_country_min_packets,
                   "Probe packets a country needs on a port to get its own series there")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
    cmd.add_option("--source-port-destination-top", o.source_port_destination_top,
                   "Destination ports per watched source port in darkscope_source_port_destination_packets_total: "
                   "the first to reach --source-port-destination-min-packets, busiest first; the rest in "
                   "port=\"other\"")
        ->capture_default_str()
        ->check(CLI::Range(size_t{0}, size_t{1000}));
    cmd.add_option("--source-port-destination-min-packets", o.source_port_destination_min_packets,
                   "Probes from a watched source port a destination port needs to get its own series")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
    cmd.add_option("--reflection-port", o.reflection_ports,
                   "UDP source port whose datagrams are replies of reflectors/amplifiers to spoofed requests: "
                   "counted as backscatter (udp_reflection; 53: dns_response), never as accesses; repeatable; "
                   "giving it replaces the default list; none: no port")
        ->delimiter(',')
        ->capture_default_str()
        ->type_name("PORT");
    cmd.add_option("--port-combination", o.port_combinations,
                   "NAME=PORT,PORT,...: count the sources that hit all these destination ports in a day "
                   "(a bare port is TCP; 137/udp for UDP); repeatable; giving it replaces the default list "
                   "(symantec-av-bot=2967,135,139,445 and smb-netbios=445,139)")
        ->type_name("NAME=PORTS");
    cmd.add_option("--port-combination-max-ports", o.port_combination_max_ports,
                   "A source that hits more distinct TCP/UDP destination ports in a day is a scanner: it is left "
                   "out of every port combination and counted apart (0: no limit)")
        ->capture_default_str();
    cmd.add_option("--port-combination-max-sources", o.port_combination_max_sources,
                   "Sources per day whose set of ports is kept; further ones are counted as untracked")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1}, size_t{1} << 26));
    cmd.add_option("--day-max-sources", o.day_max_sources,
                   "Distinct sources per day kept exactly (the agent peaks near 1 GiB at the default, docs/operations.md); past it "
                   "the day's unique-source figures are HyperLogLog estimates (darkscope_sources_estimated 1)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1}, size_t{1} << 28));
    cmd.add_option("--scan-min-ports", o.scan_min_ports,
                   "A source that probes this many distinct destination ports within --scan-window is a "
                   "scanner (0: criterion off)")
        ->capture_default_str();
    cmd.add_option("--scan-min-packets", o.scan_min_packets,
                   "A source that sends this many probe packets within --scan-window is a scanner "
                   "(0: criterion off)")
        ->capture_default_str();
    cmd.add_option("--scan-window", o.scan_window,
                   "Window of the scan criteria; a scan event ends after this long without a probe (e.g. 5m)")
        ->capture_default_str();
    cmd.add_option("--scan-max-sources", o.scan_max_sources,
                   "Sources watched for scans at once; entries of further sources are counted as untracked")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1}, size_t{1} << 26));
    cmd.add_option("--header-signatures", o.header_signatures,
                   "Count probes by header signature and source port in the data plane (false saves ~15-20 ns "
                   "per probe)")
        ->capture_default_str();
    cmd.add_option("--signature-min-packets", o.signature_min_packets,
                   "Probes that admit a header signature or source port to its own series (20 per kind at most)")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 62));
}

DataPlaneConfig data_plane_config(const CommonOptions& o) {
    DataPlaneConfig c;
    if (o.dark_prefixes.empty()) throw std::invalid_argument("no dark prefix given (--dark-prefix CIDR)");
    c.dark_prefixes = parse_prefixes(o.dark_prefixes);
    c.allowed_sources = parse_prefixes(o.allow_sources);
    c.source_prefix_v4 = static_cast<uint8_t>(o.source_prefix_v4);
    c.source_prefix_v6 = static_cast<uint8_t>(o.source_prefix_v6);
    c.source_map_entries = o.source_map_entries;
    c.source_cache_slots = o.source_cache_slots == "auto" ? kAutoSourceTableSlots
                                                         : static_cast<uint32_t>(std::stoul(o.source_cache_slots));
    c.signatures = o.header_signatures;
    c.reflection_ports.clear();
    for (const std::string& text : o.reflection_ports) {
        if (text == "none" && o.reflection_ports.size() == 1) break;
        uint16_t port = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size())
            throw std::invalid_argument("invalid port '" + text + "' for --reflection-port (0-65535, or none alone)");
        c.reflection_ports.push_back(port);
    }
    return c;
}

AccumulatorConfig accumulator_config(const CommonOptions& o) {
    if (!time_zone_exists(o.day_timezone))
        throw std::invalid_argument("unknown time zone '" + o.day_timezone + "' (--day-boundary-timezone)");
    AccumulatorConfig c;
    c.tracked_ports = o.tracked_ports;
    c.day_timezone = o.day_timezone;
    for (const std::string& text : o.port_combinations) {
        NamedCombination nc = parse_named_combination(text);
        for (const NamedCombination& seen : c.port_combinations)
            if (seen.name == nc.name)
                throw std::invalid_argument("port combination '" + nc.name + "' is given twice (--port-combination)");
        c.port_combinations.push_back(std::move(nc));
    }
    c.port_combination_max_sources = o.port_combination_max_sources;
    c.day_max_sources = o.day_max_sources;
    c.top_today = o.top_ports_today;
    c.port_countries = {.max_columns = o.port_country_top, .min_packets = o.port_country_min_packets};
    c.source_port_dests = {.max_columns = o.source_port_destination_top,
                           .min_packets = o.source_port_destination_min_packets};
    c.port_combination_max_ports = o.port_combination_max_ports;
    c.scans.min_ports = o.scan_min_ports;
    c.scans.min_packets = o.scan_min_packets;
    c.scans.window_ns = parse_duration_ns(o.scan_window, "--scan-window", {kSecondNs, kDayNs});
    c.scans.max_sources = o.scan_max_sources;
    c.signatures.admit_packets = o.signature_min_packets;
    return c;
}

}  // namespace darkscope
