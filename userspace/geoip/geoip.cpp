#include "geoip/geoip.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <sys/stat.h>

namespace darkscope {
namespace {

constexpr size_t kCacheLimit = 1u << 20;  // entries; the cache starts over when full

// The country cache's block sizes, in prefix bits, per family (GeoIp::cache_).
struct CacheLevel {
    uint8_t family;
    uint8_t bits;
};
constexpr CacheLevel kCacheLevels[] = {{4, 8},   {4, 16},  {4, 24},  {4, 32},  {6, 16},
                                       {6, 32},  {6, 48},  {6, 64},  {6, 128}};

// Looks an address up; returns false when no record covers it. netmask (when given)
// receives the prefix length, in the address's own family, of the network the
// database's tree answered for (a record's or an empty branch's): every address
// of that network gets the same answer; the whole address's length when the lookup
// failed (nothing is known beyond that address).
bool lookup(MMDB_s* db, uint8_t family, const uint8_t* addr, MMDB_entry_s* entry, unsigned* netmask = nullptr) {
    sockaddr_storage ss{};
    if (family == 4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        std::memcpy(&sin->sin_addr, addr, 4);
    } else {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
        sin6->sin6_family = AF_INET6;
        std::memcpy(&sin6->sin6_addr, addr, 16);
    }
    int err = MMDB_SUCCESS;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, reinterpret_cast<sockaddr*>(&ss), &err);
    if (netmask) {
        // An IPv6 database holds IPv4 under ::/96, and counts an IPv4 answer's
        // netmask from its own root; one found above that depth covers every IPv4
        // address.
        unsigned n = r.netmask;
        if (family == 4 && db->metadata.ip_version == 6) n = n > 96 ? n - 96 : 0;
        *netmask = err == MMDB_SUCCESS ? n : (family == 4 ? 32 : 128);
    }
    if (err != MMDB_SUCCESS || !r.found_entry) return false;
    *entry = r.entry;
    return true;
}

// The country code of a record in either layout; empty when it has none.
std::string country_of(MMDB_entry_s* entry, std::string* layout = nullptr) {
    MMDB_entry_data_s data{};
    if (MMDB_get_value(entry, &data, "country", "iso_code", nullptr) == MMDB_SUCCESS && data.has_data &&
        data.type == MMDB_DATA_TYPE_UTF8_STRING) {
        if (layout) *layout = "maxmind";
        return std::string(data.utf8_string, data.data_size);
    }
    if (MMDB_get_value(entry, &data, "country_code", nullptr) == MMDB_SUCCESS && data.has_data &&
        data.type == MMDB_DATA_TYPE_UTF8_STRING) {
        if (layout) *layout = "flat";
        return std::string(data.utf8_string, data.data_size);
    }
    return {};
}

std::optional<uint32_t> asn_of(MMDB_entry_s* entry, std::string* layout = nullptr) {
    MMDB_entry_data_s data{};
    for (const char* key : {"autonomous_system_number", "asn"}) {
        if (MMDB_get_value(entry, &data, key, nullptr) != MMDB_SUCCESS || !data.has_data) continue;
        if (layout) *layout = std::strcmp(key, "asn") == 0 ? "flat" : "maxmind";
        if (data.type == MMDB_DATA_TYPE_UINT32) return data.uint32;
        if (data.type == MMDB_DATA_TYPE_UINT16) return data.uint16;
        if (data.type == MMDB_DATA_TYPE_UINT64) return static_cast<uint32_t>(data.uint64);
        if (data.type == MMDB_DATA_TYPE_UTF8_STRING)
            return static_cast<uint32_t>(std::strtoul(std::string(data.utf8_string, data.data_size).c_str(), nullptr, 10));
    }
    return std::nullopt;
}

// Finds the record layout by looking up well-known addresses until one is covered.
std::string probe_layout(MMDB_s* db, bool asn) {
    static const char* const probes[] = {"8.8.8.8", "1.1.1.1", "81.2.69.160", "2001:4860:4860::8888",
                                         "192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8::1"};
    for (const char* p : probes) {
        uint8_t addr[16] = {};
        uint8_t family = std::strchr(p, ':') ? 6 : 4;
        inet_pton(family == 4 ? AF_INET : AF_INET6, p, addr);
        MMDB_entry_s entry{};
        if (!lookup(db, family, addr, &entry)) continue;
        std::string layout;
        if (asn ? asn_of(&entry, &layout).has_value() : !country_of(&entry, &layout).empty()) return layout;
    }
    return "unknown";
}

bool names_asn(const std::string& type) {
    std::string lower = type;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower.find("asn") != std::string::npos;
}

}  // namespace

GeoIp::GeoIp(const std::vector<std::string>& files) {
    for (const std::string& path : files) {
        auto db = std::make_unique<MMDB_s>();
        errno = 0;
        int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, db.get());
        const int open_errno = errno ? errno : EIO;
        if (status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR)
            throw std::runtime_error("cannot read GeoIP database " + path + ": " + std::strerror(open_errno));
        if (status != MMDB_SUCCESS)
            throw std::runtime_error("GeoIP database " + path + " is not a MaxMind DB file (" + MMDB_strerror(status) + ")");
        GeoIpDatabaseInfo info;
        info.path = path;
        info.database_type = db->metadata.database_type ? db->metadata.database_type : "";
        info.role = names_asn(info.database_type) ? "asn" : "country";
        info.build_epoch = db->metadata.build_epoch;
        info.layout = probe_layout(db.get(), info.role == "asn");
        if (info.role == "asn" && asn_db_ < 0) asn_db_ = static_cast<int>(dbs_.size());
        if (info.role == "country" && country_db_ < 0) country_db_ = static_cast<int>(dbs_.size());
        dbs_.push_back(std::move(db));
        info_.push_back(std::move(info));
    }
}

GeoIp::~GeoIp() {
    for (auto& db : dbs_) MMDB_close(db.get());
}

namespace {

// The cache key of addr's block at level (family, bits).
std::array<uint8_t, 18> cache_key(const CacheLevel& level, const uint8_t* addr) {
    std::array<uint8_t, 18> k{};
    k[0] = level.family;
    k[1] = level.bits;
    for (unsigned byte = 0; byte * 8 < level.bits; ++byte) {
        const unsigned keep = std::min(8u, level.bits - byte * 8u);
        k[2 + byte] = static_cast<uint8_t>(addr[byte] & (0xff00u >> keep));
    }
    return k;
}

}  // namespace

std::string GeoIp::country(uint8_t family, const uint8_t* addr) const {
    if (country_db_ < 0) return kUnknownCountry;
    {
        std::lock_guard lock(cache_mu_);
        for (size_t i = 0; i < std::size(kCacheLevels); ++i) {
            if (kCacheLevels[i].family != family || !(levels_used_ & (1u << i))) continue;
            if (auto it = cache_.find(CacheKey{cache_key(kCacheLevels[i], addr)}); it != cache_.end()) return it->second;
        }
    }
    MMDB_entry_s entry{};
    std::string cc;
    unsigned netmask = 0;
    if (lookup(dbs_[country_db_].get(), family, addr, &entry, &netmask)) cc = country_of(&entry);
    if (cc.empty()) cc = kUnknownCountry;
    // The smallest block that lies inside the answered network (the last level of a
    // family is its whole address, which always does).
    size_t level = 0;
    while (kCacheLevels[level].family != family || kCacheLevels[level].bits < netmask) ++level;
    std::lock_guard lock(cache_mu_);
    if (cache_.size() >= kCacheLimit) {
        cache_.clear();
        levels_used_ = 0;
    }
    cache_.emplace(CacheKey{cache_key(kCacheLevels[level], addr)}, cc);
    levels_used_ |= 1u << level;
    return cc;
}

size_t GeoIp::cached_networks() const {
    std::lock_guard lock(cache_mu_);
    return cache_.size();
}

std::optional<uint32_t> GeoIp::asn(uint8_t family, const uint8_t* addr) const {
    if (asn_db_ < 0) return std::nullopt;
    MMDB_entry_s entry{};
    if (!lookup(dbs_[asn_db_].get(), family, addr, &entry)) return std::nullopt;
    return asn_of(&entry);
}

std::function<std::string(uint8_t, const uint8_t*)> make_country_lookup(const std::vector<std::string>& files) {
    auto geo = std::make_shared<const GeoIp>(geoip_files_or_default(files));
    return [geo](uint8_t family, const uint8_t* addr) { return geo->country(family, addr); };
}

}  // namespace darkscope
