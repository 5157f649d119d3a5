#include "cli/backscatter_options.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <stdexcept>

namespace darkscope {

void add_backscatter_options(CLI::App& cmd, BackscatterOptions& o) {
    cmd.add_option("--attack-min-packets", o.attack_min_packets,
                   "Backscatter packets from one victim that make an attack (Moore et al.)")
        ->capture_default_str();
    cmd.add_option("--attack-min-duration", o.attack_min_duration,
                   "An attack lasts at least this long, first to last packet (e.g. 60s)")
        ->capture_default_str();
    cmd.add_option("--attack-window-packets", o.attack_window_packets,
                   "An attack has at least this many packets within one --attack-window")
        ->capture_default_str();
    cmd.add_option("--attack-window", o.attack_window, "The window of --attack-window-packets (e.g. 60s)")
        ->capture_default_str();
    cmd.add_option("--attack-timeout", o.attack_timeout,
                   "A victim silent for this long ends its flow, and its attack (e.g. 5m)")
        ->capture_default_str();
    cmd.add_option("--max-victims", o.max_victims,
                   "Victims (backscatter sources) followed at once; backscatter from more is counted untracked")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1}, size_t{1} << 26));
    cmd.add_option("--dns-max-zones", o.dns_max_zones, "DNS backscatter zones tracked at once")
        ->capture_default_str()
        ->check(CLI::Range(size_t{2}, size_t{1} << 22));
    cmd.add_option("--dns-top-zones", o.dns_top_zones,
                   "DNS zones exported with their own series (busy or flagged ones; the rest are zone=\"other\")")
        ->capture_default_str();
    cmd.add_option("--dns-zone-min-messages", o.dns_zone_min_messages,
                   "DNS messages in a day that give a busy zone its own series")
        ->capture_default_str();
    cmd.add_option("--dns-random-min-names", o.dns_random_min_names,
                   "Distinct query names in a day from which a zone is flagged as under a random-subdomain attack")
        ->capture_default_str();
    cmd.add_option("--dns-random-min-share", o.dns_random_min_share,
                   "...and the share of its messages that distinct names must reach (0 to 1)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    cmd.add_option("--public-suffix-list", o.public_suffix_list,
                   std::string("Public Suffix List (libpsl DAFSA or text form; default ") +
                       dns::kDefaultPublicSuffixList + ")")
        ->type_name("FILE");
}

void add_live_backscatter_options(CLI::App& cmd, LiveBackscatterOptions& o) {
    cmd.add_option("--attack-log", o.attack_log, "Write each attack, when it ends, as a JSON line to this file")
        ->type_name("FILE");
    cmd.add_option("--attack-log-max-bytes", o.attack_log_max_bytes,
                   "Rotate the attack log when it reaches this size (FILE -> FILE.1 ...)")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1024}, size_t{1} << 40));
    cmd.add_option("--attack-log-max-files", o.attack_log_max_files, "Rotated attack logs kept")
        ->capture_default_str()
        ->check(CLI::Range(size_t{1}, size_t{1000}));
    cmd.add_option("--dns-events-per-second", o.dns_events_per_second,
                   "DNS backscatter messages sent to the agent per second and CPU at most (0: no limit); "
                   "the rest is counted in darkscope_dns_events_total{result=\"rate_limited\"}")
        ->capture_default_str();
    cmd.add_option("--dns-event-burst", o.dns_event_burst, "Burst allowed above --dns-events-per-second")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1u << 20));
}

VictimConfig victim_config(const BackscatterOptions& o, const CommonOptions& common, const DataPlaneConfig& dp) {
    VictimConfig c;
    c.min_packets = o.attack_min_packets;
    c.min_duration_ns = parse_duration_ns(o.attack_min_duration, "--attack-min-duration", {kMillisecondNs, kDayNs, true});
    c.window_packets = o.attack_window_packets;
    c.window_ns = parse_duration_ns(o.attack_window, "--attack-window", {kMillisecondNs, kDayNs});
    c.timeout_ns = parse_duration_ns(o.attack_timeout, "--attack-timeout", {kMillisecondNs, kDayNs});
    c.max_victims = o.max_victims;
    c.ipv4_scale = ipv4_scale(dp.dark_prefixes);
    c.source_prefix_v4 = dp.source_prefix_v4;
    c.source_prefix_v6 = dp.source_prefix_v6;
    c.ports.tracked_ports = common.tracked_ports;
    return c;
}

dns::BackscatterConfig dns_backscatter_config(const BackscatterOptions& o) {
    dns::BackscatterConfig c;
    if (o.dns_top_zones >= o.dns_max_zones)
        throw std::invalid_argument("--dns-top-zones must be smaller than --dns-max-zones");
    c.max_zones = o.dns_max_zones;
    c.max_exported_zones = o.dns_top_zones;
    c.export_min_messages = o.dns_zone_min_messages;
    c.random_min_names = o.dns_random_min_names;
    c.random_min_name_share = o.dns_random_min_share;
    c.public_suffix_list = o.public_suffix_list;
    return c;
}

void apply_live_backscatter_options(const LiveBackscatterOptions& o, DataPlaneConfig& dp) {
    dp.dns_events_per_second = o.dns_events_per_second;
    dp.dns_event_burst = o.dns_event_burst;
}

}  // namespace darkscope
