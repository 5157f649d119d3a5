// Registers `darkscope report` on the CLI: the seeds' monthly/quarterly report
// (docs/report.md), from a Prometheus server or from captures.
#pragma once

namespace CLI {
class App;
}

namespace darkscope {

void add_report_command(CLI::App& app);

}  // namespace darkscope
