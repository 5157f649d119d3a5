#include "agent/cleanup.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "accumulator/accumulator_file.h"
#include "agent/pins.h"
#include "agent/status_file.h"

namespace darkscope {
namespace {

// Unpins one sensor. Links go first: a link whose last pin is gone (and that no
// running agent holds open) detaches its program from the interface.
void remove_sensor(const std::string& root, const std::string& name) {
    const std::string dir = root + "/" + name;
    std::vector<std::string> pins = list_dir(dir);
    std::stable_partition(pins.begin(), pins.end(), [](const std::string& p) { return p.rfind("link_", 0) == 0; });
    for (const std::string& p : pins) {
        if (unlink((dir + "/" + p).c_str()) && errno != ENOENT)
            throw std::runtime_error("cannot remove " + dir + "/" + p + ": " + std::strerror(errno));
        std::cout << "removed " << dir << "/" << p << (p.rfind("link_", 0) == 0 ? " (detached)" : "") << "\n";
    }
    if (rmdir(dir.c_str()) && errno != ENOENT)
        throw std::runtime_error("cannot remove " + dir + ": " + std::strerror(errno));
    // The state a killed agent left for `darkscope status` (attacks, DNS zones), and
    // its saved figures, which go with the counts just removed.
    for (const std::string& state : {status_file_path(name), accumulator_file_path(name)})
        if (unlink(state.c_str()) == 0) std::cout << "removed " << state << "\n";
}

}  // namespace

void add_cleanup_command(CLI::App& app) {
    auto name = std::make_shared<std::string>();
    auto all = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand(
        "cleanup", std::string("Detach and unpin what a crashed (or --keep-pinned) agent left under ") + kPinRoot +
                       "; the counts it held are lost. Do not run it while that agent runs");
    cmd->add_option("--sensor-name", *name, "The sensor to remove");
    cmd->add_flag("--all", *all, "Remove every sensor pinned there");
    cmd->callback([name, all] {
        if (name->empty() == !*all) throw std::runtime_error("cleanup needs --sensor-name NAME or --all");
        const std::string root = pin_root();
        std::vector<std::string> sensors = list_dir(root);
        if (!*all) {
            if (std::find(sensors.begin(), sensors.end(), *name) == sensors.end())
                throw std::runtime_error("no sensor '" + *name + "' pinned under " + kPinRoot);
            sensors = {*name};
        }
        for (const std::string& s : sensors) remove_sensor(root, s);
        if (sensors.empty()) std::cout << "nothing pinned under " << kPinRoot << "\n";
    });
}

}  // namespace darkscope
