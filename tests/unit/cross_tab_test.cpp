// The seed reports' cross-tabs (issue #16): the bounded two-way table and the
// accumulator's port x country figures, on hand-made entries (no kernel needed).
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <cstring>
#include <random>

#include "accumulator/accumulator.h"
#include "accumulator/cross_tab.h"

using namespace darkscope;

namespace {

SourceEntry probe(uint32_t v4, uint8_t proto, uint16_t port, uint64_t packets, uint64_t ts_ns) {
    SourceEntry e{};
    const uint32_t be = htonl(v4);
    std::memcpy(e.key.addr, &be, 4);
    e.key.proto = proto;
    e.key.port = port;
    e.key.info = DS_FAMILY_IPV4;
    e.value = {packets, packets * 60, ts_ns, ts_ns};
    return e;
}

uint32_t addr(const char* v4) {
    in_addr a{};
    inet_pton(AF_INET, v4, &a);
    return ntohl(a.s_addr);
}

const auto identity = [](uint64_t ns) { return static_cast<int64_t>(ns); };
// 203.0.113.0/26 JP, .64/26 US, .128/26 DE, the rest BR.
const auto four_countries = [](uint8_t, const uint8_t* a) {
    static const char* cc[] = {"JP", "US", "DE", "BR"};
    return std::string(cc[a[3] / 64]);
};
constexpr uint64_t kNoon = 20000ull * 86400 * 1000000000 + 43200ull * 1000000000;

}  // namespace

// A column is admitted once busy, at most max_columns per row, busiest first; it
// carries every packet it had in the row, and "other" keeps what it had before.
TEST(CrossTab, AdmitsTheBusiestColumnsAndNoCountGoesBack) {
    CrossTab t({.max_columns = 2, .min_packets = 5});
    t.add(1, 10, 3);
    t.add(1, 11, 2);
    t.admit();
    auto x = t.exported();
    EXPECT_TRUE(x[1].columns.empty());
    EXPECT_EQ(x[1].other, 5u);

    t.add(1, 10, 4);  // 7: admitted, with its 3 from before also left in "other"
    t.add(1, 11, 4);  // 6: admitted
    t.add(1, 12, 9);  // 9: the busiest, admitted first
    t.admit();
    x = t.exported();
    ASSERT_EQ(x[1].columns.size(), 2u);
    EXPECT_EQ(x[1].columns[12], 9u);
    EXPECT_EQ(x[1].columns[10], 7u);
    EXPECT_EQ(x[1].other, 3u + 6u);  // 10's 3 before admission, and 11 (no room) whole

    t.add(1, 11, 1);
    t.add(2, 11, 1);
    t.admit();
    x = t.exported();
    EXPECT_EQ(x[1].other, 10u);
    EXPECT_EQ(x[2].other, 1u);
    EXPECT_TRUE(x[2].columns.empty());
}

TEST(CrossTab, PortCountryPacketsAreExact) {
    Accumulator acc({.tracked_ports = {445, 23}, .port_countries = {.max_columns = 2, .min_packets = 3}});
    acc.add_sources({probe(addr("203.0.113.1"), 6, 445, 3, kNoon),    // JP
                     probe(addr("203.0.113.70"), 6, 445, 5, kNoon),   // US
                     probe(addr("203.0.113.130"), 6, 445, 1, kNoon),  // DE: under 3
                     probe(addr("203.0.113.200"), 6, 445, 4, kNoon),  // BR: no room left
                     probe(addr("203.0.113.2"), 6, 23, 2, kNoon),     // JP: under 3
                     probe(addr("203.0.113.3"), 6, 8080, 7, kNoon),   // port "other"
                     probe(addr("203.0.113.4"), 1, 8 << 8, 3, kNoon)},  // ICMP echo request
                    identity, four_countries);
    Snapshot s = acc.snapshot();
    using Row = std::map<std::string, uint64_t>;
    EXPECT_EQ((s.port_country_packets[{"tcp", "445"}]), (Row{{"US", 5}, {"BR", 4}, {"other", 4}}));
    EXPECT_EQ((s.port_country_packets[{"tcp", "23"}]), (Row{{"other", 2}}));
    EXPECT_EQ((s.port_country_packets[{"tcp", "other"}]), (Row{{"JP", 7}, {"other", 0}}));
    EXPECT_EQ((s.port_country_packets[{"icmp", "8"}]), (Row{{"JP", 3}, {"other", 0}}));
    EXPECT_EQ(s.port_country_packets.size(), 4u);

    // JP reaches 3 on port 23 in a later batch: its series has all 3, "other" keeps 2.
    acc.add_sources({probe(addr("203.0.113.2"), 6, 23, 1, kNoon)}, identity, four_countries);
    s = acc.snapshot();
    EXPECT_EQ((s.port_country_packets[{"tcp", "23"}]), (Row{{"JP", 3}, {"other", 2}}));
}

// A flood of spoofed sources in 676 countries on random ports: every port label keeps
// at most --port-country-top countries plus "other", and the labels stay the bounded
// port labels (here the 2 tracked ports and "other" per protocol).
TEST(CrossTab, AFloodStaysWithinTheBound) {
    constexpr size_t kTop = 10;
    Accumulator acc({.tracked_ports = {445, 23}, .port_countries = {.max_columns = kTop, .min_packets = 1}});
    const auto many_countries = [](uint8_t, const uint8_t* a) {
        return std::string{static_cast<char>('A' + a[2] % 26), static_cast<char>('A' + a[3] % 26)};
    };
    std::mt19937 rng(16);
    std::vector<SourceEntry> batch;
    for (int poll = 0; poll < 20; ++poll) {
        batch.clear();
        for (int i = 0; i < 5000; ++i)
            batch.push_back(probe(addr("198.18.0.0") + (rng() & 0x1ffff), (rng() & 1) ? 6 : 17,
                                  rng() % 4 ? static_cast<uint16_t>(rng()) : uint16_t{445}, 1 + rng() % 3, kNoon));
        acc.add_sources(batch, identity, many_countries);
    }
    const Snapshot s = acc.snapshot();
    EXPECT_LE(s.port_country_packets.size(), 6u);  // tcp and udp: 445, 23, other
    for (const auto& [label, countries] : s.port_country_packets) {
        EXPECT_LE(countries.size(), kTop + 1) << label.protocol << "/" << label.port;
        EXPECT_TRUE(countries.count("other"));
    }
    // The busy rows are full: the bound is reached, not merely respected.
    for (const char* proto : {"tcp", "udp"})
        for (const char* port : {"445", "other"})
            EXPECT_EQ((s.port_country_packets.at({proto, port}).size()), kTop + 1) << proto << "/" << port;
}

// Daily figures of the sensor's own day (issue #16, TALOT2 "about 4 accesses per
// source"): at the boundary in --day-boundary-timezone the day just closed is kept
// whole (packets, sources, sources per country) through the next day.
TEST(ClosedDay, FollowsTheSensorsTimeZone) {
    constexpr uint64_t kHour = 3600ull * 1000000000;
    Accumulator acc({.day_timezone = "Asia/Tokyo"});
    // 14:00 UTC = 23:00 JST, 2024-10-04: JP 2 + 1 packets, US 3.
    acc.add_sources({probe(addr("203.0.113.1"), 6, 445, 2, kNoon + 2 * kHour),
                     probe(addr("203.0.113.1"), 6, 23, 1, kNoon + 2 * kHour),
                     probe(addr("203.0.113.70"), 6, 445, 3, kNoon + 2 * kHour)},
                    identity, four_countries);
    Snapshot s = acc.snapshot();
    EXPECT_EQ(s.previous_day, "");  // no day closed yet
    EXPECT_EQ(s.previous_day_totals.packets, 0u);

    // 15:30 UTC = 00:30 JST, 2024-10-05 (still the 4th in UTC): the JST day closed.
    acc.add_sources({probe(addr("203.0.113.130"), 6, 445, 7, kNoon + 3 * kHour + kHour / 2)}, identity, four_countries);
    s = acc.snapshot();
    EXPECT_EQ(s.today, "2024-10-05");
    EXPECT_EQ(s.previous_day, "2024-10-04");
    EXPECT_EQ(s.previous_day_totals.packets, 6u);
    EXPECT_EQ(s.previous_day_totals.sources, 2u);
    EXPECT_EQ(s.previous_day_country_sources, (std::map<std::string, uint64_t>{{"JP", 1}, {"US", 1}}));
    EXPECT_EQ(s.sources_today, 1u);
}
