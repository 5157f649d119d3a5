// Country (and AS number) of a source address from MaxMind-format databases read
// with libmaxminddb. Two record layouts are understood: MaxMind's
// (country.iso_code, autonomous_system_number) and the flat one of the DB-IP lite /
// ip-location-db databases (country_code). Lookups are cached; a GeoIp never
// changes once opened, so a reload builds a new one and swaps it in.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "geoip/default_databases.h"
#include "hashing/keyed_hash.h"

struct MMDB_s;

namespace darkscope {

// The country of addresses no database places: private, documentation and
// unallocated ranges, or no country database at all. "ZZ" is the ISO 3166
// user-assigned code conventionally meaning "unknown".
inline constexpr const char* kUnknownCountry = "ZZ";


struct GeoIpDatabaseInfo {
    std::string path;
    std::string role;           // "country" or "asn"
    std::string database_type;  // from the file's metadata
    std::string layout;         // "maxmind", "flat" or "unknown" (no probe address found)
    uint64_t build_epoch = 0;   // seconds since 1970, from the metadata
};

class GeoIp {
public:
    // Opens every file; a database whose type names "ASN" answers AS numbers, any
    // other one countries (the first of each role counts). Throws
    // std::runtime_error with one line naming the file and the problem.
    explicit GeoIp(const std::vector<std::string>& files);
    ~GeoIp();
    GeoIp(const GeoIp&) = delete;
    GeoIp& operator=(const GeoIp&) = delete;

    // family is 4 or 6; addr holds 4 or 16 bytes in network order. Thread-safe.
    std::string country(uint8_t family, const uint8_t* addr) const;
    std::optional<uint32_t> asn(uint8_t family, const uint8_t* addr) const;

    const std::vector<GeoIpDatabaseInfo>& databases() const { return info_; }
    bool has_country() const { return country_db_ >= 0; }
    size_t cached_networks() const;  // entries of the country cache (tests, memory figures)

private:
    std::vector<std::unique_ptr<MMDB_s>> dbs_;
    std::vector<GeoIpDatabaseInfo> info_;
    int country_db_ = -1;
    int asn_db_ = -1;
    mutable std::mutex cache_mu_;
    // (family, level, address masked to level bits) -> country. A lookup's answer
    // holds for the whole network the database's tree resolved it at (its netmask),
    // so it is kept for the smallest of a few block sizes (the levels) that lies
    // inside that network: every other address of the block then hits it. Keyed by
    // address alone, the cache took an entry, a SipHash and a miss per new source
    // of a flood, and most of the agent's GeoIP time (issue #20). A flat table of
    // fixed-size keys; keyed hash: the addresses are the sender's choice.
    struct CacheKey {
        std::array<uint8_t, 18> bytes{};  // family, level bits, address masked to them
        bool operator==(const CacheKey&) const = default;
    };
    struct CacheKeyHash {
        size_t operator()(const CacheKey& k) const { return static_cast<size_t>(keyed_hash(k.bytes.data(), k.bytes.size())); }
    };
    mutable absl::flat_hash_map<CacheKey, std::string, CacheKeyHash> cache_;
    mutable uint32_t levels_used_ = 0;  // bit i: some entry of kCacheLevels' i-th level
};

// A country lookup over the given files (a dataplane/country_lookup.h CountryLookup); with no
// files, over the default database when installed, else every country is "ZZ".
// Throws like the constructor.
std::function<std::string(uint8_t family, const uint8_t* addr)> make_country_lookup(
    const std::vector<std::string>& files);

}  // namespace darkscope
