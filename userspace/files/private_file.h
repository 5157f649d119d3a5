// Files that hold source addresses and victims (the agent's status and state in
// /run/darkscope): written whole or not at all, readable by their owner only.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

namespace darkscope {

// Writes what write() puts out to path: first to path + ".tmp" (mode 0600), then
// renamed over path, so a reader sees the old file or the new one. dir, path's
// directory, is created with mode 0700 if missing (and set to 0700 if it exists). Returns "" on success, else one
// line naming the file and the error ("No space left on device"); the .tmp is then
// removed and path is left as it was.
std::string write_private_file(const std::string& dir, const std::string& path,
                               const std::function<void(std::ostream&)>& write);

}  // namespace darkscope
