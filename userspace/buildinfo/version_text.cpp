#include "buildinfo/build_info.h"

#include <bpf/libbpf.h>
#include <sys/utsname.h>

namespace darkscope {

std::string version_text() {
    const BuildInfo& b = build_info();
    utsname u{};
    const std::string kernel = uname(&u) == 0 ? std::string(u.sysname) + " " + u.release + " " + u.machine : "unknown";
    return "darkscope, version " + b.version + " (revision: " + b.revision + ")\n" +
           "  build date:       " + b.build_date + "\n" +
           "  libbpf version:   " + libbpf_version_string() + "\n" +
           "  running kernel:   " + kernel;
}

}  // namespace darkscope
