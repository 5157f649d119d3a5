// Options shared by `darkscope run` and `darkscope replay`: what is dark, whom to
// ignore, how sources are aggregated, which ports are tracked, when days begin and
// which GeoIP databases name countries. Each subcommand registers them on itself;
// a YAML file given with --config supplies the same keys and flags override it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "accumulator/accumulator.h"
#include "dataplane/data_plane.h"
#include "geoip/default_databases.h"

namespace CLI {
class App;
}

namespace darkscope {

// Classic darknet ports: SSH, Telnet, HTTP, HTTPS, SMB, MS-RPC, NetBIOS, MSSQL,
// Symantec AV, RDP, VNC, HTTP alternate.
const std::vector<uint16_t>& default_tracked_ports();
// default_reflection_ports() as option values.
std::vector<std::string> reflection_port_texts();

struct CommonOptions {
    std::vector<std::string> dark_prefixes;
    std::vector<std::string> allow_sources;
    std::vector<std::string> geoip_files;  // empty: the default database if installed
    unsigned source_prefix_v4 = 32;
    unsigned source_prefix_v6 = 64;
    uint32_t source_map_entries = DS_SOURCE_MAP_DEFAULT_ENTRIES;
    std::string source_cache_slots = "auto";  // or slots per generation
    std::string day_timezone = "UTC";
    std::vector<uint16_t> tracked_ports = default_tracked_ports();
    // UDP source ports counted as reflection backscatter ("none": no port).
    std::vector<std::string> reflection_ports = reflection_port_texts();
    std::vector<std::string> port_combinations = default_port_combinations();  // "NAME=PORT,..."
    size_t top_ports_today = 20;  // darkscope_port_packets_today: TCP and UDP ports per protocol
    size_t port_country_top = 10;            // darkscope_port_country_packets_total: countries per port
    uint64_t port_country_min_packets = 10;  // ... each admitted at this many packets on the port
    size_t source_port_destination_top = 10;            // darkscope_source_port_destination_packets_total
    uint64_t source_port_destination_min_packets = 10;  // ... each admitted at this many probes
    size_t port_combination_max_sources = 262144;
    size_t day_max_sources = size_t{1} << 20;  // AccumulatorConfig::day_max_sources
    uint32_t port_combination_max_ports = 32;
    uint32_t scan_min_ports = 15;    // Zeek's port_scan_threshold
    uint64_t scan_min_packets = 100; // Durumeric et al. 2014: 100 destinations
    std::string scan_window = "5m";  // Zeek's port_scan_interval
    size_t scan_max_sources = 262144;
    uint64_t signature_min_packets = 100;  // probes that admit a header signature / source port
    bool header_signatures = true;         // off: the data plane skips them (~15-20 ns per probe)
};

// Registers --config FILE (YAML) on a subcommand: each key is a long option name
// without the dashes; lists give repeatable options; nested maps join their keys
// with dots (web: {listen-address: ...} is --web.listen-address).
// The file fills every option the command line left unset, once the subcommand's
// arguments are parsed and before its callback runs.
void add_config_option(CLI::App& cmd);
// Does that filling; throws std::runtime_error naming the file and the key.
void apply_config_file(CLI::App& cmd, const std::string& path);

// Registers the shared options on a subcommand.
void add_common_options(CLI::App& cmd, CommonOptions& opts);

// Checks and converts; throws std::invalid_argument with a one-line message.
DataPlaneConfig data_plane_config(const CommonOptions& opts);
AccumulatorConfig accumulator_config(const CommonOptions& opts);

}  // namespace darkscope
