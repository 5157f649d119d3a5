#include "cli/duration.h"
#include "replay/replay_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/backscatter_options.h"
#include "cli/common_options.h"
#include "geoip/geoip.h"
#include "replay/openmetrics_writer.h"
#include "replay/replay.h"
#include "replay/report.h"
#include "replay/run_families.h"

namespace darkscope {
namespace {

struct ReplayArgs {
    CommonOptions common;
    BackscatterOptions backscatter;
    std::vector<std::string> files;
    std::string format = "text";
    std::string openmetrics;
    std::string interval = "60s";
    size_t top = 10;
    bool no_progress = false;
};

// A progress bar on stderr, only when stderr is a terminal.
std::function<void(uint64_t, uint64_t)> progress_bar(bool enabled) {
    if (!enabled || !isatty(STDERR_FILENO)) return {};
    return [](uint64_t done, uint64_t total) {
        const int width = 40;
        const double f = total ? std::min(1.0, static_cast<double>(done) / static_cast<double>(total)) : 1.0;
        std::fprintf(stderr, "\r[%-*.*s] %3.0f%%", width, static_cast<int>(f * width),
                     "########################################", f * 100);
        if (f >= 1.0) std::fprintf(stderr, "\r%*s\r", width + 8, "");
        std::fflush(stderr);
    };
}

}  // namespace

ReplayOptions replay_options(CommonOptions common, const BackscatterOptions& backscatter) {
    // A capture taken on a darknet holds nothing but dark traffic.
    if (common.dark_prefixes.empty()) common.dark_prefixes = {"0.0.0.0/0", "::/0"};
    ReplayOptions o;
    o.dataplane = data_plane_config(common);
    o.accumulator = accumulator_config(common);
    o.victims = victim_config(backscatter, common, o.dataplane);
    o.dns = dns_backscatter_config(backscatter);
    o.country = make_country_lookup(common.geoip_files);
    return o;
}

namespace {

int run_replay(ReplayArgs a) {
    ReplayOptions o = replay_options(a.common, a.backscatter);
    o.interval_ns = parse_duration_ns(a.interval, "--interval", {kMillisecondNs, kDayNs});
    o.progress = progress_bar(!a.no_progress);

    // The OpenMetrics file carries the families `run` serves, built by the same collectors.
    RunFamilies run_families(o.accumulator.tracked_ports);
    BackscatterView sampled_backscatter;
    std::unique_ptr<OpenMetricsWriter> om;
    if (!a.openmetrics.empty()) {
        om = std::make_unique<OpenMetricsWriter>(
            [&](const Snapshot& s) { return run_families(s, sampled_backscatter); });
        o.on_interval = [&](int64_t ts, const Accumulator& acc, const BackscatterView& backscatter) {
            sampled_backscatter = backscatter;
            om->sample(ts, acc.snapshot());
        };
    }
    ReplayResult r = replay(a.files, o);
    if (om) om->write(a.openmetrics);
    if (a.format == "json")
        std::cout << to_json(r).dump(2) << "\n";
    else
        std::cout << format_summary(r, a.top);
    if (!r.error.empty()) {
        std::cerr << "darkscope: error: " << r.error << "\n";
        return 1;
    }
    return 0;
}

}  // namespace

void add_replay_command(CLI::App& app) {
    auto args = std::make_shared<ReplayArgs>();
    CLI::App* cmd = app.add_subcommand(
        "replay", "Run pcap/pcapng captures through the XDP program (no interface needed) and report what it counts");
    cmd->add_option("files", args->files, "Capture files (pcap or pcapng, Ethernet)")->required()->check(CLI::ExistingFile);
    add_config_option(*cmd);
    add_common_options(*cmd, args->common);
    add_backscatter_options(*cmd, args->backscatter);
    cmd->add_option("--format", args->format, "Output: text (a report-style summary) or json (docs/replay.md)")
        ->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->add_option("--openmetrics", args->openmetrics,
                    "Also write the metric families of `run` as OpenMetrics with timestamps, for "
                    "`promtool tsdb create-blocks-from openmetrics`")
        ->type_name("FILE");
    cmd->add_option("--interval", args->interval,
                    "Capture time between OpenMetrics samples and drains (1ms to 1d: 500ms, 60s, 5m; a bare "
                    "number is seconds)")
        ->type_name("DURATION")->capture_default_str();
    cmd->add_option("--top", args->top, "Rows in each top-N table")->capture_default_str();
    cmd->add_flag("--no-progress", args->no_progress, "No progress bar, even on a terminal");
    cmd->footer("Without --dark-prefix, every destination (0.0.0.0/0, ::/0) is dark. See docs/replay.md.");
    cmd->callback([args] { throw CLI::RuntimeError(run_replay(*args)); });
}

}  // namespace darkscope
