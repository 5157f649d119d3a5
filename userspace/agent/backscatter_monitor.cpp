#include "agent/backscatter_monitor.h"

#include <spdlog/spdlog.h>

#include "backscatter/attack_json.h"

namespace darkscope {

BackscatterMonitor::BackscatterMonitor(Accumulator& acc, const VictimConfig& victims,
                                       const dns::BackscatterConfig& dns, const LiveBackscatterOptions& live)
    : pipeline_(acc, victims, dns, [this](AttackEvent&& ev) { log_ended(ev); }) {
    if (!live.attack_log.empty())
        log_ = std::make_unique<AttackLog>(live.attack_log, live.attack_log_max_bytes, live.attack_log_max_files);
}

void BackscatterMonitor::start_dns_events(int dns_ringbuf_fd) { pipeline_.open_dns_events(dns_ringbuf_fd, true); }

BackscatterMonitor::~BackscatterMonitor() = default;

std::vector<SourceEntry> BackscatterMonitor::poll(DataPlane& dp, const DrainClock& clock,
                                                  const CountryLookup& country, const std::string& day) {
    std::vector<SourceEntry> entries = pipeline_.drain(dp, /*swap=*/true, clock, country);
    pipeline_.dns_day(day);
    return entries;
}

void BackscatterMonitor::finish() { pipeline_.finish("shutdown"); }

void BackscatterMonitor::log_ended(const AttackEvent& ev) {
    spdlog::info("attack on {} ended ({}): {} packets from {} to {}", ev.victim, ev.ended, ev.packets,
                 utc_time(ev.start_ns), utc_time(ev.end_ns));
    if (log_) log_->write(ev);
}

BackscatterView BackscatterMonitor::view() const {
    BackscatterView v = pipeline_.view(0);
    if (log_) v.attack_log_write_errors = log_->write_errors();
    return v;
}

nlohmann::json BackscatterMonitor::status(size_t top_attacks, size_t top_zones) const {
    using nlohmann::json;
    const BackscatterSnapshot s = pipeline_.victims().snapshot();
    json attacks = json::array();
    for (const AttackEvent& ev : pipeline_.victims().active_attacks()) {
        if (attacks.size() >= top_attacks) break;
        attacks.push_back(attack_to_json(ev));
    }
    const dns::BackscatterSnapshot d = pipeline_.dns().snapshot(top_zones);
    json zones = json::array();
    for (const dns::ZoneRow& z : d.zones)
        zones.push_back({{"zone", z.zone},
                         {"messages_today", z.messages_today},
                         {"names_today", z.names_today},
                         {"resolvers_today", z.resolvers_today},
                         {"counts_exact", z.counts_exact},
                         {"random_subdomain", z.random_subdomain},
                         {"samples", z.samples}});
    return {{"attacks_active", s.attacks_active},
            {"attacks_started", s.attacks_started},
            {"victims_tracked", s.victims_tracked},
            {"attacks", attacks},
            {"dns", {{"day", d.today}, {"messages", d.messages}, {"zones", zones}}}};
}

}  // namespace darkscope
