#include "dns/backscatter_tracker.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace darkscope::dns {

const char* via_name(Via v) {
    switch (v) {
    case Via::Response: return "response";
    case Via::IcmpError: return "icmp_error";
    case Via::Count: break;
    }
    return "unknown";
}

BackscatterTracker::BackscatterTracker(BackscatterConfig config)
    : config_(std::move(config)), domains_(config_.public_suffix_list) {
    if (config_.max_zones < 2) throw std::runtime_error("DNS backscatter: at least 2 zones must be tracked");
    if (config_.max_exported_zones >= config_.max_zones)
        throw std::runtime_error("DNS backscatter: exported zones must be fewer than tracked zones");
    if (!(config_.random_min_name_share >= 0 && config_.random_min_name_share <= 1))
        throw std::runtime_error("DNS backscatter: the random-subdomain name share must be between 0 and 1");
}

BackscatterTracker::Zone& BackscatterTracker::zone_for(const std::string& name) {
    if (auto it = zones_.find(name); it != zones_.end()) return it->second;
    if (zones_.size() >= config_.max_zones && !evictable_.empty()) {
        Zone* victim = std::get<2>(*evictable_.begin());
        evictable_.erase(evictable_.begin());
        zones_.erase(victim->name);
        evicted_++;
    }
    Zone& z = zones_[name];
    z.name = name;
    return z;
}

void BackscatterTracker::maybe_admit(Zone& z) {
    // A zone literally named "other" (a single-label name) stays in the "other" series.
    if (z.exported || z.name == kOtherZone) return;
    // Busy zones may fill half the exported slots; the rest wait for flagged zones, so
    // the zones under attack still get series after reflection traffic took its share.
    const bool busy = z.messages_today >= config_.export_min_messages &&
                      exported_count_ < config_.max_exported_zones / 2;
    const bool flagged = z.flagged && exported_count_ < config_.max_exported_zones;
    if (!busy && !flagged) return;
    z.exported = true;
    z.export_base = z.messages;  // what came before stays in zone="other"
    exported_count_++;
}

std::string BackscatterTracker::resolver_country_of(uint8_t family, const uint8_t* resolver) const {
    if (!config_.resolver_country || !resolver || (family != 4 && family != 6)) return kUnknownResolverCountry;
    // The lookup reads the address in the 16-byte form (IPv4 in the first 4 bytes); a
    // DNS event's IPv4 resolver is only 4 bytes long.
    uint8_t addr[16] = {};
    std::memcpy(addr, resolver, family == 4 ? 4 : 16);
    return config_.resolver_country(family, addr);
}

void BackscatterTracker::count_resolver_country(const std::string& country) {
    auto it = resolver_countries_.find(country);
    if (it == resolver_countries_.end()) {
        // A country literally named "other" cannot be a two-letter code; still, it and
        // every country past the bound share the "other" series.
        const size_t own = resolver_countries_.size() - resolver_countries_.count(kOtherCountry);
        const bool fits = country != kOtherCountry && own < config_.max_resolver_countries;
        it = resolver_countries_.try_emplace(fits ? country : std::string(kOtherCountry), 0).first;
    }
    it->second++;
}

void BackscatterTracker::add(Via via, uint8_t family, const uint8_t* resolver, const uint8_t* dns, size_t dns_len) {
    const ParseResult parsed = parse_question(dns, dns_len);
    std::string zone;
    if (parsed.ok()) zone = domains_.zone_of(parsed.question.name);
    // The resolver as family + address bytes, so 192.0.2.1 and ::c000:201 differ.
    char addr[17] = {};
    addr[0] = static_cast<char>(family);
    if (resolver) std::memcpy(addr + 1, resolver, family == 4 ? 4 : 16);

    RcodeBucket rcode{};
    // A quoted packet is the spoofed query itself: its response code means nothing.
    const bool has_rcode = via == Via::Response && response_rcode(dns, dns_len, rcode);
    // Responses only (a quoted packet did not come from a resolver's answer); looked up
    // outside the lock, since the agent's lookup takes its own GeoIP lock.
    const std::string country = via == Via::Response ? resolver_country_of(family, resolver) : std::string();

    std::lock_guard lock(mu_);
    if (via < Via::Count) received_[static_cast<size_t>(via)]++;
    if (via == Via::Response) count_resolver_country(country);
    if (has_rcode) rcodes_[static_cast<size_t>(rcode)]++;
    if (!parsed.ok()) {
        malformed_[static_cast<size_t>(parsed.error)]++;
        return;
    }
    messages_++;
    Zone& z = zone_for(zone);
    if (!z.exported) evictable_.erase({z.messages_today, z.last_seq, &z});
    z.messages++;
    z.messages_today++;
    z.last_seq = ++seq_;
    z.names.add(parsed.question.name);
    if (z.samples.size() < config_.samples_per_zone &&
        std::find(z.samples.begin(), z.samples.end(), parsed.question.name) == z.samples.end())
        z.samples.push_back(parsed.question.name);
    z.resolvers.add(std::string_view(addr, sizeof addr));
    if (!z.flagged) {
        const uint64_t names = z.names.count();
        z.flagged = names >= config_.random_min_names &&
                    static_cast<double>(names) >= config_.random_min_name_share * static_cast<double>(z.messages_today);
    }
    maybe_admit(z);
    if (!z.exported) evictable_.insert({z.messages_today, z.last_seq, &z});
}

void BackscatterTracker::advance_to(const std::string& day) {
    std::lock_guard lock(mu_);
    if (day <= today_) return;
    const bool first = today_.empty();
    today_ = day;
    if (first) return;
    evictable_.clear();
    for (auto& [name, z] : zones_) {
        z.messages_today = 0;
        z.names.clear();
        z.resolvers.clear();
        z.samples.clear();
        z.flagged = false;
        if (!z.exported) evictable_.insert({0, z.last_seq, &z});
    }
}

ZoneRow BackscatterTracker::row_of(const Zone& z) const {
    ZoneRow r;
    r.zone = z.name;
    r.messages = z.messages;
    r.messages_today = z.messages_today;
    r.names_today = z.names.count();
    r.resolvers_today = z.resolvers.count();
    r.counts_exact = z.names.exact() && z.resolvers.exact();
    r.random_subdomain = z.flagged;
    r.samples = z.samples;
    r.exported = z.exported;
    return r;
}

BackscatterSnapshot BackscatterTracker::snapshot(size_t top) const {
    std::lock_guard lock(mu_);
    BackscatterSnapshot s;
    std::vector<const Zone*> order;
    order.reserve(zones_.size());
    for (const auto& [name, z] : zones_) order.push_back(&z);
    // Most messages today first; then most messages overall; then by name, so reports
    // are stable.
    std::sort(order.begin(), order.end(), [](const Zone* a, const Zone* b) {
        if (a->messages_today != b->messages_today) return a->messages_today > b->messages_today;
        if (a->messages != b->messages) return a->messages > b->messages;
        return a->name < b->name;
    });
    for (size_t i = 0; i < order.size() && i < top; ++i) s.zones.push_back(row_of(*order[i]));
    uint64_t admitted = 0;
    for (const auto& [name, z] : zones_) {
        if (!z.exported) continue;
        // Every message from the zone's first; those before admission stay in "other"
        // too, which never goes back (docs/metrics.md, "Admitted labels").
        s.exported_messages[name] = z.messages;
        s.exported_zones[name] = row_of(z);
        admitted += z.messages - z.export_base;
    }
    s.exported_messages[kOtherZone] = messages_ - admitted;
    s.messages = messages_;
    s.received = received_;
    s.malformed = malformed_;
    s.rcodes = rcodes_;
    s.resolver_countries = resolver_countries_;
    s.zones_evicted = evicted_;
    s.max_zones = config_.max_zones;
    s.today = today_;
    return s;
}

}  // namespace darkscope::dns
