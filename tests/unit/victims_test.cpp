// The attack detector on drained entries built by hand, one poll at a time, with
// the poll times given: thresholds, timeouts, rates and labels, exactly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "backscatter/attack_json.h"
#include "backscatter/attack_log.h"
#include "backscatter/victims.h"
#include "support/dataplane_diff.h"

using namespace darkscope;

namespace {

constexpr int64_t kSec = kNsPerSecond;
constexpr int64_t kT0 = 1728086400LL * kSec;  // 2024-10-05T00:00:00Z

// One poll's entry: `packets` SYN-ACKs (or RSTs) from victim:port, all dated at t.
SourceEntry synack(const std::string& victim, uint16_t port, uint64_t packets, int64_t t, bool rst = false) {
    SourceEntry e{test::source_key(victim, port, 6, true, rst), {}};
    e.value = {packets, packets * 54, static_cast<uint64_t>(t), static_cast<uint64_t>(t)};
    return e;
}

SourceEntry icmp_error(const std::string& victim, uint8_t type, uint8_t code, uint64_t packets, int64_t t) {
    const bool v6 = victim.find(':') != std::string::npos;
    SourceEntry e{test::source_key(victim, static_cast<uint16_t>(type << 8 | code), v6 ? 58 : 1, true), {}};
    e.value = {packets, packets * 70, static_cast<uint64_t>(t), static_cast<uint64_t>(t)};
    return e;
}

int64_t same(uint64_t t) { return static_cast<int64_t>(t); }

VictimConfig config() {
    VictimConfig c;
    c.ipv4_scale = ipv4_scale({Prefix::parse("198.51.100.0/24")});
    c.ports.tracked_ports = {80, 443};
    return c;
}

// Polls every second from t0 for n seconds, `per_poll` packets each.
void flood(VictimTracker& v, const std::string& victim, uint16_t port, int64_t t0, int seconds, uint64_t per_poll) {
    for (int s = 0; s < seconds; ++s) {
        const int64_t t = t0 + s * kSec;
        v.add({synack(victim, port, per_poll, t)}, t, same, nullptr);
    }
}

}  // namespace

TEST(Victims, ClassicThresholdsMakeOneAttackThatEndsAfterTheTimeout) {
    VictimTracker v(config());
    // 61 polls, one SYN-ACK each: 61 packets over 60 s, 60 in the best 60 s window.
    flood(v, "203.0.113.80", 80, kT0, 60, 1);
    EXPECT_EQ(v.snapshot().attacks_active, 0u) << "59 s is short of 60 s";
    v.add({synack("203.0.113.80", 80, 1, kT0 + 60 * kSec)}, kT0 + 60 * kSec, same, nullptr);
    BackscatterSnapshot s = v.snapshot();
    EXPECT_EQ(s.attacks_active, 1u);
    EXPECT_EQ(s.attacks_started, 1u);
    ASSERT_EQ(v.active_attacks().size(), 1u);
    EXPECT_EQ(v.active_attacks()[0].packets, 61u);
    EXPECT_TRUE(v.take_ended().empty());

    // Quiet: still active until the 300 s timeout has passed since the last poll with packets.
    v.expire(kT0 + 360 * kSec);
    EXPECT_EQ(v.snapshot().attacks_active, 1u);
    v.expire(kT0 + 360 * kSec + 1);
    s = v.snapshot();
    EXPECT_EQ(s.attacks_active, 0u);
    EXPECT_EQ(s.attacks_started, 1u);
    EXPECT_EQ(s.victims_tracked, 0u);
    std::vector<AttackEvent> ended = v.take_ended();
    ASSERT_EQ(ended.size(), 1u);
    const AttackEvent& ev = ended[0];
    EXPECT_EQ(ev.victim, "203.0.113.80");
    EXPECT_EQ(ev.start_ns, kT0);
    EXPECT_EQ(ev.end_ns, kT0 + 60 * kSec);
    EXPECT_EQ(ev.packets, 61u);
    EXPECT_EQ(ev.bytes, 61u * 54);
    EXPECT_EQ(ev.peak_window_packets, 60u);
    EXPECT_EQ(ev.ended, "timeout");
    EXPECT_EQ(ev.country, "ZZ");
    ASSERT_TRUE(ev.observed_pps && ev.estimated_pps);
    EXPECT_DOUBLE_EQ(*ev.observed_pps, 61.0 / 60);
    EXPECT_DOUBLE_EQ(*ev.estimated_pps, 61.0 / 60 * 16777216);  // 2^32 / 256 dark addresses

    const nlohmann::json j = attack_to_json(ev);
    EXPECT_EQ(j["start"], "2024-10-05T00:00:00.000Z");
    EXPECT_EQ(j["end"], "2024-10-05T00:01:00.000Z");
    EXPECT_EQ(j["duration_seconds"], 60.0);
    EXPECT_EQ(j["ports"], (nlohmann::json::array({{{"protocol", "tcp"}, {"port", 80}, {"packets", 61}}})));
    EXPECT_EQ(j["kinds"], (nlohmann::json{{"synack", 61}}));
    EXPECT_EQ(j["ended"], "timeout");
    EXPECT_TRUE(v.take_ended().empty());
}

TEST(Victims, EachThresholdAloneKeepsAFlowFromBeingAnAttack) {
    // Too short: many packets within 1 s.
    VictimTracker burst(config());
    flood(burst, "203.0.113.1", 80, kT0, 2, 5000);
    EXPECT_EQ(burst.snapshot().attacks_started, 0u);

    // Too slow: 40 packets, one every 40 s, 26 minutes long, never 30 within a minute.
    VictimTracker slow(config());
    for (int i = 0; i < 40; ++i) {
        const int64_t t = kT0 + i * 40 * kSec;
        slow.add({synack("203.0.113.3", 443, 1, t)}, t, same, nullptr);
    }
    EXPECT_EQ(slow.snapshot().attacks_started, 0u);

    // Too few: with a window of 10 packets, 24 packets over 69 s are not enough; the 25th is.
    VictimConfig c = config();
    c.window_packets = 10;
    VictimTracker few(c);
    for (int s = 0; s < 24; ++s) {
        const int64_t t = kT0 + (s < 23 ? s : 69) * kSec;
        few.add({synack("203.0.113.2", 80, 1, t)}, t, same, nullptr);
    }
    EXPECT_EQ(few.snapshot().attacks_started, 0u);
    few.add({synack("203.0.113.2", 80, 1, kT0 + 70 * kSec)}, kT0 + 70 * kSec, same, nullptr);
    EXPECT_EQ(few.snapshot().attacks_started, 1u);

    for (VictimTracker* v : {&burst, &slow}) {
        v->finish("capture_end");
        EXPECT_TRUE(v->take_ended().empty());
    }
}

TEST(Victims, AVictimAttackedTwiceAfterATimeoutIsTwoAttacks) {
    VictimConfig c = config();
    c.timeout_ns = 30 * kSec;
    VictimTracker v(c);
    flood(v, "203.0.113.80", 80, kT0, 61, 1);
    flood(v, "203.0.113.80", 80, kT0 + 100 * kSec, 61, 2);  // 40 s after the last: a new flow
    EXPECT_EQ(v.snapshot().attacks_started, 2u);
    EXPECT_EQ(v.snapshot().attacks_active, 1u);
    std::vector<AttackEvent> ended = v.take_ended();
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].packets, 61u);
    v.finish("capture_end");
    ended = v.take_ended();
    ASSERT_EQ(ended.size(), 1u);
    EXPECT_EQ(ended[0].packets, 122u);
    EXPECT_EQ(ended[0].start_ns, kT0 + 100 * kSec);
    EXPECT_EQ(ended[0].ended, "capture_end");
}

TEST(Victims, PortsKindsAndCountryOfOneVictim) {
    VictimTracker v(config());
    for (int s = 0; s <= 60; ++s) {
        const int64_t t = kT0 + s * kSec;
        v.add({synack("203.0.113.80", 80, 2, t), synack("203.0.113.80", 80, 1, t, /*rst=*/true),
               synack("203.0.113.80", 443, 1, t)},
              t, same, [](uint8_t, const uint8_t* a) { return a[3] == 80 ? std::string("JP") : std::string("US"); });
    }
    v.finish("shutdown");
    std::vector<AttackEvent> ended = v.take_ended();
    ASSERT_EQ(ended.size(), 1u);
    const nlohmann::json j = attack_to_json(ended[0]);
    EXPECT_EQ(j["packets"], 244);
    EXPECT_EQ(j["ports"], (nlohmann::json::array({{{"protocol", "tcp"}, {"port", 80}, {"packets", 183}},
                                                   {{"protocol", "tcp"}, {"port", 443}, {"packets", 61}}})));
    EXPECT_EQ(j["kinds"], (nlohmann::json{{"synack", 183}, {"rst", 61}}));
    EXPECT_EQ(j["country"], "JP");
    EXPECT_EQ(j["ended"], "shutdown");
}

TEST(Victims, IcmpAndIpv6Victims) {
    VictimTracker v(config());
    for (int s = 0; s <= 60; ++s) {
        const int64_t t = kT0 + s * kSec;
        v.add({icmp_error("203.0.113.9", 3, 13, 1, t), icmp_error("2001:db8:1::", 1, 4, 1, t)}, t, same, nullptr);
    }
    std::vector<AttackEvent> active = v.active_attacks();
    ASSERT_EQ(active.size(), 2u);
    const AttackEvent& v6 = active[0].family == DS_FAMILY_IPV6 ? active[0] : active[1];
    const AttackEvent& v4 = active[0].family == DS_FAMILY_IPV4 ? active[0] : active[1];
    EXPECT_EQ(v6.victim, "2001:db8:1::/64");  // a /64 source prefix, the default aggregation
    EXPECT_FALSE(v6.estimated_pps) << "no IPv6 estimate";
    EXPECT_TRUE(v6.observed_pps);
    EXPECT_EQ(attack_to_json(v4)["ports"],
              (nlohmann::json::array({{{"protocol", "icmp"}, {"type", 3}, {"code", 13}, {"packets", 61}}})));
    EXPECT_EQ(attack_to_json(v4)["kinds"], (nlohmann::json{{"unreachable", 61}}));
    EXPECT_EQ(attack_to_json(v4)["ended"], nullptr);
    EXPECT_EQ(v.snapshot().packets.at({"unreachable", "13"}), 61u);
    EXPECT_EQ(v.snapshot().packets.at({"unreachable", "4"}), 61u);
}

TEST(Victims, PortLabelsAreBounded) {
    VictimConfig c = config();
    c.ports.auto_admit_packets = 10;
    c.ports.max_auto_ports = 1;
    VictimTracker v(c);
    const int64_t t = kT0;
    v.add({synack("203.0.113.1", 80, 3, t), synack("203.0.113.2", 8443, 9, t), synack("203.0.113.3", 8443, 4, t),
           synack("203.0.113.4", 8443, 5, t), synack("203.0.113.5", 25, 30, t, true)},
          t, same, nullptr);
    const auto& p = v.snapshot().packets;
    EXPECT_EQ(p.at({"synack", "80"}), 3u);
    EXPECT_EQ(p.at({"synack", "443"}), 0u);   // tracked: exported from the start
    EXPECT_EQ(p.at({"synack", "other"}), 13u);  // 8443 before it reached 10 packets
    EXPECT_EQ(p.at({"synack", "8443"}), 18u);   // admitted at 13: every packet from its first
    EXPECT_EQ(p.at({"rst", "25"}), 30u);        // admitted with its first 30, which stay in "other" too
    EXPECT_EQ(p.at({"rst", "other"}), 30u);
    EXPECT_EQ(p.at({"dns_response", "53"}), 0u);
    v.add({synack("203.0.113.6", 110, 50, t + kSec, true)}, t + kSec, same, nullptr);
    EXPECT_EQ(v.snapshot().packets.at({"rst", "other"}), 80u);  // one automatic port per kind
    EXPECT_EQ(v.snapshot().packets.count({"rst", "110"}), 0u);
}

TEST(Victims, BeyondMaxVictimsPacketsAreCountedAsUntracked) {
    VictimConfig c = config();
    c.max_victims = 2;
    VictimTracker v(c);
    v.add({synack("203.0.113.1", 80, 1, kT0), synack("203.0.113.2", 80, 2, kT0), synack("203.0.113.3", 80, 4, kT0),
           synack("203.0.113.1", 443, 8, kT0)},
          kT0, same, nullptr);
    BackscatterSnapshot s = v.snapshot();
    EXPECT_EQ(s.victims_tracked, 2u);
    EXPECT_EQ(s.untracked_packets, 4u);
    EXPECT_EQ(s.packets.at({"synack", "80"}), 7u);  // the kind/port counts miss nothing
}

TEST(Victims, Ipv4ScaleCountsOverlapsOnce) {
    EXPECT_DOUBLE_EQ(ipv4_scale({Prefix::parse("10.10.10.10/32")}), 4294967296.0);
    EXPECT_DOUBLE_EQ(ipv4_scale({Prefix::parse("198.51.100.0/24"), Prefix::parse("198.51.100.128/25"),
                                 Prefix::parse("203.0.113.0/24"), Prefix::parse("2001:db8::/32")}),
                     4294967296.0 / 512);
    EXPECT_DOUBLE_EQ(ipv4_scale({Prefix::parse("0.0.0.0/0")}), 1.0);
    EXPECT_EQ(ipv4_scale({Prefix::parse("2001:db8::/32")}), 0.0);
}

// The attack log keeps the newest lines: FILE, FILE.1, FILE.2 (spdlog's naming puts
// the index before the extension), each line one JSON object.
TEST(AttackLog, RotatesBySizeAndKeepsTheNewestFiles) {
    const std::string dir = testing::TempDir() + "darkscope-attacklog-" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    AttackEvent ev;
    ev.victim = "203.0.113.80";
    ev.start_ns = kT0;
    ev.end_ns = kT0 + 90 * kSec;
    ev.ports = {{6, 80, DS_CLASS_TCP_SYNACK, 100}};
    ev.ended = "timeout";
    ev.packets = 100;
    const size_t line = attack_to_json(ev).dump().size() + 1;
    {
        AttackLog log(dir + "/attacks.jsonl", line * 5 / 2, 2);  // two lines per file
        for (uint64_t i = 100; i < 110; ++i) {
            ev.packets = i;  // three digits: every line the same length
            log.write(ev);
        }
        EXPECT_EQ(log.write_errors(), 0u);
    }
    auto packets_in = [&](const std::string& name) {
        std::vector<uint64_t> out;
        std::ifstream in(dir + "/" + name);
        for (std::string l; std::getline(in, l);) out.push_back(nlohmann::json::parse(l)["packets"].get<uint64_t>());
        return out;
    };
    EXPECT_EQ(packets_in("attacks.jsonl"), (std::vector<uint64_t>{108, 109}));
    EXPECT_EQ(packets_in("attacks.1.jsonl"), (std::vector<uint64_t>{106, 107}));
    EXPECT_EQ(packets_in("attacks.2.jsonl"), (std::vector<uint64_t>{104, 105}));
    EXPECT_FALSE(std::filesystem::exists(dir + "/attacks.3.jsonl"));
    std::filesystem::remove_all(dir);
}

TEST(AttackLog, ErrorsAreOneLineOrCounted) {
    try {
        AttackLog log("/proc/version/attacks.jsonl", 1 << 20, 1);
        ADD_FAILURE() << "opened a file below /proc/version";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.rfind("cannot open the attack log /proc/version/attacks.jsonl: ", 0), 0u) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
    AttackLog full("/dev/full", 1 << 20, 1);  // every write fails: no space left
    AttackEvent ev;
    full.write(ev);
    full.write(ev);
    EXPECT_EQ(full.write_errors(), 2u);
}

// darkscope_backscatter_country_packets_total (issue #16): every backscatter packet by
// kind and victim country, attack or not, tracked victim or not.
TEST(Victims, PacketsByKindAndVictimCountry) {
    VictimConfig c = config();
    c.max_victims = 2;
    VictimTracker v(c);
    const auto cc = [](uint8_t, const uint8_t* a) { return a[3] < 128 ? std::string("JP") : std::string("US"); };
    v.add({synack("203.0.113.1", 80, 3, kT0), synack("203.0.113.1", 80, 2, kT0, /*rst=*/true),
           synack("203.0.113.200", 443, 4, kT0), synack("203.0.113.201", 80, 5, kT0),  // beyond max_victims
           icmp_error("203.0.113.2", 3, 3, 6, kT0)},
          kT0, same, cc);
    v.add({synack("203.0.113.1", 80, 1, kT0 + kSec)}, kT0 + kSec, same, cc);
    using Key = std::pair<std::string, std::string>;
    EXPECT_EQ(v.snapshot().country_packets,
              (std::map<Key, uint64_t>{{{"synack", "JP"}, 4}, {{"rst", "JP"}, 2}, {{"synack", "US"}, 9},
                                        {{"unreachable", "JP"}, 6}}));
}
