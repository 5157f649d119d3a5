#include "agent/pins.h"

#include <dirent.h>
#include <sys/statfs.h>

#include <algorithm>
#include <stdexcept>

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

namespace darkscope {

std::vector<std::string> list_dir(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.') out.emplace_back(e->d_name);
        closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string pin_root() {
    auto is_bpffs = [](const char* dir) {
        struct statfs st {};
        return statfs(dir, &st) == 0 && static_cast<unsigned long>(st.f_type) == BPF_FS_MAGIC;
    };
    if (is_bpffs("/sys/fs/bpf")) return kPinRoot;
    if (is_bpffs("/proc/1/root/sys/fs/bpf")) return std::string("/proc/1/root") + kPinRoot;
    throw std::runtime_error(
        "no BPF filesystem at /sys/fs/bpf (mount it: mount -t bpf bpf /sys/fs/bpf; inside `ip netns exec`, "
        "which hides it, use nsenter --net=/run/netns/NAME instead)");
}

}  // namespace darkscope
