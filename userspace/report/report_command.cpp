#include "report/report_command.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/backscatter_options.h"
#include "cli/common_options.h"
#include "replay/replay_command.h"
#include "report/capture_source.h"
#include "report/charts.h"
#include "report/document.h"
#include "report/html_writer.h"
#include "report/json_writer.h"
#include "report/markdown_writer.h"
#include "report/output_dir.h"
#include "report/period.h"
#include "report/prometheus_source.h"

namespace darkscope {
namespace {

struct ReportArgs {
    CommonOptions common;
    BackscatterOptions backscatter;
    std::vector<std::string> captures;
    std::string prometheus, from, to, previous_from, previous_to, out, timezone = "UTC", sensor = "capture";
};

report::Figures gather(ReportArgs& a) {
    if (a.prometheus.empty() == a.captures.empty())
        throw std::invalid_argument("give either --prometheus URL or capture files");
    if (!a.prometheus.empty()) {
        if (a.from.empty() || a.to.empty()) throw std::invalid_argument("--prometheus needs --from and --to");
        if (a.previous_from.empty() != a.previous_to.empty())
            throw std::invalid_argument("--previous-from and --previous-to go together");
        const report::Period current = report::parse_period(a.from, a.to, a.timezone);
        const report::Period previous = a.previous_from.empty()
                                            ? report::period_before(current, a.timezone)
                                            : report::parse_period(a.previous_from, a.previous_to, a.timezone);
        return report::figures_from_prometheus(report::PrometheusClient(a.prometheus), current, previous, a.timezone);
    }
    if (!a.from.empty() || !a.to.empty() || !a.previous_from.empty() || !a.previous_to.empty())
        throw std::invalid_argument("the period of a capture is the capture's: no --from, --to, --previous-*");
    report::parse_period("2000-01-01", "2000-01-01", a.timezone);  // the zone checked before replay
    a.common.day_timezone = a.timezone;
    ReplayOptions o = replay_options(a.common, a.backscatter);
    o.interval_ns = 3600LL * 1'000'000'000;  // hourly samples of the daily tables are plenty
    return report::figures_from_captures(a.captures, o, a.sensor);
}

int run_report(ReportArgs a) {
    try {
        report::OutputDir out(a.out);
        const report::Figures figures = gather(a);
        const auto charts = report::write_charts(figures, out.staging());
        const report::Document doc = report::build_document(figures, charts);
        out.write("report.json", report::report_json(figures).dump(2) + "\n");
        out.write("report.md", report::markdown(doc));
        out.write("index.html", report::html(doc));
        out.commit();
        std::cout << "darkscope report: " << a.out << "/index.html\n";
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "darkscope: error: " << e.what() << "\n";
        return 1;
    }
}

}  // namespace

void add_report_command(CLI::App& app) {
    auto args = std::make_shared<ReportArgs>();
    CLI::App* cmd = app.add_subcommand(
        "report", "Write the monthly/quarterly darknet report (index.html, report.md, report.json) from a "
                  "Prometheus server or from captures");
    cmd->add_option("captures", args->captures, "Capture files (pcap or pcapng): the report of one sensor, their period")
        ->check(CLI::ExistingFile);
    cmd->add_option("--prometheus", args->prometheus, "Prometheus (or Thanos Query, Mimir) base URL, e.g. http://127.0.0.1:9090")
        ->type_name("URL");
    cmd->add_option("--from", args->from, "First day of the period (YYYY-MM-DD, in --timezone)")->type_name("DATE");
    cmd->add_option("--to", args->to, "Last day of the period, included")->type_name("DATE");
    cmd->add_option("--previous-from", args->previous_from,
                    "First day of the period compared against (default: as many days just before --from)")
        ->type_name("DATE");
    cmd->add_option("--previous-to", args->previous_to, "Last day of the period compared against")->type_name("DATE");
    cmd->add_option("--out", args->out, "Directory to write (replaced as a whole)")->type_name("DIR")->required();
    cmd->add_option("--timezone", args->timezone,
                    "Time zone of the days and dates (IANA name; the sensors' --day-boundary-timezone)")
        ->capture_default_str();
    cmd->add_option("--sensor", args->sensor, "Sensor name of captures")->capture_default_str();
    add_config_option(*cmd);
    add_common_options(*cmd, args->common);
    add_backscatter_options(*cmd, args->backscatter);
    cmd->footer("See docs/report.md.");
    cmd->callback([args] { throw CLI::RuntimeError(run_report(*args)); });
}

}  // namespace darkscope
