#include "web/trusted_path.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <memory>

namespace darkscope {
namespace {

// One line about what may change st, or "".
std::string check_owner_and_mode(const std::string& path, const struct stat& st) {
    if (st.st_uid != 0) return path + " is not owned by root";
    const bool others_write = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    const bool sticky_dir = S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX);
    if (others_write && !sticky_dir) return path + " is writable by group or others";
    return "";
}

}  // namespace

std::string untrusted_reason(const std::string& path) {
    // Resolve symbolic links first: what is checked is what dlopen() will map.
    std::unique_ptr<char, decltype(&std::free)> real(realpath(path.c_str(), nullptr), &std::free);
    if (!real) return path + " cannot be resolved";
    std::string p = real.get();
    struct stat st {};
    if (stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return p + " is not a regular file";
    if (std::string why = check_owner_and_mode(p, st); !why.empty()) return why;
    while (p != "/") {
        // The parent directory: p is absolute (realpath), so its first '/' is at 0, and
        // a top-level entry's parent is "/".
        const size_t slash = p.rfind('/');
        p.resize(slash == 0 ? 1 : slash);
        if (stat(p.c_str(), &st) != 0) return p + " cannot be read";
        if (std::string why = check_owner_and_mode(p, st); !why.empty()) return why;
    }
    return "";
}

}  // namespace darkscope
