// Commands and child processes of the live benchmark, and the cleanup that runs
// whatever stops it: every child started through spawn() is killed and every
// registered command (namespace and pin removal) runs on exit or on SIGINT/SIGTERM.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/run_command.h"

namespace darkscope::bench {

using test::run_out;  // output (stdout and stderr) and exit status of a shell command
// Runs a shell command; throws std::runtime_error with its output when it fails.
void run_checked(const std::string& cmd);

// Starts argv with stdout and stderr to `log_file`; the pid is killed by cleanup.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file);
// Sends sig and waits up to `seconds` for the exit (then SIGKILL); returns the status.
int stop(pid_t pid, int sig, double seconds);

// A command run at cleanup (in reverse order of registration).
void at_cleanup(const std::string& cmd);
// Blocks SIGINT/SIGTERM/SIGHUP in every thread and cleans up and exits when one comes.
void install_signal_cleanup();
// Kills the children and runs the cleanup commands now (idempotent).
void cleanup();

std::string read_file(const std::string& path);

}  // namespace darkscope::bench
