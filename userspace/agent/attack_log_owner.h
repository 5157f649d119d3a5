// --user and --attack-log: spdlog rotates the log by renaming files in its
// directory, which after the switch to the user needs that directory to be the
// user's. So before switching, the agent gives the user the directory and the log's
// files (FILE and its rotations FILE.1 ... FILE.max_files). A directory that holds
// anything else is refused rather than given away: handing a shared directory such
// as /var/log to the user would be worse than not starting (issue #18, item 4).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "agent/privileges.h"

namespace darkscope {

// The paths to give to the user (the directory first, unless it is the user's
// already), for an absolute log path. Throws std::runtime_error with one line when
// the directory holds other files.
std::vector<std::string> attack_log_paths_for_user(const std::string& log, size_t max_files, const RunAsUser& user);

}  // namespace darkscope
