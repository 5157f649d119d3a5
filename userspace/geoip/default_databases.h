// Where the GeoIP country database is looked for when no --geoip is given. Apart
// from geoip.h so that option parsing (and its fuzzer) needs no libmaxminddb.
#pragma once

#include <string>
#include <vector>

namespace darkscope {

// Where the DB-IP lite country database (CC BY 4.0) is looked for when no --geoip
// is given, the first that exists: scripts/setup.sh's copy (the operator's to
// refresh, so it wins), then the Debian package's.
inline constexpr const char* kDefaultGeoipDatabases[] = {"/usr/local/share/darkscope/dbip-country.mmdb",
                                                         "/usr/share/darkscope/dbip-country.mmdb"};
// The same list for messages and --help: "A, else B".
std::string default_geoip_databases_text();

// The files to open: the given ones, else the first default database that exists.
std::vector<std::string> geoip_files_or_default(const std::vector<std::string>& files);

}  // namespace darkscope
