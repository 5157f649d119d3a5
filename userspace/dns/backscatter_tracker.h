// DNS backscatter by zone: each DNS message the data plane sends up (a response to a
// dark address, or the DNS packet an ICMP error quotes) is parsed, its question name
// mapped to its registered domain, and counted per zone with its distinct names and
// resolvers. A zone whose names are many and mostly distinct is flagged as the target
// of a random-subdomain ("water torture") attack. Memory is bounded: a fixed number of
// zones, each with two bounded distinct counters.
// Used alike by `darkscope run` (live) and `darkscope replay`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "hashing/distinct_counter.h"
#include "dns/dns_question.h"
#include "dns/rcode.h"
#include "dns/registered_domain.h"
#include "hashing/keyed_hash.h"

namespace darkscope::dns {

// How the message reached the sensor.
enum class Via : uint8_t { Response = 0, IcmpError = 1, Count };
const char* via_name(Via v);  // "response", "icmp_error"

struct BackscatterConfig {
    // Zones tracked at once. When full, a new zone takes the place of the tracked
    // zone with the fewest messages today (the least recently seen among equals);
    // zones with their own series are never replaced.
    size_t max_zones = 4096;
    // Zones exported with their own series (the others are summed in zone="other"):
    // a zone is admitted once it is flagged or reaches export_min_messages today,
    // and stays admitted for the life of the process.
    size_t max_exported_zones = 20;
    uint64_t export_min_messages = 100;
    // Random-subdomain flag: at least random_min_names distinct names today, and
    // distinct names at least random_min_name_share of the zone's messages today.
    // Once flagged, a zone stays flagged until the day ends.
    uint64_t random_min_names = 100;
    double random_min_name_share = 0.5;
    // Query names kept per zone per day as samples (the first distinct ones of the
    // day), for status and reports: at most max_zones x samples_per_zone names.
    size_t samples_per_zone = 5;
    std::string public_suffix_list;  // empty: Debian's (kDefaultPublicSuffixList)
    // The country of a resolver whose response reached the sensor (the agent's current
    // GeoIP lookup, so a reload is followed): family 4 or 6, the address in the first 4
    // or 16 bytes; a two-letter code, "ZZ" when unknown. Empty: every resolver is "ZZ".
    // (dataplane/country_lookup.h's type, which this stage cannot include.)
    std::function<std::string(uint8_t family, const uint8_t* addr)> resolver_country;
    // Resolver countries with their own series; responses from further countries are
    // summed in country="other".
    size_t max_resolver_countries = 256;
};

// One tracked zone, as reports show it.
struct ZoneRow {
    std::string zone;
    uint64_t messages = 0;        // since the zone was last taken into the table
    uint64_t messages_today = 0;
    uint64_t names_today = 0;     // distinct query names
    uint64_t resolvers_today = 0; // distinct addresses that answered (or were asked)
    bool counts_exact = true;     // false once either distinct count is an estimate
    std::vector<std::string> samples;  // today's first distinct query names, in order
    bool random_subdomain = false;
    bool exported = false;
};

struct BackscatterSnapshot {
    std::vector<ZoneRow> zones;  // tracked zones, most messages today first
    // The exported series: admitted zones, every message from their first, and "other":
    // the messages of zones while they had no series (cumulative, never shrinking; the
    // sum exceeds `messages` by what admitted zones had before admission).
    std::map<std::string, uint64_t> exported_messages;
    std::map<std::string, ZoneRow> exported_zones;  // admitted zones' today figures
    uint64_t messages = 0;  // messages whose question was read
    std::array<uint64_t, static_cast<size_t>(Via::Count)> received{};  // every message, by way
    std::array<uint64_t, static_cast<size_t>(ParseError::Count)> malformed{};  // [None] unused
    // Responses (via Response, QR set, flags readable) by response code, readable
    // question or not: a SERVFAIL cut short still says the resolver failed.
    std::array<uint64_t, kRcodeBuckets> rcodes{};
    // Every message via Response (readable or not) by its resolver's country: at most
    // max_resolver_countries countries, then "other". Sums to received[Response].
    std::map<std::string, uint64_t> resolver_countries;
    uint64_t zones_evicted = 0;
    size_t max_zones = 0;
    std::string today;
};

inline constexpr const char* kOtherZone = "other";
inline constexpr const char* kOtherCountry = "other";
inline constexpr const char* kUnknownResolverCountry = "ZZ";

class BackscatterTracker {
public:
    explicit BackscatterTracker(BackscatterConfig config);  // throws std::runtime_error

    // One message: `dns` holds the first `dns_len` bytes of the DNS message, `resolver`
    // the peer's address (4 bytes for IPv4, 16 for IPv6). Thread-safe.
    void add(Via via, uint8_t family, const uint8_t* resolver, const uint8_t* dns, size_t dns_len);

    // Starts a new day ("YYYY-MM-DD", any increasing string) when `day` differs from
    // the current one: today's figures and flags start from zero.
    void advance_to(const std::string& day);

    BackscatterSnapshot snapshot(size_t top = SIZE_MAX) const;
    const BackscatterConfig& config() const { return config_; }

private:
    struct Zone {
        std::string name;
        uint64_t messages = 0, messages_today = 0;
        DistinctCounter names, resolvers;
        std::vector<std::string> samples;  // today's, at most config_.samples_per_zone
        uint64_t last_seq = 0;
        bool flagged = false;
        bool exported = false;
        uint64_t export_base = 0;  // `messages` when admitted
    };
    using RankKey = std::tuple<uint64_t, uint64_t, Zone*>;  // (messages today, last seen, zone)

    Zone& zone_for(const std::string& name);
    void maybe_admit(Zone& z);
    ZoneRow row_of(const Zone& z) const;
    std::string resolver_country_of(uint8_t family, const uint8_t* resolver) const;
    void count_resolver_country(const std::string& country);

    BackscatterConfig config_;
    RegisteredDomains domains_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Zone, KeyedStringHash> zones_;  // keyed: names come from spoofable replies
    std::set<RankKey> evictable_;  // tracked zones without their own series, fewest first
    size_t exported_count_ = 0;
    uint64_t seq_ = 0;
    uint64_t messages_ = 0;
    std::array<uint64_t, static_cast<size_t>(Via::Count)> received_{};
    std::array<uint64_t, static_cast<size_t>(ParseError::Count)> malformed_{};
    std::array<uint64_t, kRcodeBuckets> rcodes_{};
    std::map<std::string, uint64_t> resolver_countries_;  // at most max_resolver_countries + "other"
    uint64_t evicted_ = 0;
    std::string today_;
};

}  // namespace darkscope::dns
