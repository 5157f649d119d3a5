// Which darkscope this is: version, git revision and build date (fixed when CMake
// configures the build: build_info.cpp.in), for --version and darkscope_build_info.
#pragma once

#include <string>

namespace darkscope {

struct BuildInfo {
    std::string version;     // the project's version (CMakeLists.txt)
    std::string revision;    // the commit built, or "unknown" (a tarball without .git)
    std::string build_date;  // UTC, YYYYMMDD-HH:MM:SS; SOURCE_DATE_EPOCH when set
};

const BuildInfo& build_info();

// What `darkscope --version` prints, in node_exporter's layout: the build, the
// libbpf it runs with and the running kernel (what the XDP program depends on).
std::string version_text();

}  // namespace darkscope
