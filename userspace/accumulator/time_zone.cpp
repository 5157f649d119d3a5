#include "accumulator/time_zone.h"

#include <fstream>

namespace darkscope {

bool time_zone_exists(const std::string& zone) {
    if (zone == "UTC") return true;
    if (zone.empty() || zone.find("..") != std::string::npos || zone[0] == '/') return false;
    std::ifstream f("/usr/share/zoneinfo/" + zone, std::ios::binary);
    char magic[4] = {};
    return f.read(magic, 4) && std::string(magic, 4) == "TZif";
}

}  // namespace darkscope
