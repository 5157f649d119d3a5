// darkscope: one binary, one subcommand per job. Every failure ends as one line on
// stderr, "darkscope: error: ...": exit status 2 for a usage error (a bad flag or
// value), 1 for anything that went wrong while running.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "agent/agent.h"
#include "agent/cleanup.h"
#include "agent/status.h"
#include "buildinfo/build_info.h"
#include "cli/logging_options.h"
#include "replay/replay_command.h"
#include "report/report_command.h"

int main(int argc, char** argv) {
    CLI::App app{"darkscope " + darkscope::build_info().version +
                 ": an XDP/eBPF darknet sensor. It counts the unsolicited packets that reach dark "
                 "(unused) prefixes by class, port, source and country, and serves them to Prometheus."};
    app.set_version_flag("--version", darkscope::version_text,
                         "Print the version, git revision, build date, libbpf version and running kernel");
    app.require_subcommand(1);
    darkscope::add_run_command(app);
    darkscope::add_status_command(app);
    darkscope::add_cleanup_command(app);
    darkscope::add_replay_command(app);
    darkscope::add_report_command(app);
    darkscope::configure_logging({});
    for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; }))
        darkscope::add_logging_options(*command);
    try {
        app.parse(argc, argv);
    } catch (const CLI::RuntimeError& e) {
        return e.get_exit_code();  // a command that reported for itself
    } catch (const CLI::Success& e) {
        return app.exit(e);  // --help, --version
    } catch (const CLI::ParseError& e) {
        // A usage error: exit 2, as getopt tools do (CLI11's own codes, 105 and so
        // on, mean nothing to a shell script), with a pointer to the help.
        std::cerr << "darkscope: error: " << e.what() << " (see darkscope --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "darkscope: error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
