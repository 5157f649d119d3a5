// `darkscope run`: the live sensor. Validates everything, then attaches the XDP
// program to each interface with its maps pinned per sensor, polls the maps into an
// Accumulator, serves /metrics, reloads GeoIP on SIGHUP and detaches on
// SIGINT/SIGTERM.
#pragma once

#include <string>
#include <vector>

#include "cli/backscatter_options.h"
#include "cli/common_options.h"

namespace CLI {
class App;
}

namespace darkscope {

inline constexpr const char* kDefaultListenAddress = "127.0.0.1:9817";

struct RunOptions {
    CommonOptions common;
    BackscatterOptions backscatter;
    LiveBackscatterOptions live_backscatter;
    std::vector<std::string> interfaces;
    std::string xdp_mode = "auto";
    std::vector<std::string> listen_addresses = {kDefaultListenAddress};
    std::string telemetry_path = "/metrics";
    std::string web_config_file;  // empty: plain HTTP, no authentication
    double poll_interval_seconds = 1.0;
    double state_save_interval_seconds = 60.0;
    bool pass = false;
    std::string sensor_name;  // empty: derived from the interfaces
    bool keep_pinned = false;
    std::string user;  // empty: stay root (with no capability) once attached
};

// Registers `run` on the top-level app; its callback runs the agent until a
// signal stops it and throws std::exception (one line) on any failure.
void add_run_command(CLI::App& app);

// The agent itself; returns when SIGINT or SIGTERM arrives.
void run_agent(const RunOptions& opts);

// The sensor name derived from interface names ("eth0", "eth0_eth1").
std::string default_sensor_name(const std::vector<std::string>& interfaces);

}  // namespace darkscope
