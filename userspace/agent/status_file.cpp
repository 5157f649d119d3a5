#include "agent/status_file.h"

#include <fstream>

#include "files/private_file.h"

namespace darkscope {

std::string status_file_path(const std::string& sensor) { return std::string(kStateRoot) + "/" + sensor + ".json"; }

std::string write_status_file(const std::string& path, const nlohmann::json& j) {
    return write_private_file(kStateRoot, path, [&j](std::ostream& out) { out << j.dump() << "\n"; });
}

std::optional<nlohmann::json> read_status_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return std::nullopt;
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

}  // namespace darkscope
