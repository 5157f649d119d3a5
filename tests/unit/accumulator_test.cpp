// The accumulator's arithmetic, on hand-made drained entries (no kernel needed).
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include <array>
#include <sstream>

#include "accumulator/accumulator.h"

using namespace darkscope;

namespace {

SourceEntry entry(const char* v4, uint8_t proto, uint16_t port, uint64_t packets, uint64_t ts_ns,
                  bool backscatter = false) {
    SourceEntry e{};
    inet_pton(AF_INET, v4, e.key.addr);
    e.key.proto = proto;
    e.key.port = port;
    e.key.info = DS_FAMILY_IPV4 | (backscatter ? DS_KEY_BACKSCATTER : 0);
    e.value = {packets, packets * 60, ts_ns, ts_ns};
    return e;
}

const auto identity = [](uint64_t ns) { return static_cast<int64_t>(ns); };
const auto country = [](uint8_t, const uint8_t* a) { return a[3] < 128 ? std::string("JP") : std::string("US"); };
constexpr uint64_t kDay = 86400ull * 1000000000ull;
constexpr uint64_t kNoon = 20000 * kDay + kDay / 2;  // 2024-10-04 12:00 UTC

}  // namespace

TEST(Accumulator, UniqueSourcesPerDayPortAndCountry) {
    Accumulator acc({.tracked_ports = {445, 23}});
    acc.add_sources({entry("203.0.113.1", 6, 445, 3, kNoon), entry("203.0.113.1", 6, 23, 1, kNoon),
                     entry("203.0.113.200", 6, 445, 2, kNoon), entry("203.0.113.200", 6, 8081, 5, kNoon),
                     entry("198.51.100.9", 6, 80, 4, kNoon, /*backscatter=*/true)},
                    identity, country);
    Snapshot s = acc.snapshot();
    EXPECT_EQ(s.today, "2024-10-04");
    EXPECT_EQ(s.sources_today, 2u);  // backscatter sources are not accesses
    EXPECT_EQ((s.port_sources[{"tcp", "445"}]), 2u);
    EXPECT_EQ((s.port_sources[{"tcp", "23"}]), 1u);
    EXPECT_EQ((s.port_sources[{"tcp", "other"}]), 1u);
    EXPECT_EQ(s.country_sources["JP"], 1u);
    EXPECT_EQ(s.country_sources["US"], 1u);
    EXPECT_EQ(s.country_packets["JP"].packets, 4u);
    EXPECT_EQ(s.country_packets["US"].packets, 7u);
    EXPECT_EQ(s.days["2024-10-04"].packets, 11u);
    EXPECT_EQ(s.days["2024-10-04"].sources, 2u);

    // The next day starts from zero sources; the counters keep growing.
    acc.add_sources({entry("203.0.113.1", 6, 445, 1, kNoon + kDay)}, identity, country);
    s = acc.snapshot();
    EXPECT_EQ(s.today, "2024-10-05");
    EXPECT_EQ(s.sources_today, 1u);
    EXPECT_EQ((s.port_sources[{"tcp", "23"}]), 0u);  // still exported, now zero
    EXPECT_EQ(s.country_packets["JP"].packets, 5u);
    EXPECT_EQ(s.days.size(), 2u);
}

TEST(Accumulator, DayBoundaryFollowsTheConfiguredZone) {
    Accumulator acc({.day_timezone = "Asia/Tokyo"});
    // 15:30 UTC is 00:30 the next day in JST.
    EXPECT_EQ(acc.day_of(static_cast<int64_t>(20000 * kDay + 15 * 3600ull * 1000000000ull + 1800ull * 1000000000ull)),
              "2024-10-05");
    Accumulator utc({.day_timezone = "UTC"});
    EXPECT_EQ(utc.day_of(static_cast<int64_t>(20000 * kDay + 15 * 3600ull * 1000000000ull)), "2024-10-04");
    EXPECT_THROW(Accumulator({.day_timezone = "Mars/Olympus"}), std::invalid_argument);
}

// An admitted port's series carries every packet from its first; "other" keeps what
// admitted ports had before their admission, so it never shrinks, and the family's
// sum exceeds the total by exactly that (docs/metrics.md, "Admitted labels").
TEST(Accumulator, AdmittedPortsCarryEveryPacketAndNoCounterShrinks) {
    Accumulator acc({.tracked_ports = {445}, .auto_admit_packets = 10, .max_auto_ports = 1});
    std::vector<ds_counter> stats(DS_STATS_ENTRIES), ports(DS_PORT_SLOTS * DS_PORTS_PER_SLOT);
    ports[DS_PORT_INDEX(DS_SLOT_TCP_DST, 445)] = {5, 300};
    ports[DS_PORT_INDEX(DS_SLOT_TCP_DST, 2967)] = {4, 240};
    ports[DS_PORT_INDEX(DS_SLOT_TCP_DST, 1433)] = {3, 180};
    acc.update({.stats = stats, .port_stats = ports});
    Snapshot s = acc.snapshot();
    EXPECT_EQ((s.port_packets[{"tcp", "445"}].packets), 5u);
    EXPECT_EQ((s.port_packets[{"tcp", "other"}].packets), 7u);

    // 1433 and 2967 get busy: the cap is 1, the busiest (1433) is admitted with all it had.
    ports[DS_PORT_INDEX(DS_SLOT_TCP_DST, 2967)] = {20, 1200};
    ports[DS_PORT_INDEX(DS_SLOT_TCP_DST, 1433)] = {30, 1800};  // also busy, but the cap is 1
    acc.update({.stats = stats, .port_stats = ports});
    s = acc.snapshot();
    const uint64_t other_before = 7;
    EXPECT_EQ((s.port_packets[{"tcp", "1433"}].packets), 30u);  // busiest admitted first, from its first packet
    // "other" keeps 1433's 3 it was exported with before, not the 27 of this interval.
    EXPECT_EQ((s.port_packets[{"tcp", "other"}].packets), 20u + 3u);
    EXPECT_GE((s.port_packets[{"tcp", "other"}].packets), other_before);
    ports[DS_PORT_INDEX(DS_SLOT_TCP_DST, 1433)] = {31, 1860};
    acc.update({.stats = stats, .port_stats = ports});
    s = acc.snapshot();
    EXPECT_EQ((s.port_packets[{"tcp", "1433"}].packets), 31u);
    EXPECT_EQ((s.port_packets[{"tcp", "other"}].packets), 20u + 3u);  // 2967, and what 1433 had in it
    uint64_t sum = 0;
    for (auto& [label, c] : s.port_packets)
        if (label.protocol == "tcp") sum += c.packets;
    EXPECT_EQ(sum, 5u + 20u + 31u + 3u);  // the total plus 1433's 3 exported in "other" before admission
}

// save / load: a restarted agent's figures continue exactly; a file that cannot
// be used is refused with a reason and changes nothing.
TEST(AccumulatorState, ARestartContinuesEveryFigure) {
    const AccumulatorConfig config{.tracked_ports = {445}};
    Accumulator before(config);
    before.add_sources({entry("203.0.113.1", 6, 445, 3, kNoon - kDay), entry("203.0.113.1", 6, 445, 3, kNoon),
                        entry("203.0.113.200", 6, 8081, 5, kNoon)},
                       identity, country);
    std::stringstream file;
    before.save(file);

    Accumulator after(config);
    after.load(file);
    // The same source again adds no source; a new one does; packets go on.
    for (Accumulator* acc : {&before, &after})
        acc->add_sources({entry("203.0.113.1", 6, 445, 1, kNoon + 1), entry("203.0.113.7", 6, 445, 2, kNoon + 2)}, identity,
                         country);
    Snapshot a = before.snapshot(), b = after.snapshot();
    EXPECT_EQ(b.today, "2024-10-04");
    EXPECT_EQ(b.sources_today, 3u);
    EXPECT_EQ(b.sources_today, a.sources_today);
    EXPECT_EQ(b.port_sources, a.port_sources);
    EXPECT_EQ(b.country_sources, a.country_sources);
    EXPECT_EQ(b.tool_sources, a.tool_sources);
    EXPECT_EQ(b.country_packets["JP"].packets, 9u);
    EXPECT_EQ(b.country_packets["US"].packets, 5u);
    EXPECT_EQ(b.days.size(), 2u);
    EXPECT_EQ(b.days["2024-10-04"].packets, a.days["2024-10-04"].packets);
    EXPECT_EQ(b.days["2024-10-04"].sources, 3u);
    EXPECT_EQ(b.ports_today.size(), a.ports_today.size());
    EXPECT_EQ(b.country_packets_today, a.country_packets_today);
    EXPECT_EQ(b.country_packets_today["JP"], 6u);  // 3 + 1 + 2 today; yesterday's 3 are not today's
}

// The day's tables: today's busiest ports exact from their first packet (a burst of 200
// to a port no series tracks reads 200), --top-ports-today of them per protocol, every
// ICMP type, countries today; all back to nothing at the day boundary.
TEST(Accumulator, TodaysTablesAreExactAndFollowTheBusiestPorts) {
    Accumulator acc({.tracked_ports = {445}, .top_today = 3});
    std::vector<SourceEntry> e = {entry("203.0.113.1", 17, 40123, 200, kNoon), entry("203.0.113.2", 6, 445, 7, kNoon),
                                  entry("203.0.113.3", 6, 23, 9, kNoon),      entry("203.0.113.4", 6, 81, 1, kNoon),
                                  entry("203.0.113.5", 6, 8080, 4, kNoon),    entry("203.0.113.6", 1, 0x0800, 2, kNoon),
                                  entry("203.0.113.6", 1, 0x0803, 1, kNoon),  entry("203.0.113.7", 6, 23, 1, kNoon - kDay)};
    acc.add_sources(e, identity, country);
    Snapshot s = acc.snapshot();
    std::vector<std::string> rows;
    for (const PortToday& p : s.ports_today) rows.push_back(p.protocol + "/" + std::to_string(p.port) + "=" + std::to_string(p.packets));
    EXPECT_EQ(rows, (std::vector<std::string>{"tcp/23=9", "tcp/445=7", "tcp/8080=4", "udp/40123=200", "icmp/8=3"}));
    EXPECT_EQ(s.country_packets_today["JP"] + s.country_packets_today["US"], 224u);
    acc.add_sources({entry("203.0.113.1", 6, 81, 10, kNoon + 1)}, identity, country);
    s = acc.snapshot();
    EXPECT_EQ(s.ports_today[0].port, 81);  // the new busiest port takes its place at once
    EXPECT_EQ(s.ports_today[0].packets, 11u);
    acc.add_sources({entry("203.0.113.1", 6, 22, 1, kNoon + kDay)}, identity, country);
    s = acc.snapshot();
    ASSERT_EQ(s.ports_today.size(), 1u);
    EXPECT_EQ(s.ports_today[0].port, 22);
    EXPECT_EQ(s.ports_today[0].packets, 1u);
}

namespace {

std::string refusal(const AccumulatorConfig& config, const std::string& bytes) {
    Accumulator acc(config);
    acc.add_sources({entry("203.0.113.1", 6, 445, 1, kNoon)}, identity, country);
    std::istringstream in(bytes);
    try {
        acc.load(in);
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(acc.snapshot().sources_today, 1u) << "a refused file changes nothing";
        return e.what();
    }
    return "";
}

}  // namespace

TEST(AccumulatorState, UnusableFilesAreRefused) {
    Accumulator acc({.tracked_ports = {445}});
    acc.add_sources({entry("203.0.113.1", 6, 445, 1, kNoon)}, identity, country);
    std::stringstream file;
    acc.save(file);
    const std::string good = file.str();
    EXPECT_EQ(refusal({.tracked_ports = {445}}, "junk"), "not a darkscope state file (or another version)");
    EXPECT_EQ(refusal({.tracked_ports = {445}}, good.substr(0, good.size() - 3)), "truncated");
    EXPECT_EQ(refusal({.tracked_ports = {22}}, good),
              "written with other --track-port or --day-boundary-timezone settings");
    EXPECT_EQ(refusal({.tracked_ports = {445}}, good), "");
}

namespace {

// Writes the state file as format version 3 laid it out (before the sketches of
// --day-max-sources), field by field, the way an agent of that version saved it.
class V3File {
public:
    template <typename T>
    V3File& pod(const T& v) {
        out_.write(reinterpret_cast<const char*>(&v), sizeof v);
        return *this;
    }
    V3File& str(const std::string& s) {
        pod<uint64_t>(s.size());
        out_.write(s.data(), static_cast<std::streamsize>(s.size()));
        return *this;
    }
    V3File& source(const char* v4) {
        SourceAddr a;
        a.family = DS_FAMILY_IPV4;
        inet_pton(AF_INET, v4, a.addr);
        return pod(a);
    }
    std::string bytes() const { return out_.str(); }

private:
    std::ostringstream out_;
};

}  // namespace

// An agent upgraded mid-day loads the version 3 file its predecessor wrote: the day's
// sources survive, nothing is estimated, and past the cap the estimates include them.
TEST(AccumulatorState, AVersion3FileLoadsAndItsSourcesStayCounted) {
    const uint32_t tcp445 = (DS_SLOT_TCP_DST << 16) | 445;
    const uint16_t jp = 1, us = 2;  // indexes in the country table, after ZZ
    V3File f;
    f.pod(std::array<char, 8>{'D', 'S', 'A', 'C', 'C', 0, 0, 3});
    f.str("UTC|100|50,445").str("2024-10-04");
    f.pod<uint64_t>(3).str("ZZ").str("JP").str("US");
    f.pod<uint64_t>(2).str("JP").pod(ds_counter{7, 420}).str("US").pod(ds_counter{5, 300});  // per-country packets
    f.pod<uint64_t>(0);                                                                     // no admitted ports
    f.pod<uint64_t>(3);  // today's sources: address, country, tools, labels
    f.source("203.0.113.1").pod(jp).pod<uint8_t>(1).pod<uint64_t>(1).pod(tcp445);
    f.source("203.0.113.2").pod(jp).pod<uint8_t>(0).pod<uint64_t>(1).pod(tcp445);
    f.source("203.0.113.200").pod(us).pod<uint8_t>(0).pod<uint64_t>(0);
    f.pod<uint64_t>(1).pod(tcp445).pod<uint64_t>(2);                     // label sources
    f.pod<uint64_t>(2).pod(jp).pod<uint64_t>(2).pod(us).pod<uint64_t>(1);  // country sources
    std::array<uint64_t, DS_TOOL_COUNT> tools{};
    tools[0] = 1;
    f.pod(tools);
    f.pod<uint64_t>(1).pod(tcp445);             // labels seen
    f.pod<uint64_t>(2).pod(jp).pod(us);         // countries seen
    f.pod<uint64_t>(2).str("2024-10-03").pod(DayTotals{9, 3}).str("2024-10-04").pod(DayTotals{12, 3});
    f.str("2024-10-03").pod<uint64_t>(3).source("198.51.100.1").source("198.51.100.2").source("198.51.100.3");
    f.pod<uint64_t>(1).pod<uint32_t>(DS_PORT_INDEX(DS_SLOT_TCP_DST, 445)).pod<uint64_t>(7);  // ports today
    f.pod<uint64_t>(1).pod(jp).pod<uint64_t>(7);                                             // countries today

    // A cap of 3: the file's sets are full, so every new source below is estimated, and
    // the estimate (exact while a sketch holds under 512 sources) shows whether the
    // loaded sources are in the sketches.
    Accumulator acc({.tracked_ports = {445}, .day_max_sources = 3});
    std::istringstream in(f.bytes());
    ASSERT_NO_THROW(acc.load(in));
    // The figures that must survive, in one line.
    const auto figures = [&acc] {
        Snapshot s = acc.snapshot();
        return s.today + (s.sources_estimated ? " estimated" : " exact") + " sources=" + std::to_string(s.sources_today) +
               " tcp/445=" + std::to_string(s.port_sources[{"tcp", "445"}]) +
               " JP=" + std::to_string(s.country_sources["JP"]) + " US=" + std::to_string(s.country_sources["US"]) +
               " tool0=" + std::to_string(s.tool_sources[0]) +
               " yesterday=" + std::to_string(s.days["2024-10-03"].sources) +
               " JP packets=" + std::to_string(s.country_packets["JP"].packets);
    };
    EXPECT_EQ(figures(), "2024-10-04 exact sources=3 tcp/445=2 JP=2 US=1 tool0=1 yesterday=3 JP packets=7");

    // Two new sources today (one on 445 from JP), one late source of yesterday's.
    acc.add_sources({entry("203.0.113.3", 6, 445, 1, kNoon), entry("203.0.113.201", 6, 8081, 1, kNoon),
                     entry("198.51.100.4", 6, 445, 1, kNoon - kDay)},
                    identity, country);
    EXPECT_EQ(figures(), "2024-10-04 estimated sources=5 tcp/445=3 JP=3 US=2 tool0=1 yesterday=4 JP packets=8");
}

// Past the cap a source is only in the sketches; after a restart (here: a new
// Accumulator, with a key of its own) it must hash as before, or it counts twice.
TEST(AccumulatorState, SourcesPastTheCapCountOnceAcrossARestart) {
    const auto past_cap = [] {
        return std::vector<SourceEntry>{entry("203.0.113.1", 6, 445, 1, kNoon), entry("203.0.113.2", 6, 445, 1, kNoon),
                                        entry("203.0.113.3", 6, 445, 1, kNoon), entry("203.0.113.4", 6, 23, 1, kNoon),
                                        entry("203.0.113.5", 6, 23, 1, kNoon)};
    };
    const AccumulatorConfig cfg{.tracked_ports = {445, 23}, .day_max_sources = 2};
    Accumulator before(cfg);
    before.add_sources(past_cap(), identity, country);
    std::stringstream state;
    before.save(state);

    Accumulator after(cfg);
    ASSERT_NO_THROW(after.load(state));
    after.add_sources(past_cap(), identity, country);  // the same five again
    const Snapshot s = after.snapshot();
    EXPECT_TRUE(s.sources_estimated);
    // Sketches are exact below 512 values: five sources, three on 445, two on 23.
    EXPECT_EQ(s.sources_today, 5u);
    EXPECT_EQ((s.port_sources.at({"tcp", "445"})), 3u);
    EXPECT_EQ((s.port_sources.at({"tcp", "23"})), 2u);
}
