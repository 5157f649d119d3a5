#include "exposition/backscatter_collector.h"

#include "exposition/metric_families.h"

#include <utility>

namespace darkscope {
namespace {

using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = MetricLabels;

double num(uint64_t v) { return static_cast<double>(v); }

}  // namespace

void set_dns_event_counters(BackscatterView& view, const std::vector<ds_counter>& stats) {
    auto at = [&](uint32_t misc) {
        const uint32_t k = DS_STATS_MISC(misc);
        return stats.size() > k ? stats[k].packets : 0;
    };
    view.dns_sent = at(DS_MISC_DNS_SENT);
    view.dns_rate_limited = at(DS_MISC_DNS_RATE_LIMITED);
    view.dns_ringbuf_full = at(DS_MISC_DNS_RINGBUF_FULL);
}

std::vector<MetricFamily> BackscatterCollector::families(const BackscatterView& v) {
    std::vector<MetricFamily> out;
    const BackscatterSnapshot& b = v.victims;

    auto packets = family("darkscope_backscatter_packets_total",
                          "Backscatter packets by kind and victim port (TCP: source port, tracked or busy ports, "
                          "else \"other\"; ICMP kinds: the ICMP code; dns_response: 53; udp_reflection: the reflector's port).",
                          MetricType::Counter);
    for (const auto& [label, n] : b.packets) add(packets, {{"kind", label.kind}, {"port", label.port}}, num(n));
    out.push_back(std::move(packets));
    // Victims by country (issue #16): every victim counts, attack or not; the labels are
    // the 7 kinds and ISO codes, a bounded set.
    auto countries = family("darkscope_backscatter_country_packets_total",
                            "Backscatter packets by kind and victim country (ISO 3166 code, ZZ: unknown).",
                            MetricType::Counter);
    for (const auto& [key, n] : b.country_packets) add(countries, {{"country", key.second}, {"kind", key.first}}, num(n));
    out.push_back(std::move(countries));
    auto active = family("darkscope_backscatter_attacks_active",
                         "DoS attacks going on now, inferred from backscatter (thresholds: docs/configuration.md).",
                         MetricType::Gauge);
    add(active, {}, num(b.attacks_active));
    out.push_back(std::move(active));
    auto started = family("darkscope_backscatter_attacks_started_total",
                          "DoS attacks that met the thresholds since the agent started.", MetricType::Counter);
    add(started, {}, num(b.attacks_started));
    out.push_back(std::move(started));
    auto tracked = family("darkscope_backscatter_victims_tracked",
                          "Backscatter sources (victims) followed now, attacks or not.", MetricType::Gauge);
    add(tracked, {}, num(b.victims_tracked));
    out.push_back(std::move(tracked));
    auto untracked = family("darkscope_backscatter_untracked_packets_total",
                            "Backscatter packets from new victims while --max-victims were followed.",
                            MetricType::Counter);
    add(untracked, {}, num(b.untracked_packets));
    out.push_back(std::move(untracked));
    if (v.attack_log_write_errors) {
        auto errors = family("darkscope_backscatter_attack_log_write_errors_total",
                             "Attack events that could not be written to the attack log.", MetricType::Counter);
        add(errors, {}, num(*v.attack_log_write_errors));
        out.push_back(std::move(errors));
    }

    const dns::BackscatterSnapshot& d = v.dns;
    auto zones = family("darkscope_dns_backscatter_responses_total",
                        "DNS backscatter messages whose question was read, by zone (registered domain): "
                        "admitted zones (busy or flagged, --dns-top-zones at most) and \"other\".",
                        MetricType::Counter);
    for (const auto& [zone, n] : d.exported_messages) add(zones, {{"zone", zone}}, num(n));
    out.push_back(std::move(zones));
    auto names = family("darkscope_dns_backscatter_zone_names",
                        "Distinct query names under the zone today (exact to 512, then a HyperLogLog estimate).",
                        MetricType::Gauge);
    auto resolvers = family("darkscope_dns_backscatter_zone_resolvers",
                            "Distinct resolvers (addresses that answered or were asked) for the zone today.",
                            MetricType::Gauge);
    auto random = family("darkscope_dns_backscatter_random_subdomain",
                         "1 when the zone is flagged today as the target of a random-subdomain attack.",
                         MetricType::Gauge);
    for (const auto& [zone, row] : d.exported_zones) {
        add(names, {{"zone", zone}}, num(row.names_today));
        add(resolvers, {{"zone", zone}}, num(row.resolvers_today));
        add(random, {{"zone", zone}}, row.random_subdomain ? 1 : 0);
    }
    out.push_back(std::move(names));
    out.push_back(std::move(resolvers));
    out.push_back(std::move(random));
    auto received = family("darkscope_dns_backscatter_messages_total",
                           "DNS messages received from the data plane, by how they came (response: UDP from port "
                           "53; icmp_error: quoted by an ICMP error), readable or not.",
                           MetricType::Counter);
    for (size_t i = 0; i < static_cast<size_t>(dns::Via::Count); ++i)
        add(received, {{"via", dns::via_name(static_cast<dns::Via>(i))}}, num(d.received[i]));
    out.push_back(std::move(received));
    auto malformed = family("darkscope_dns_backscatter_malformed_total",
                            "DNS messages whose question could not be read, by reason.", MetricType::Counter);
    for (size_t i = 1; i < static_cast<size_t>(dns::ParseError::Count); ++i)
        add(malformed, {{"reason", dns::parse_error_name(static_cast<dns::ParseError>(i))}}, num(d.malformed[i]));
    out.push_back(std::move(malformed));
    // DNS responses by response code (TSUBAME's SERVFAIL figure): five labels, always all.
    auto rcodes = family("darkscope_dns_backscatter_rcode_total",
                         "DNS responses received from the data plane by response code (NOERROR, SERVFAIL, "
                         "NXDOMAIN, REFUSED, other), whether or not their question could be read.",
                         MetricType::Counter);
    for (size_t i = 0; i < dns::kRcodeBuckets; ++i)
        add(rcodes, {{"rcode", dns::rcode_bucket_name(static_cast<dns::RcodeBucket>(i))}}, num(d.rcodes[i]));
    out.push_back(std::move(rcodes));
    // TSUBAME's open resolvers abused in random-subdomain attacks, by country.
    auto resolver_countries = family("darkscope_dns_backscatter_resolver_country_responses_total",
                                     "DNS responses received from the data plane by the resolver's GeoIP country "
                                     "(ZZ: unknown), readable or not: 256 countries at most, then \"other\".",
                                     MetricType::Counter);
    for (const auto& [country, n] : d.resolver_countries) add(resolver_countries, {{"country", country}}, num(n));
    out.push_back(std::move(resolver_countries));
    auto evicted = family("darkscope_dns_backscatter_zones_evicted_total",
                          "Zones dropped from the table (--dns-max-zones full) for a new one.", MetricType::Counter);
    add(evicted, {}, num(d.zones_evicted));
    out.push_back(std::move(evicted));

    auto events = family("darkscope_dns_events_total",
                         "DNS backscatter seen by the data plane, by what became of it: sent to the agent, "
                         "rate_limited (over --dns-events-per-second), ringbuf_full (the agent was behind).",
                         MetricType::Counter);
    add(events, {{"result", "sent"}}, num(v.dns_sent));
    add(events, {{"result", "rate_limited"}}, num(v.dns_rate_limited));
    add(events, {{"result", "ringbuf_full"}}, num(v.dns_ringbuf_full));
    out.push_back(std::move(events));
    return out;
}

}  // namespace darkscope
