#include "agent/status_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace darkscope {

std::string status_file_path(const std::string& sensor) { return std::string(kStateRoot) + "/" + sensor + ".json"; }

bool write_status_file(const std::string& path, const nlohmann::json& j) {
    mkdir(kStateRoot, 0755);  // exists already, or fails below
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out) return false;
        out << j.dump() << "\n";
        if (!out.flush()) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::optional<nlohmann::json> read_status_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

}  // namespace darkscope
