#include "agent/backscatter_monitor.h"

#include <spdlog/spdlog.h>

#include "backscatter/attack_json.h"

namespace darkscope {

BackscatterMonitor::BackscatterMonitor(const VictimConfig& victims, const dns::BackscatterConfig& dns,
                                       const LiveBackscatterOptions& live)
    : victims_(victims), dns_(dns) {
    if (!live.attack_log.empty())
        log_ = std::make_unique<AttackLog>(live.attack_log, live.attack_log_max_bytes, live.attack_log_max_files);
}

void BackscatterMonitor::start_dns_events(int dns_ringbuf_fd) {
    reader_ = std::make_unique<dns::DnsEventReader>(dns_ringbuf_fd, dns_);
    reader_->start();
}

BackscatterMonitor::~BackscatterMonitor() = default;

void BackscatterMonitor::poll(const std::vector<SourceEntry>& entries, int64_t now_ns,
                              const std::function<int64_t(uint64_t)>& to_unix_ns,
                              const VictimTracker::CountryLookup& country, const std::string& day) {
    victims_.add(entries, now_ns, to_unix_ns, country);  // ends idle flows first, packets or not
    log_ended();
    dns_.advance_to(day);
}

void BackscatterMonitor::finish() {
    reader_.reset();  // no more DNS events
    victims_.finish("shutdown");
    log_ended();
}

void BackscatterMonitor::log_ended() {
    for (const AttackEvent& ev : victims_.take_ended()) {
        spdlog::info("attack on {} ended ({}): {} packets from {} to {}", ev.victim, ev.ended, ev.packets,
                     utc_time(ev.start_ns), utc_time(ev.end_ns));
        if (log_) log_->write(ev);
    }
}

BackscatterView BackscatterMonitor::view() const {
    BackscatterView v;
    v.victims = victims_.snapshot();
    v.dns = dns_.snapshot(0);
    if (log_) v.attack_log_write_errors = log_->write_errors();
    return v;
}

nlohmann::json BackscatterMonitor::status(size_t top_attacks, size_t top_zones) const {
    using nlohmann::json;
    const BackscatterSnapshot s = victims_.snapshot();
    json attacks = json::array();
    for (const AttackEvent& ev : victims_.active_attacks()) {
        if (attacks.size() >= top_attacks) break;
        attacks.push_back(attack_to_json(ev));
    }
    const dns::BackscatterSnapshot d = dns_.snapshot(top_zones);
    json zones = json::array();
    for (const dns::ZoneRow& z : d.zones)
        zones.push_back({{"zone", z.zone},
                         {"messages_today", z.messages_today},
                         {"names_today", z.names_today},
                         {"resolvers_today", z.resolvers_today},
                         {"counts_exact", z.counts_exact},
                         {"random_subdomain", z.random_subdomain}});
    return {{"attacks_active", s.attacks_active},
            {"attacks_started", s.attacks_started},
            {"victims_tracked", s.victims_tracked},
            {"attacks", attacks},
            {"dns", {{"day", d.today}, {"messages", d.messages}, {"zones", zones}}}};
}

}  // namespace darkscope
