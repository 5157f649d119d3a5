#include "accumulator/accumulator_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "accumulator/accumulator.h"

namespace darkscope {

std::string accumulator_file_path(const std::string& sensor) {
    return std::string(kStateRoot) + "/" + sensor + ".state";
}

bool save_accumulator(const Accumulator& acc, const std::string& path) {
    mkdir(kStateRoot, 0755);  // exists already, or the open below fails
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return false;
        acc.save(out);
        if (!out.flush()) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::string restore_accumulator(Accumulator& acc, const std::string& path, bool* restored) {
    *restored = false;
    std::ifstream in(path, std::ios::binary);
    if (!in) return "";
    struct stat st {};
    stat(path.c_str(), &st);
    try {
        acc.load(in);
    } catch (const std::exception& e) {
        return "not continuing the per-country and unique-source figures from " + path + ": " + e.what();
    }
    *restored = true;
    return "continuing the per-country and unique-source figures from " + path + " (saved " +
           std::to_string(static_cast<long long>(std::time(nullptr) - st.st_mtime)) + " s ago)";
}

}  // namespace darkscope
