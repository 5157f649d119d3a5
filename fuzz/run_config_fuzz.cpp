// darkscope.yaml of arbitrary bytes through --config: the YAML flattening, the
// CLI options it fills and the checks `run` applies to them. Every bad file is an
// exception with a message (the agent prints it as one line), never a crash.
#include <sys/mman.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "cli/common_options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const int fd = memfd_create("config", MFD_CLOEXEC);
    if (fd < 0) return 0;
    if (write(fd, data, size) == static_cast<ssize_t>(size)) {
        CLI::App app;
        CLI::App* run = app.add_subcommand("run");
        darkscope::CommonOptions opts;
        std::string text;
        bool flag = false;
        std::vector<std::string> list;
        darkscope::add_common_options(*run, opts);
        // A few of run's own options, of each kind: text, flag, list, dotted name.
        run->add_option("--web.listen-address", text);
        run->add_flag("--keep-pinned", flag);
        run->add_option("-i,--interface", list)->delimiter(',');
        try {
            darkscope::apply_config_file(*run, "/proc/self/fd/" + std::to_string(fd));
            (void)darkscope::data_plane_config(opts);
            (void)darkscope::accumulator_config(opts);
        } catch (const std::exception& e) {
            if (!*e.what()) __builtin_trap();  // an error must say something
        }
    }
    close(fd);
    return 0;
}
