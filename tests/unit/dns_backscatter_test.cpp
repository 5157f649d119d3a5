// The DNS backscatter tracker on messages built here (no kernel): zones by the real
// Public Suffix List, exact counts, the random-subdomain flag and its thresholds,
// malformed messages by reason, day boundaries, and the bounds on memory.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "dns/backscatter_tracker.h"
#include "hashing/distinct_counter.h"
#include "dns/registered_domain.h"
#include "exposition/backscatter_collector.h"
#include "support/dns_message.h"

using namespace darkscope::dns;
using darkscope::DistinctCounter;
using darkscope::test::DnsMessage;

namespace {

// A deterministic random label of 12 letters and digits.
std::string random_label(uint64_t& state) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string s;
    for (int i = 0; i < 12; ++i) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        s += alphabet[(state >> 33) % 36];
    }
    return s;
}

struct Resolver {
    uint8_t addr[4];
    explicit Resolver(const char* text) { inet_pton(AF_INET, text, addr); }
};

void add_response(BackscatterTracker& t, const std::string& name, const Resolver& r, Via via = Via::Response) {
    const std::vector<uint8_t> m = DnsMessage().response().question(name).build();
    t.add(via, 4, r.addr, m.data(), m.size());
}

const ZoneRow* find(const BackscatterSnapshot& s, const std::string& zone) {
    for (const ZoneRow& z : s.zones)
        if (z.zone == zone) return &z;
    return nullptr;
}

}  // namespace

TEST(RegisteredDomains, PublicSuffixListFromDebian) {
    RegisteredDomains d;
    EXPECT_EQ(d.zone_of("x7.victim.example.com"), "example.com");
    EXPECT_EQ(d.zone_of("a.b.example.co.uk"), "example.co.uk");
    EXPECT_EQ(d.zone_of("70.2.6.216.in-addr.arpa"), "216.in-addr.arpa");
    EXPECT_EQ(d.zone_of("foo.victim.test"), "victim.test");  // no rule: the default "*"
    EXPECT_EQ(d.zone_of("user.github.io"), "user.github.io");  // a private-section rule
    EXPECT_EQ(d.zone_of("com"), "com");      // a public suffix is its own zone
    EXPECT_EQ(d.zone_of("ac.in"), "ac.in");
    EXPECT_EQ(d.zone_of("."), ".");
    EXPECT_THROW(RegisteredDomains("/nonexistent/list.dat"), std::runtime_error);
}

TEST(DistinctCounter, ExactThenBoundedEstimate) {
    DistinctCounter c;
    for (int round = 0; round < 2; ++round)  // every value twice: duplicates do not count
        for (size_t i = 0; i < DistinctCounter::kExactLimit; ++i) c.add("name" + std::to_string(i));
    EXPECT_TRUE(c.exact());
    EXPECT_EQ(c.count(), DistinctCounter::kExactLimit);
    const size_t exact_bytes = c.memory_bytes();

    for (size_t i = DistinctCounter::kExactLimit; i < 100000; ++i) c.add("name" + std::to_string(i));
    EXPECT_FALSE(c.exact());
    EXPECT_LE(c.memory_bytes(), exact_bytes);  // switching never grows memory
    EXPECT_EQ(c.memory_bytes(), DistinctCounter::kRegisters);
    // 1.6 % standard error: 5 % is over three standard errors.
    EXPECT_NEAR(static_cast<double>(c.count()), 100000.0, 5000.0);

    c.clear();
    EXPECT_TRUE(c.exact());
    EXPECT_EQ(c.count(), 0u);
}

TEST(BackscatterTracker, FlagsARandomSubdomainAttackWithExactCounts) {
    BackscatterTracker t({});
    t.advance_to("2024-10-04");
    uint64_t seed = 1;
    std::vector<Resolver> resolvers;
    for (int i = 1; i <= 7; ++i) resolvers.emplace_back(("192.0.2." + std::to_string(i)).c_str());
    // 300 random names under victim.example.com from 7 resolvers, 30 of them seen as
    // DNS packets quoted in ICMP errors.
    for (int i = 0; i < 300; ++i)
        add_response(t, random_label(seed) + ".victim.example.com", resolvers[i % 7],
                     i % 10 == 0 ? Via::IcmpError : Via::Response);
    // Reflection backscatter: one name, many times, from two resolvers.
    for (int i = 0; i < 250; ++i) add_response(t, "amp.example.net", resolvers[i % 2]);
    // A few names of a quiet zone.
    for (int i = 0; i < 5; ++i) add_response(t, "www" + std::to_string(i) + ".example.org", resolvers[0]);

    const BackscatterSnapshot s = t.snapshot();
    EXPECT_EQ(s.messages, 555u);
    EXPECT_EQ(s.received[static_cast<size_t>(Via::Response)], 525u);
    EXPECT_EQ(s.received[static_cast<size_t>(Via::IcmpError)], 30u);
    ASSERT_EQ(s.zones.size(), 3u);
    EXPECT_EQ(s.zones[0].zone, "example.com");  // most messages today first
    const ZoneRow* victim = find(s, "example.com");
    ASSERT_NE(victim, nullptr);
    EXPECT_EQ(victim->messages, 300u);
    EXPECT_EQ(victim->messages_today, 300u);
    EXPECT_EQ(victim->names_today, 300u);
    EXPECT_EQ(victim->resolvers_today, 7u);
    EXPECT_TRUE(victim->counts_exact);
    EXPECT_TRUE(victim->random_subdomain);
    EXPECT_TRUE(victim->exported);

    const ZoneRow* amp = find(s, "example.net");
    ASSERT_NE(amp, nullptr);
    EXPECT_EQ(amp->messages, 250u);
    EXPECT_EQ(amp->names_today, 1u);
    EXPECT_EQ(amp->resolvers_today, 2u);
    EXPECT_FALSE(amp->random_subdomain);
    EXPECT_TRUE(amp->exported);  // 100 messages today: busy

    const ZoneRow* quiet = find(s, "example.org");
    ASSERT_NE(quiet, nullptr);
    EXPECT_EQ(quiet->names_today, 5u);
    EXPECT_FALSE(quiet->random_subdomain);  // 5 names: under the 100-name threshold
    EXPECT_FALSE(quiet->exported);

    // The exported series carry every message from the zone's first: example.com was
    // flagged on its 100th distinct name, example.net admitted at its 100th message;
    // "other" keeps those 100 + 100 messages from before admission (it never shrinks)
    // and every message of the zones without a series.
    EXPECT_EQ(s.exported_messages.at("example.com"), 300u);
    EXPECT_EQ(s.exported_messages.at("example.net"), 250u);
    EXPECT_EQ(s.exported_messages.at(kOtherZone), 555u - 200u - 150u);
    EXPECT_EQ(s.exported_zones.at("example.com").names_today, 300u);
}

TEST(BackscatterTracker, ThresholdsAreConfigurable) {
    // Ten names suffice, but they must be all distinct (share 1.0).
    BackscatterTracker t({.random_min_names = 10, .random_min_name_share = 1.0});
    Resolver r("198.51.100.53");
    for (int i = 0; i < 10; ++i) add_response(t, "n" + std::to_string(i) + ".a.example", r);
    for (int i = 0; i < 10; ++i) add_response(t, "n" + std::to_string(i % 9) + ".b.example", r);
    const BackscatterSnapshot s = t.snapshot();
    EXPECT_TRUE(find(s, "a.example")->random_subdomain);
    EXPECT_FALSE(find(s, "b.example")->random_subdomain);  // 9 names in 10 messages
}

TEST(BackscatterTracker, MalformedMessagesAreCountedByReason) {
    BackscatterTracker t({});
    Resolver r("203.0.113.9");
    const std::vector<std::vector<uint8_t>> bad = {
        {0x12, 0x34, 0x81},                                          // header cut
        DnsMessage().response().qdcount(0).build(),                  // no question
        DnsMessage().response().raw({0xc0, 12, 0, 1, 0, 1}).build(),  // pointer to itself
        DnsMessage().response().raw({0xc0, 14, 0xc0, 12}).build(),     // two-pointer loop
        DnsMessage().response().raw({63, 'a'}).build(),              // label past the end
        DnsMessage().response().raw({1, 'a'}).build(),               // no root label
        DnsMessage().response().raw({0xc0, 99}).build(),             // pointer out of range
        DnsMessage().response().raw({1, 'a', 0, 0}).build(),         // QCLASS cut
    };
    for (const auto& m : bad) t.add(Via::Response, 4, r.addr, m.data(), m.size());
    const BackscatterSnapshot s = t.snapshot();
    EXPECT_EQ(s.messages, 0u);
    EXPECT_EQ(s.received[0], bad.size());
    EXPECT_TRUE(s.zones.empty());
    auto n = [&](ParseError e) { return s.malformed[static_cast<size_t>(e)]; };
    EXPECT_EQ(n(ParseError::HeaderTruncated), 1u);
    EXPECT_EQ(n(ParseError::NoQuestion), 1u);
    EXPECT_EQ(n(ParseError::PointerLoop), 2u);
    EXPECT_EQ(n(ParseError::LabelPastEnd), 1u);
    EXPECT_EQ(n(ParseError::NameTruncated), 1u);
    EXPECT_EQ(n(ParseError::PointerOutOfRange), 1u);
    EXPECT_EQ(n(ParseError::QuestionTruncated), 1u);
    EXPECT_EQ(s.exported_messages.at(kOtherZone), 0u);
}

TEST(BackscatterTracker, ADayStartsFromZero) {
    BackscatterTracker t({});
    Resolver r("192.0.2.1");
    t.advance_to("2024-10-04");
    uint64_t seed = 7;
    for (int i = 0; i < 120; ++i) add_response(t, random_label(seed) + ".example.com", r);
    t.advance_to("2024-10-03");  // never backwards
    EXPECT_TRUE(t.snapshot().zones[0].random_subdomain);
    t.advance_to("2024-10-05");
    add_response(t, "again.example.com", r);
    const BackscatterSnapshot s = t.snapshot();
    ASSERT_EQ(s.zones.size(), 1u);
    EXPECT_EQ(s.today, "2024-10-05");
    EXPECT_EQ(s.zones[0].messages, 121u);  // cumulative
    EXPECT_EQ(s.zones[0].messages_today, 1u);
    EXPECT_EQ(s.zones[0].names_today, 1u);
    EXPECT_FALSE(s.zones[0].random_subdomain);
    EXPECT_TRUE(s.zones[0].exported);  // admitted for good
}

TEST(BackscatterTracker, ZonesAndExportedSeriesAreBounded) {
    BackscatterTracker t({.max_zones = 8, .max_exported_zones = 4, .export_min_messages = 3,
                          .random_min_names = 3, .random_min_name_share = 1.0});
    Resolver r("192.0.2.1");
    // Six busy zones (one name, 3 messages each): only half the exported slots.
    for (int z = 0; z < 6; ++z)
        for (int i = 0; i < 3; ++i) add_response(t, "www.busy" + std::to_string(z) + ".example", r);
    // Two random-subdomain zones take the remaining slots; a third finds none.
    for (int z = 0; z < 3; ++z)
        for (int i = 0; i < 3; ++i) add_response(t, "r" + std::to_string(i) + ".rand" + std::to_string(z) + ".example", r);
    // 1,000 zones of one message each pass through the table.
    for (int z = 0; z < 1000; ++z) add_response(t, "x.once" + std::to_string(z) + ".example", r);

    const BackscatterSnapshot s = t.snapshot();
    EXPECT_EQ(s.zones.size(), 8u);
    EXPECT_EQ(s.exported_zones.size(), 4u);
    EXPECT_TRUE(s.exported_zones.count("busy0.example"));
    EXPECT_TRUE(s.exported_zones.count("busy1.example"));
    EXPECT_TRUE(s.exported_zones.count("rand0.example"));
    EXPECT_TRUE(s.exported_zones.count("rand1.example"));
    // Exported zones are never evicted; the others compete by messages today.
    EXPECT_EQ(s.zones_evicted, 6u + 3u + 1000u - 8u);
    EXPECT_EQ(s.messages, 18u + 9u + 1000u);
    // Each was admitted at its third and last message: its series has all 3, and
    // "other" keeps them too (what came before admission).
    EXPECT_EQ(s.exported_messages.at("busy0.example"), 3u);
    EXPECT_EQ(s.exported_messages.at("rand1.example"), 3u);
    EXPECT_EQ(s.exported_messages.at(kOtherZone), s.messages);

    EXPECT_THROW(BackscatterTracker({.max_zones = 4, .max_exported_zones = 4}), std::runtime_error);
}

// Response codes (TSUBAME's SERVFAIL figure): each response by its RCODE in one of
// five buckets, whether or not its question reads; queries (QR clear), quoted
// packets and messages cut off before the end of their flags have none to count.
TEST(BackscatterTracker, ResponsesAreCountedByRcode) {
    BackscatterTracker t({});
    const Resolver r("192.0.2.53");
    auto send = [&](const std::vector<uint8_t>& m, Via via = Via::Response) { t.add(via, 4, r.addr, m.data(), m.size()); };
    for (int i = 0; i < 4; ++i) send(DnsMessage().response(0).question("a.example.com").build());
    for (int i = 0; i < 3; ++i) send(DnsMessage().response(2).question("b.example.com").build());
    for (int i = 0; i < 2; ++i) send(DnsMessage().response(3).question("c.example.com").build());
    send(DnsMessage().response(5).question("d.example.com").build());
    send(DnsMessage().response(4).question("e.example.com").build());  // NOTIMP
    send(DnsMessage().response(9).question("f.example.com").build());  // NOTAUTH
    send(DnsMessage().response(2).raw({3, 'a', 'b', 'c', 0xc0, 12}).build());  // SERVFAIL, name loops
    send(DnsMessage().question("g.example.com").build());                        // a query from port 53
    send(DnsMessage().question("h.example.com").build(), Via::IcmpError);        // a quoted query
    const std::vector<uint8_t> cut = DnsMessage().response(2).build();
    t.add(Via::Response, 4, r.addr, cut.data(), 3);  // cut off within the flags
    t.add(Via::Response, 4, r.addr, cut.data(), 4);  // the flags whole, the header not: SERVFAIL
    const BackscatterSnapshot s = t.snapshot();
    EXPECT_EQ(s.rcodes[static_cast<size_t>(RcodeBucket::NoError)], 4u);
    EXPECT_EQ(s.rcodes[static_cast<size_t>(RcodeBucket::ServFail)], 5u);
    EXPECT_EQ(s.rcodes[static_cast<size_t>(RcodeBucket::NxDomain)], 2u);
    EXPECT_EQ(s.rcodes[static_cast<size_t>(RcodeBucket::Refused)], 1u);
    EXPECT_EQ(s.rcodes[static_cast<size_t>(RcodeBucket::Other)], 2u);
    EXPECT_EQ(s.received[static_cast<size_t>(Via::Response)], 16u);
    EXPECT_EQ(s.malformed[static_cast<size_t>(ParseError::PointerLoop)], 1u);
    EXPECT_EQ(s.malformed[static_cast<size_t>(ParseError::HeaderTruncated)], 2u);
    EXPECT_STREQ(rcode_bucket_name(RcodeBucket::ServFail), "SERVFAIL");
    EXPECT_STREQ(rcode_bucket_name(rcode_bucket(15)), "other");
}

// Sample names (TSUBAME's tables of names per zone): the first samples_per_zone
// distinct names of each zone's day, in order; repeats are not samples; a new day
// starts them again.
TEST(BackscatterTracker, KeepsTheFirstDistinctNamesOfEachZonePerDay) {
    BackscatterConfig c;
    c.samples_per_zone = 3;
    BackscatterTracker t(c);
    const Resolver r("192.0.2.53");
    t.advance_to("2026-01-01");
    for (const char* n : {"a.example.com", "a.example.com", "b.example.com", "c.example.com", "d.example.com",
                          "x.example.org"})
        add_response(t, n, r);
    BackscatterSnapshot s = t.snapshot();
    EXPECT_EQ(find(s, "example.com")->samples, (std::vector<std::string>{"a.example.com", "b.example.com", "c.example.com"}));
    EXPECT_EQ(find(s, "example.org")->samples, std::vector<std::string>{"x.example.org"});
    t.advance_to("2026-01-02");
    EXPECT_TRUE(find(t.snapshot(), "example.com")->samples.empty());
    add_response(t, "e.example.com", r);
    EXPECT_EQ(find(t.snapshot(), "example.com")->samples, std::vector<std::string>{"e.example.com"});
}

// Cardinality under a flood: 5,000 zones, each asked through its own resolver with
// every one of the 16 response codes and 20 names. The rcode family stays at its 5
// series, each tracked zone keeps at most samples_per_zone names, and the zone table
// and exported zones stay within their bounds (docs/metrics.md, configuration.md).
TEST(BackscatterTracker, NewFamiliesStayBoundedUnderAFloodOfZonesAndResolvers) {
    BackscatterTracker t({.max_zones = 64, .max_exported_zones = 8, .samples_per_zone = 5});
    for (int z = 0; z < 5000; ++z) {
        const std::string ip = "198.18." + std::to_string(z / 250) + "." + std::to_string(z % 250);
        const Resolver r(ip.c_str());
        for (int n = 0; n < 20; ++n) {
            const std::vector<uint8_t> m =
                DnsMessage().response(static_cast<uint8_t>(n % 16)).question("n" + std::to_string(n) + ".z" + std::to_string(z) + ".example").build();
            t.add(Via::Response, 4, r.addr, m.data(), m.size());
        }
    }
    darkscope::BackscatterView view;
    view.dns = t.snapshot();
    size_t rcode_series = 0;
    for (const prometheus::MetricFamily& f : darkscope::BackscatterCollector::families(view))
        if (f.name == "darkscope_dns_backscatter_rcode_total") rcode_series = f.metric.size();
    EXPECT_EQ(rcode_series, kRcodeBuckets);
    uint64_t responses = 0;
    for (uint64_t n : view.dns.rcodes) responses += n;
    EXPECT_EQ(responses, 100000u);  // every response in one of the 5
    // Per zone, codes 0-15 then 0-3: 2 NOERROR, 2 SERVFAIL, 2 NXDOMAIN, 1 REFUSED, 13 other.
    EXPECT_EQ(view.dns.rcodes[static_cast<size_t>(RcodeBucket::Other)], 5000u * 13);
    EXPECT_LE(view.dns.zones.size(), 64u);
    EXPECT_LE(view.dns.exported_zones.size(), 8u);
    for (const ZoneRow& z : view.dns.zones) EXPECT_EQ(z.samples.size(), 5u) << z.zone;
}

// Resolver countries (TSUBAME's domestic open resolvers): every response by the
// country the lookup gives its resolver, readable or not; quoted packets are not
// responses. The lookup sees the 16-byte form (IPv4 in the first 4 bytes, the rest
// zero) whatever the event's length; no lookup: every resolver is "ZZ".
TEST(BackscatterTracker, ResponsesAreCountedByResolverCountry) {
    BackscatterConfig c;
    uint64_t lookups = 0;
    c.resolver_country = [&lookups](uint8_t family, const uint8_t* addr) -> std::string {
        lookups++;
        for (int i = family == 4 ? 4 : 16; i < 16; ++i)
            if (addr[i]) return "bad";  // bytes past an IPv4 address must be zero
        if (family == 6) return "XE";
        return addr[0] == 192 ? "XA" : addr[0] == 198 ? "XC" : "ZZ";
    };
    BackscatterTracker t(c);
    for (int i = 0; i < 3; ++i) add_response(t, "a.example.com", Resolver("192.0.2.53"));
    for (int i = 0; i < 2; ++i) add_response(t, "b.example.com", Resolver("198.51.100.53"));
    add_response(t, "c.example.com", Resolver("203.0.113.53"));
    add_response(t, "d.example.com", Resolver("192.0.2.54"), Via::IcmpError);  // not a response
    const std::vector<uint8_t> loop = DnsMessage().response(2).raw({3, 'a', 'b', 'c', 0xc0, 12}).build();
    const Resolver r("198.51.100.54");
    t.add(Via::Response, 4, r.addr, loop.data(), loop.size());  // unreadable, still a response
    uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
    const std::vector<uint8_t> m = DnsMessage().response().question("e.example.org").build();
    t.add(Via::Response, 6, v6, m.data(), m.size());
    const BackscatterSnapshot s = t.snapshot();
    EXPECT_EQ(s.resolver_countries, (std::map<std::string, uint64_t>{{"XA", 3}, {"XC", 3}, {"XE", 1}, {"ZZ", 1}}));
    EXPECT_EQ(s.received[static_cast<size_t>(Via::Response)], 8u);
    EXPECT_EQ(lookups, 8u);

    BackscatterTracker unlooked({});
    add_response(unlooked, "a.example.com", Resolver("192.0.2.53"));
    EXPECT_EQ(unlooked.snapshot().resolver_countries, (std::map<std::string, uint64_t>{{"ZZ", 1}}));
}

// The bound: 1,000 distinct countries, three responses each; the first 256 keep
// their own series and the 744 after them (2,232 responses) are summed in "other",
// which the exported family carries as its 257th series.
TEST(BackscatterTracker, ResolverCountriesAreBounded) {
    BackscatterConfig c;
    c.resolver_country = [](uint8_t, const uint8_t* addr) {
        char code[8];
        std::snprintf(code, sizeof code, "C%03d", addr[2] * 250 + addr[3]);  // 198.18.x.y: x*250+y
        return std::string(code);
    };
    BackscatterTracker t(c);
    for (int n = 0; n < 1000; ++n) {
        const std::string ip = "198.18." + std::to_string(n / 250) + "." + std::to_string(n % 250);
        for (int i = 0; i < 3; ++i) add_response(t, "a.example.com", Resolver(ip.c_str()));
    }
    darkscope::BackscatterView view;
    view.dns = t.snapshot();
    const auto& countries = view.dns.resolver_countries;
    EXPECT_EQ(countries.size(), 257u);
    EXPECT_EQ(countries.at("C000"), 3u);
    EXPECT_EQ(countries.at("C255"), 3u);
    EXPECT_EQ(countries.count("C256"), 0u);
    EXPECT_EQ(countries.at(kOtherCountry), 744u * 3);
    size_t series = 0;
    for (const prometheus::MetricFamily& f : darkscope::BackscatterCollector::families(view))
        if (f.name == "darkscope_dns_backscatter_resolver_country_responses_total") series = f.metric.size();
    EXPECT_EQ(series, 257u);
}
