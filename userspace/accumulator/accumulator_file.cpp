#include "accumulator/accumulator_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include "accumulator/accumulator.h"
#include "files/private_file.h"

namespace darkscope {

std::string accumulator_file_path(const std::string& sensor) {
    return std::string(kStateRoot) + "/" + sensor + ".state";
}

std::string save_accumulator(const Accumulator& acc, const std::string& path) {
    return write_private_file(kStateRoot, path, [&acc](std::ostream& out) { acc.save(out); });
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
