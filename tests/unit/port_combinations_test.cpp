// Port combinations per source and day, on hand-made drained entries (no kernel).
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "accumulator/accumulator.h"
#include "accumulator/port_combinations.h"

using namespace darkscope;

namespace {

SourceEntry probe(const char* v4, uint8_t proto, uint16_t port, uint64_t ts_ns) {
    SourceEntry e{};
    inet_pton(AF_INET, v4, e.key.addr);
    e.key.proto = proto;
    e.key.port = port;
    e.key.info = DS_FAMILY_IPV4;
    e.value = {1, 60, ts_ns, ts_ns};
    return e;
}

const auto identity = [](uint64_t ns) { return static_cast<int64_t>(ns); };
constexpr uint64_t kDay = 86400ull * 1000000000ull;
constexpr uint64_t kNoon = 20000 * kDay + kDay / 2;  // 2024-10-04 12:00 UTC

std::vector<NamedCombination> defaults() {
    std::vector<NamedCombination> v;
    for (const std::string& t : default_port_combinations()) v.push_back(parse_named_combination(t));
    return v;
}

// Each source in `sources` hits each port in `ports` (TCP), in that order.
void hit(Accumulator& acc, std::initializer_list<const char*> sources, const std::vector<uint16_t>& ports,
         uint64_t ts = kNoon) {
    std::vector<SourceEntry> entries;
    for (const char* s : sources)
        for (uint16_t p : ports) entries.push_back(probe(s, 6, p, ts));
    acc.add_sources(entries, identity, {});
}

}  // namespace

TEST(PortCombinations, ParsesTheNotation) {
    EXPECT_EQ(parse_proto_port("445"), proto_port(6, 445));
    EXPECT_EQ(parse_proto_port("445/tcp"), proto_port(6, 445));
    EXPECT_EQ(parse_proto_port("137/udp"), proto_port(17, 137));
    EXPECT_THROW(parse_proto_port("70000"), std::invalid_argument);
    EXPECT_THROW(parse_proto_port("53/sctp"), std::invalid_argument);
    EXPECT_THROW(parse_proto_port(""), std::invalid_argument);
    NamedCombination c = parse_named_combination("sym=2967,135,139/tcp,445,137/udp");
    EXPECT_EQ(c.name, "sym");
    EXPECT_EQ(ports_text(c.ports), "135,139,445,2967,137/udp");
    EXPECT_THROW(parse_named_combination("2967,135"), std::invalid_argument);
    EXPECT_THROW(parse_named_combination("a b=1"), std::invalid_argument);
    EXPECT_THROW(parse_named_combination("x=1,,2"), std::invalid_argument);
    EXPECT_THROW(PortCombinations({.named = {c, c}}), std::invalid_argument);
}

// 3 sources hit 2967,135,139,445; 2 hit only 445,139; 1 hits 445 and 23 (23 is not
// a port of interest here). Named: symantec-av-bot 3, smb-netbios 3 + 2 = 5.
TEST(PortCombinations, CountsSourcesPerExactSetAndNamedSuperset) {
    Accumulator acc({.tracked_ports = {}, .port_combinations = defaults()});
    hit(acc, {"203.0.113.1", "203.0.113.2", "203.0.113.3"}, {2967, 135});
    hit(acc, {"203.0.113.4", "203.0.113.5"}, {445, 139});
    // The first three complete their set in a later drain: counts move, not add.
    hit(acc, {"203.0.113.1", "203.0.113.2", "203.0.113.3"}, {139, 445, 445});
    hit(acc, {"203.0.113.6"}, {445, 23});
    const PortCombinationSnapshot s = acc.snapshot().combinations;
    ASSERT_EQ(s.named.size(), 2u);
    EXPECT_EQ(s.named[0].first.name, "symantec-av-bot");
    EXPECT_EQ(s.named[0].second, 3u);
    EXPECT_EQ(s.named[1].first.name, "smb-netbios");
    EXPECT_EQ(s.named[1].second, 5u);
    ASSERT_EQ(s.top.size(), 3u);
    EXPECT_EQ(ports_text(s.top[0].first), "135,139,445,2967");
    EXPECT_EQ(s.top[0].second, 3u);
    EXPECT_EQ(ports_text(s.top[1].first), "139,445");
    EXPECT_EQ(s.top[1].second, 2u);
    EXPECT_EQ(ports_text(s.top[2].first), "445");
    EXPECT_EQ(s.top[2].second, 1u);
    EXPECT_EQ(s.tracked_sources, 6u);
    EXPECT_EQ(s.untracked_sources, 0u);
}

TEST(PortCombinations, ProtocolMattersAndTrackedPortsJoinTheSet) {
    Accumulator acc({.tracked_ports = {23}, .port_combinations = {parse_named_combination("netbios=137/udp,139")}});
    std::vector<SourceEntry> e = {probe("198.51.100.1", 17, 137, kNoon), probe("198.51.100.1", 6, 139, kNoon),
                                  probe("198.51.100.2", 6, 137, kNoon), probe("198.51.100.2", 6, 139, kNoon),
                                  probe("198.51.100.3", 17, 23, kNoon), probe("198.51.100.3", 6, 23, kNoon)};
    acc.add_sources(e, identity, {});
    const PortCombinationSnapshot s = acc.snapshot().combinations;
    EXPECT_EQ(s.named[0].second, 1u);  // 137/tcp is not 137/udp
    ASSERT_EQ(s.top.size(), 3u);  // equal counts: in set order
    EXPECT_EQ(ports_text(s.top[0].first), "23,23/udp");
    EXPECT_EQ(ports_text(s.top[1].first), "139");  // 137/tcp is not of interest
    EXPECT_EQ(ports_text(s.top[2].first), "139,137/udp");
    EXPECT_EQ(s.tracked_sources, 3u);
}

TEST(PortCombinations, CapCountsTheSourcesLeftOutAndANewDayStartsAtZero) {
    Accumulator acc({.tracked_ports = {}, .port_combinations = defaults(), .port_combination_max_sources = 2});
    hit(acc, {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}, {445, 139});
    hit(acc, {"192.0.2.3", "192.0.2.4"}, {135});  // still untracked: counted once each
    hit(acc, {"192.0.2.9"}, {80});                // no port of interest: not counted
    PortCombinationSnapshot s = acc.snapshot().combinations;
    EXPECT_EQ(s.tracked_sources, 2u);
    EXPECT_EQ(s.untracked_sources, 2u);
    EXPECT_EQ(s.named[1].second, 2u);

    hit(acc, {"192.0.2.5"}, {445}, kNoon + kDay);
    s = acc.snapshot().combinations;
    EXPECT_EQ(s.tracked_sources, 1u);
    EXPECT_EQ(s.untracked_sources, 0u);
    EXPECT_EQ(s.named[1].second, 0u);
    ASSERT_EQ(s.top.size(), 1u);
    EXPECT_EQ(ports_text(s.top[0].first), "445");
}

// The bots of the seeds try *these* ports: a source that sweeps 1,000 ports (an nmap
// run) also "covers" every combination, so past --port-combination-max-ports (32)
// distinct ports it leaves every figure and is counted as a scanner, once, even when
// its set was counted before. Exactly 32 ports is still a bot.
TEST(PortCombinations, ScannersAreLeftOutAndCountedApart) {
    Accumulator acc({.tracked_ports = {}, .port_combinations = defaults()});
    hit(acc, {"203.0.113.1"}, {2967, 135, 139, 445});  // a bot
    hit(acc, {"203.0.113.2"}, {2967, 135, 139, 445});  // a scanner, once it goes on
    PortCombinationSnapshot s = acc.snapshot().combinations;
    EXPECT_EQ(s.named[0].second, 2u);
    std::vector<uint16_t> sweep;
    for (uint16_t p = 1; p <= 1000; ++p) sweep.push_back(p);
    hit(acc, {"203.0.113.2", "203.0.113.3"}, sweep);
    std::vector<uint16_t> edge = {2967, 135, 139, 445};
    for (uint16_t p = 2000; edge.size() < 32; ++p) edge.push_back(p);
    hit(acc, {"203.0.113.4"}, edge);  // 32 distinct ports: not a scanner
    s = acc.snapshot().combinations;
    EXPECT_EQ(s.named[0].second, 2u);  // the bot and the 32-port source
    EXPECT_EQ(s.named[1].second, 2u);
    EXPECT_EQ(s.scanner_sources, 2u);
    EXPECT_EQ(s.tracked_sources, 2u);
    ASSERT_EQ(s.top.size(), 1u);
    EXPECT_EQ(ports_text(s.top[0].first), "135,139,445,2967");
    EXPECT_EQ(s.top[0].second, 2u);
    hit(acc, {"203.0.113.2"}, {2967});  // once a scanner, always one today
    EXPECT_EQ(acc.snapshot().combinations.scanner_sources, 2u);

    Accumulator unlimited({.tracked_ports = {}, .port_combinations = defaults(), .port_combination_max_ports = 0});
    hit(unlimited, {"203.0.113.2"}, sweep);  // 1-1000 holds 139 and 445, not 2967
    s = unlimited.snapshot().combinations;
    EXPECT_EQ(s.named[0].second, 0u);
    EXPECT_EQ(s.named[1].second, 1u);
    EXPECT_EQ(s.scanner_sources, 0u);
}
