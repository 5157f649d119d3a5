// Whether a file may be loaded as code into a root process: only when nobody but
// root can replace it. Whoever can write the file, or any directory on its way
// from "/", could otherwise run code as root (the agent loads the TLS compat
// library before it drops its capabilities).
#pragma once

#include <string>

namespace darkscope {

// "" when path resolves to a regular file that root owns, and root owns every
// directory above it, none writable by group or others (a root-owned sticky
// directory such as /tmp is accepted: others cannot replace what root made in
// it). Otherwise one line saying which part is not trusted.
std::string untrusted_reason(const std::string& path);

}  // namespace darkscope
