#include "geoip/default_databases.h"

#include <sys/stat.h>

namespace darkscope {

std::string default_geoip_databases_text() {
    std::string text;
    for (const char* path : kDefaultGeoipDatabases) text += (text.empty() ? "" : ", else ") + std::string(path);
    return text;
}

std::vector<std::string> geoip_files_or_default(const std::vector<std::string>& files) {
    if (!files.empty()) return files;
    struct stat st {};
    for (const char* path : kDefaultGeoipDatabases)
        if (stat(path, &st) == 0) return {path};
    return {};
}

}  // namespace darkscope
