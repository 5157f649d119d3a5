#include "backscatter/victims.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "backscatter/backscatter_kind.h"
#include "dataplane/names.h"
#include "dataplane/prefix.h"

namespace darkscope {
namespace {

// Distinct victim ports kept per flow; the rest are summed (a SYN flood against
// random ports answered with RSTs would otherwise grow without bound).
constexpr size_t kMaxPortsPerVictim = 16;

}  // namespace

VictimTracker::VictimTracker(VictimConfig config) : config_(std::move(config)), ports_(config_.ports) {}

void VictimTracker::add(const std::vector<SourceEntry>& entries, int64_t poll_ns,
                        const std::function<int64_t(uint64_t)>& to_unix_ns, const CountryLookup& country) {
    std::lock_guard lock(mu_);
    expire_locked(poll_ns);
    for (const SourceEntry& e : entries) {
        const std::optional<uint32_t> cls = backscatter_class(e.key);
        if (!cls) continue;
        const uint64_t packets = e.value.packets;
        ports_.add(e.key, *cls, packets);

        const AddrKey addr = SourceAddr::of(e.key);
        const auto country_of = [&] { return country ? country(addr.family, addr.addr) : std::string("ZZ"); };
        auto it = flows_.find(addr);
        if (it == flows_.end()) {
            if (flows_.size() >= config_.max_victims) {
                untracked_packets_ += packets;
                country_packets_[{class_name(*cls), country_of()}] += packets;
                continue;
            }
            it = flows_.try_emplace(addr).first;
            it->second.country = country_of();  // once per flow: the lookup is not free
        }
        Flow& f = it->second;
        country_packets_[{class_name(*cls), f.country}] += packets;
        // The packets of this entry arrived before the poll; the data plane's clock
        // says when the first and (within 64 packets) the last of them did.
        const int64_t first = std::min(to_unix_ns(e.value.first_seen_ns), poll_ns);
        const int64_t last = std::clamp(to_unix_ns(e.value.last_seen_ns), first, poll_ns);
        if (f.packets == 0) {
            f.start_ns = first;
            f.end_ns = last;
        } else {
            f.start_ns = std::min(f.start_ns, first);
            f.end_ns = std::max(f.end_ns, last);
        }
        f.packets += packets;
        f.bytes += e.value.bytes;
        f.last_poll_ns = poll_ns;

        auto p = std::find_if(f.ports.begin(), f.ports.end(), [&](const VictimPort& v) {
            return v.proto == e.key.proto && v.port == e.key.port && v.cls == *cls;
        });
        if (p != f.ports.end())
            p->packets += packets;
        else if (f.ports.size() < kMaxPortsPerVictim)
            f.ports.push_back({e.key.proto, e.key.port, *cls, packets});
        else
            f.other_port_packets += packets;

        // The window holds the polls within (poll_ns - window, poll_ns].
        if (f.window.empty() || f.window.back().first != poll_ns)
            f.window.emplace_back(poll_ns, packets);
        else
            f.window.back().second += packets;
        f.window_sum += packets;
        while (!f.window.empty() && f.window.front().first <= poll_ns - config_.window_ns) {
            f.window_sum -= f.window.front().second;
            f.window.pop_front();
        }
        f.peak_window = std::max(f.peak_window, f.window_sum);

        if (!f.attack && f.packets >= config_.min_packets && f.end_ns - f.start_ns >= config_.min_duration_ns &&
            f.peak_window >= config_.window_packets) {
            f.attack = true;
            ++active_;
            ++started_;
        }
    }
}

void VictimTracker::expire(int64_t now_ns) {
    std::lock_guard lock(mu_);
    expire_locked(now_ns);
}

void VictimTracker::expire_locked(int64_t now_ns) {
    for (auto it = flows_.begin(); it != flows_.end();) {
        if (now_ns - it->second.last_poll_ns > config_.timeout_ns) {
            end_flow(it->first, it->second, "timeout");
            it = flows_.erase(it);
        } else {
            ++it;
        }
    }
}

void VictimTracker::finish(const std::string& reason) {
    std::lock_guard lock(mu_);
    // Ended in start order, as a timeout would have ended them.
    std::vector<std::pair<int64_t, const AddrKey*>> order;
    for (const auto& [addr, f] : flows_) order.emplace_back(f.start_ns, &addr);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first
                                  : std::memcmp(a.second->addr, b.second->addr, 16) < 0;
    });
    for (const auto& [start, addr] : order) end_flow(*addr, flows_.at(*addr), reason);
    flows_.clear();
}

void VictimTracker::end_flow(const AddrKey& addr, const Flow& flow, const std::string& reason) {
    if (!flow.attack) return;  // backscatter that never amounted to an attack
    AttackEvent ev = event_of(addr, flow);
    ev.ended = reason;
    ended_.push_back(std::move(ev));
    --active_;
}

AttackEvent VictimTracker::event_of(const AddrKey& addr, const Flow& f) const {
    AttackEvent ev;
    ev.family = addr.family;
    ev.victim = format_address(addr.family, addr.addr);
    const uint8_t len = addr.family == DS_FAMILY_IPV4 ? config_.source_prefix_v4 : config_.source_prefix_v6;
    if (len < (addr.family == DS_FAMILY_IPV4 ? 32 : 128)) ev.victim += "/" + std::to_string(len);
    ev.start_ns = f.start_ns;
    ev.end_ns = f.end_ns;
    ev.packets = f.packets;
    ev.bytes = f.bytes;
    ev.ports = f.ports;
    std::stable_sort(ev.ports.begin(), ev.ports.end(), [](const VictimPort& a, const VictimPort& b) {
        if (a.packets != b.packets) return a.packets > b.packets;
        return std::tie(a.proto, a.port, a.cls) < std::tie(b.proto, b.port, b.cls);
    });
    ev.other_port_packets = f.other_port_packets;
    ev.peak_window_packets = f.peak_window;
    if (f.end_ns > f.start_ns) {
        ev.observed_pps = static_cast<double>(f.packets) * kNsPerSecond / static_cast<double>(f.end_ns - f.start_ns);
        // Spoofed sources are drawn from the whole IPv4 space: the sensor sees its
        // share of the victim's replies. IPv6 attackers do not spoof uniformly over
        // 2^128 addresses, so no IPv6 estimate is made.
        if (addr.family == DS_FAMILY_IPV4 && config_.ipv4_scale > 0)
            ev.estimated_pps = *ev.observed_pps * config_.ipv4_scale;
    }
    ev.country = f.country;
    return ev;
}

std::vector<AttackEvent> VictimTracker::take_ended() {
    std::lock_guard lock(mu_);
    std::vector<AttackEvent> out;
    out.swap(ended_);
    return out;
}

std::vector<AttackEvent> VictimTracker::active_attacks() const {
    std::lock_guard lock(mu_);
    std::vector<AttackEvent> out;
    for (const auto& [addr, f] : flows_)
        if (f.attack) out.push_back(event_of(addr, f));
    std::sort(out.begin(), out.end(), [](const AttackEvent& a, const AttackEvent& b) {
        return a.packets != b.packets ? a.packets > b.packets : a.victim < b.victim;
    });
    return out;
}

BackscatterSnapshot VictimTracker::snapshot() const {
    std::lock_guard lock(mu_);
    BackscatterSnapshot s;
    s.packets = ports_.packets();
    s.country_packets = country_packets_;
    s.attacks_active = active_;
    s.attacks_started = started_;
    s.victims_tracked = flows_.size();
    s.untracked_packets = untracked_packets_;
    return s;
}

double ipv4_scale(const std::vector<Prefix>& dark_prefixes) {
    std::vector<std::pair<uint64_t, uint64_t>> ranges;  // [first, last] addresses
    for (const Prefix& p : dark_prefixes) {
        if (p.family != DS_FAMILY_IPV4) continue;
        const uint64_t first = (uint64_t{p.addr[0]} << 24) | (uint64_t{p.addr[1]} << 16) | (uint64_t{p.addr[2]} << 8) |
                               p.addr[3];
        ranges.emplace_back(first, first + (uint64_t{1} << (32 - p.length)) - 1);
    }
    std::sort(ranges.begin(), ranges.end());
    uint64_t covered = 0, next = 0;  // addresses below `next` are counted
    for (const auto& [first, last] : ranges) {
        const uint64_t from = std::max(first, next);
        if (last + 1 > from) covered += last + 1 - from;
        next = std::max(next, last + 1);
    }
    return covered ? 4294967296.0 / static_cast<double>(covered) : 0;
}

}  // namespace darkscope
