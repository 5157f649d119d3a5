#include "backscatter/attack_json.h"

#include <ctime>

#include "backscatter/backscatter_kind.h"
#include "dataplane/names.h"

namespace darkscope {

std::string utc_time(int64_t unix_ns) {
    int64_t secs = unix_ns / kNsPerSecond, ns = unix_ns % kNsPerSecond;
    if (ns < 0) secs -= 1, ns += kNsPerSecond;
    const time_t t = static_cast<time_t>(secs);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[40];
    const size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ns / 1'000'000));
    return buf;
}

nlohmann::json attack_to_json(const AttackEvent& ev) {
    using nlohmann::json;
    json ports = json::array();
    json kinds = json::object();
    for (const VictimPort& p : ev.ports) {
        kinds[class_name(p.cls)] = kinds.value(class_name(p.cls), uint64_t{0}) + p.packets;
        const char* proto = ip_protocol_name(p.proto);
        if (is_icmp_kind(p.cls)) {
            ports.push_back({{"protocol", proto}, {"type", p.port >> 8}, {"code", p.port & 0xff}, {"packets", p.packets}});
            continue;
        }
        // SYN-ACKs and RSTs of one port are one entry here; kinds has them apart.
        auto same = std::find_if(ports.begin(), ports.end(), [&](const json& j) {
            return j["protocol"] == proto && j.contains("port") && j["port"] == p.port;
        });
        if (same != ports.end())
            (*same)["packets"] = (*same)["packets"].get<uint64_t>() + p.packets;
        else
            ports.push_back({{"protocol", proto}, {"port", p.port}, {"packets", p.packets}});
    }
    std::stable_sort(ports.begin(), ports.end(),
                     [](const json& a, const json& b) { return a["packets"].get<uint64_t>() > b["packets"].get<uint64_t>(); });
    const auto number = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
    json j = {
        {"victim", ev.victim},
        {"start", utc_time(ev.start_ns)},
        {"end", utc_time(ev.end_ns)},
        {"duration_seconds", static_cast<double>(ev.end_ns - ev.start_ns) / kNsPerSecond},
        {"packets", ev.packets},
        {"bytes", ev.bytes},
        {"ports", ports},
        {"other_port_packets", ev.other_port_packets},
        {"kinds", kinds},
        {"peak_window_packets", ev.peak_window_packets},
        {"observed_pps", number(ev.observed_pps)},
        {"estimated_pps", number(ev.estimated_pps)},
        {"country", ev.country},
    };
    j["ended"] = ev.ended.empty() ? json(nullptr) : json(ev.ended);
    return j;
}

}  // namespace darkscope
