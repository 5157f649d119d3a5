// The per-source table in front of the per-source hash (bpf/maps.h,
// source_table), through the real program: which keys it takes, what goes to the
// hash and what is unattributed when both are full, how the CPUs share its sets,
// and how the agent folds one source seen on several CPUs, or in the table and the
// hash, into one entry. BPF_PROG_TEST_RUN runs on the calling CPU, so the test pins
// itself to a CPU to know which CPU's claims a frame meets.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <sched.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "dataplane/source_table.h"
#include "dataplane/unique_fd.h"
#include "support/dataplane_diff.h"
#include "support/frame_builder.h"
#include "support/pinned_to_cpu.h"

using namespace darkscope;
using darkscope::test::PinnedToCpu;

namespace {

constexpr uint8_t kTcp = 6;
const char* const kDark = "198.51.100.7";

// One set of DS_SOURCE_CACHE_WAYS (4) ways, shared by the CPUs: every key meets it.
DataPlaneConfig one_set_config(uint32_t map_entries) {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24")};
    cfg.source_map_entries = map_entries;
    cfg.source_cache_slots = DS_SOURCE_CACHE_WAYS;
    return cfg;
}

void send_syn(DataPlane& dp, const std::string& src, uint16_t port = 445) {
    auto f = test::FrameBuilder().eth().ipv4(src, kDark).tcp(40000, port, 0x02).build();
    ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
}

std::map<std::string, uint64_t> packets_by_key(const std::vector<SourceEntry>& entries) {
    std::map<std::string, uint64_t> out;
    for (const SourceEntry& e : entries) {
        EXPECT_EQ(out.count(test::key_str(e.key)), 0u) << "a key drained twice: " << test::key_str(e.key);
        out[test::key_str(e.key)] += e.value.packets;
    }
    return out;
}

// The frames are SYNs that match no tool rule: their keys carry tool "unknown".
std::string key_of(const std::string& src, uint16_t port = 445) {
    return test::key_str(test::source_key(src, port, kTcp, false, false, DS_TOOL_UNKNOWN));
}

TEST(SourceTable, SlotsArePowersOfTwo) {
    EXPECT_EQ(source_table_slots(0), 0u);
    EXPECT_EQ(source_table_slots(4096), 4096u);
    EXPECT_EQ(source_table_slots(5000), 4096u);
    EXPECT_EQ(source_table_slots(1), 4u);  // at least one set of four ways
    EXPECT_EQ(source_table_slots(kAutoSourceTableSlots), 524288u);  // whatever the CPU count
    EXPECT_EQ(SourceTable::map_entries(0), 1u);
    EXPECT_EQ(SourceTable::map_entries(8), 16u);
}

TEST(SourceTable, TooManySlotsIsAClearError) {
    DataPlaneConfig cfg = one_set_config(16);
    cfg.source_cache_slots = kMaxSourceTableSlots + 1;
    try {
        DataPlane dp(cfg);
        FAIL() << "accepted " << cfg.source_cache_slots << " slots";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "the per-source table holds at most 8388608 slots");
    }
}

// The first four keys of a poll interval take the four ways; the next ones go to the
// hash until it is full; the rest are unattributed. Hits count where the key is.
TEST(SourceTable, FourWaysThenTheHashThenUnattributed) {
    static_assert(DS_SOURCE_CACHE_WAYS == 4, "the test fills one set of four ways");
    PinnedToCpu pin(0);
    ASSERT_TRUE(pin.ok());
    DataPlane dp(one_set_config(4));
    ASSERT_EQ(dp.source_table_slots(), 4u);
    for (int i = 1; i <= 10; ++i) send_syn(dp, "203.0.113." + std::to_string(i));
    send_syn(dp, "203.0.113.1");   // in the cache
    send_syn(dp, "203.0.113.5");   // in the hash
    send_syn(dp, "203.0.113.10");  // nowhere: unattributed again
    const std::vector<ds_counter> stats = dp.read_stats();
    EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].packets, 13u);
    EXPECT_EQ(stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 3u);
    const std::map<std::string, uint64_t> want = {
        {key_of("203.0.113.1"), 2}, {key_of("203.0.113.2"), 1}, {key_of("203.0.113.3"), 1},
        {key_of("203.0.113.4"), 1}, {key_of("203.0.113.5"), 2}, {key_of("203.0.113.6"), 1},
        {key_of("203.0.113.7"), 1}, {key_of("203.0.113.8"), 1},
    };
    EXPECT_EQ(packets_by_key(dp.drain_sources(true)), want);

    // The drain emptied the generation it read; the new one starts empty too.
    send_syn(dp, "203.0.113.10");
    send_syn(dp, "203.0.113.9");
    send_syn(dp, "203.0.113.11");
    const std::map<std::string, uint64_t> next = {
        {key_of("203.0.113.9"), 1}, {key_of("203.0.113.10"), 1}, {key_of("203.0.113.11"), 1}};
    EXPECT_EQ(packets_by_key(dp.drain_sources(true)), next);
    EXPECT_TRUE(dp.drain_sources(true).empty());
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 3u);
}

// One source counted in CPU 0's slot, in CPU 1's slot of the same set and in
// CPU 1's hash (the set full by then) comes back as one entry, with packets and
// bytes summed and the earliest first seen.
TEST(SourceTable, OneSourceOnSeveralCpusIsOneEntry) {
    if (libbpf_num_possible_cpus() < 2) GTEST_SKIP() << "needs two CPUs";
    DataPlane dp(one_set_config(16));
    {
        PinnedToCpu pin(0);
        if (!pin.ok()) GTEST_SKIP() << "CPU 0 not usable";
        send_syn(dp, "203.0.113.1");
        send_syn(dp, "203.0.113.1");
    }
    {
        PinnedToCpu pin(1);
        if (!pin.ok()) GTEST_SKIP() << "CPU 1 not usable";
        for (int i = 2; i <= 5; ++i) send_syn(dp, "203.0.113." + std::to_string(i));
        send_syn(dp, "203.0.113.1");  // CPU 1's set is full: to the hash
        send_syn(dp, "203.0.113.1");
        send_syn(dp, "203.0.113.1");
    }
    std::vector<SourceEntry> got = dp.drain_sources(true);
    const std::map<std::string, uint64_t> want = {
        {key_of("203.0.113.1"), 5}, {key_of("203.0.113.2"), 1}, {key_of("203.0.113.3"), 1},
        {key_of("203.0.113.4"), 1}, {key_of("203.0.113.5"), 1}};
    EXPECT_EQ(packets_by_key(got), want);
    for (const SourceEntry& e : got) {
        EXPECT_LE(e.value.first_seen_ns, e.value.last_seen_ns);
        EXPECT_GT(e.value.first_seen_ns, 0u);
        if (test::key_str(e.key) == key_of("203.0.113.1")) EXPECT_EQ(e.value.bytes % 5, 0u);
    }
}

// The CPUs share the sets: a slot belongs to the CPU that claimed it, which alone
// counts in it. CPU 0 claims one way of the one set, CPU 1 the other three (one of
// them for a source CPU 0 holds too), so that a new source on either CPU goes to
// the 2-entry hash, and the next one is unattributed. With a table per CPU, CPU 1
// would have had four ways of its own and nothing would have been unattributed.
TEST(SourceTable, CpusShareTheSetsAndCountInTheirOwnSlots) {
    if (libbpf_num_possible_cpus() < 2) GTEST_SKIP() << "needs two CPUs";
    DataPlane dp(one_set_config(2));
    auto on_cpu = [&](int cpu, std::initializer_list<const char*> sources) {
        PinnedToCpu pin(cpu);
        if (!pin.ok()) return false;
        for (const char* s : sources) send_syn(dp, s);
        return true;
    };
    if (!on_cpu(0, {"203.0.113.1", "203.0.113.1"})) GTEST_SKIP() << "CPU 0 not usable";
    if (!on_cpu(1, {"203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.1"}))
        GTEST_SKIP() << "CPU 1 not usable";
    on_cpu(0, {"203.0.113.5", "203.0.113.1", "203.0.113.6"});
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 1u);  // 203.0.113.6
    const std::map<std::string, uint64_t> want = {
        {key_of("203.0.113.1"), 5}, {key_of("203.0.113.2"), 1}, {key_of("203.0.113.3"), 1},
        {key_of("203.0.113.4"), 1}, {key_of("203.0.113.5"), 1}};
    EXPECT_EQ(packets_by_key(dp.drain_sources(true)), want);
}

// Both CPUs run the same 64 keys through a 4-set table at once, while this thread
// drains (flipping the generation) as often as it can: every key holds a slot of
// each CPU's in one set or sits in the hash, each generation is claimed afresh, and
// the drains read generations the CPUs have just left. Each key comes back with
// exactly the packets both CPUs sent it, and none is unattributed. (The instant two
// CPUs claim one free way together is too short to force from here: with a plain
// store in place of the compare-and-swap this still passed 3 runs of 3; the
// compare-and-swap is what makes that instant safe, by construction.)
TEST(SourceTable, CpusRacingForTheSameSetsWhileDrainingLoseNothing) {
    if (libbpf_num_possible_cpus() < 2) GTEST_SKIP() << "needs two CPUs";
    DataPlaneConfig cfg = one_set_config(1024);  // room in the hash for every key
    cfg.source_cache_slots = 16;
    DataPlane dp(cfg);
    constexpr int kKeys = 64, kRounds = 1500;
    std::vector<std::vector<uint8_t>> frames;
    for (int i = 0; i < kKeys; ++i)
        frames.push_back(test::FrameBuilder().eth().ipv4("198.18.7." + std::to_string(i), kDark).tcp(40000, 445, 0x02).build());
    std::atomic<int> running{2}, failures{0};
    auto sender = [&](int cpu) {
        PinnedToCpu pin(cpu);
        if (!pin.ok()) ++failures;
        for (int r = 0; r < kRounds && pin.ok(); ++r)
            for (const auto& f : frames) {
                LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f.data(), .data_size_in = static_cast<uint32_t>(f.size()));
                if (bpf_prog_test_run_opts(dp.prog_fd(), &opts) || opts.retval != XDP_DROP) ++failures;
            }
        --running;
    };
    std::map<std::string, uint64_t> got;
    int drains = 0;
    {
        std::jthread cpu0(sender, 0), cpu1(sender, 1);
        while (running > 0) {
            for (const SourceEntry& e : dp.drain_sources(true)) got[test::key_str(e.key)] += e.value.packets;
            ++drains;
        }
    }
    for (const SourceEntry& e : dp.drain_sources(true)) got[test::key_str(e.key)] += e.value.packets;
    std::printf("%d x %d SYNs from each of 2 CPUs, %d drains under them\n", kRounds, kKeys, drains);
    ASSERT_EQ(failures.load(), 0) << "a CPU could not be used or a run failed";
    std::map<std::string, uint64_t> want;
    for (int i = 0; i < kKeys; ++i) want[key_of("198.18.7." + std::to_string(i))] = 2 * kRounds;
    EXPECT_EQ(got, want) << "after " << drains << " drains";
    EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 0u);
    EXPECT_EQ(dp.read_stats()[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)].packets, uint64_t{2} * kRounds * kKeys);
    EXPECT_GT(drains, 1) << "the drains never overlapped the senders";
}

// Sources that differ only in the bytes a scan varies (an IPv4 /16's last two bytes,
// an IPv6 /64's second word) spread over the sets: 1,000 of them fit a table of
// 1,024 sets of 4 ways, with at most a few in a 16-entry hash. (A set index taken
// from a bare multiplication's low bits put them all into two sets.)
TEST(SourceTable, ScannedSourcesSpreadOverTheSets) {
    PinnedToCpu pin(0);
    ASSERT_TRUE(pin.ok());
    for (const bool v6 : {false, true}) {
        DataPlaneConfig cfg = one_set_config(16);
        cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
        cfg.source_cache_slots = 4096;
        DataPlane dp(cfg);
        for (int i = 0; i < 1000; ++i) {
            char src[64];
            if (v6)
                std::snprintf(src, sizeof src, "2001:db8:%x:%x::1", i >> 8, i & 0xff);
            else
                std::snprintf(src, sizeof src, "198.18.%d.%d", i >> 8, i & 0xff);
            auto f = v6 ? test::FrameBuilder().eth().ipv6(src, "2001:db8:dead::7").tcp(40000, 445, 0x02).build()
                        : test::FrameBuilder().eth().ipv4(src, kDark).tcp(40000, 445, 0x02).build();
            ASSERT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
        }
        EXPECT_EQ(dp.read_stats()[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 0u) << (v6 ? "IPv6" : "IPv4");
        EXPECT_EQ(dp.drain_sources(true).size(), 1000u) << (v6 ? "IPv6" : "IPv4");
    }
}

// Replay drains in place (no swap): both generations and both buffers.
TEST(SourceTable, InPlaceDrainReadsBothGenerations) {
    PinnedToCpu pin(0);
    ASSERT_TRUE(pin.ok());
    DataPlane dp(one_set_config(16));
    send_syn(dp, "203.0.113.1");
    EXPECT_EQ(packets_by_key(dp.drain_sources(true)), (std::map<std::string, uint64_t>{{key_of("203.0.113.1"), 1}}));
    send_syn(dp, "203.0.113.1");
    send_syn(dp, "203.0.113.2");
    send_syn(dp, "203.0.113.3");
    EXPECT_EQ(packets_by_key(dp.drain_sources(false)),
              (std::map<std::string, uint64_t>{
                  {key_of("203.0.113.1"), 1}, {key_of("203.0.113.2"), 1}, {key_of("203.0.113.3"), 1}}));
    EXPECT_TRUE(dp.drain_sources(false).empty());
}

// The drain's fold on its own, over a real mmap-able array laid out as the table:
// a key's slots in one set (two CPUs, two generations) and its hash entry fold into
// one entry; other keys of the set, and a hash entry of a key the table does not
// hold, stay; every slot read is emptied.
TEST(SourceTable, DrainFoldsAKeysSlotsAndHashEntry) {
    constexpr uint32_t kSlots = 8;  // two sets per generation
    LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
    const UniqueFd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "table_test", 4, sizeof(ds_cache_slot),
                                      SourceTable::map_entries(kSlots), &opts));
    ASSERT_TRUE(map.valid()) << std::strerror(errno);
    SourceTable table(map.get(), kSlots);
    auto key = [](const std::string& src) { return test::source_key(src, 445, kTcp, false, false, DS_TOOL_UNKNOWN); };
    auto put = [&](uint32_t gen, const std::string& src, uint32_t way, uint64_t packets, uint64_t first, uint64_t last) {
        ds_cache_slot s{};
        s.key = key(src);
        s.owner = 1 + way;  // a CPU's claim; the drain reads packets, not owners
        s.value = {packets, packets * 60, first, last};
        const uint32_t idx = gen * kSlots + table.set_of(s.key) * DS_SOURCE_CACHE_WAYS + way;
        ASSERT_EQ(bpf_map_update_elem(map.get(), &idx, &s, BPF_ANY), 0);
    };
    // Two sources of one set: find them.
    std::string one = "203.0.113.1", other;
    for (int i = 2; other.empty(); ++i)
        if (table.set_of(key("203.0.113." + std::to_string(i))) == table.set_of(key(one))) other = "203.0.113." + std::to_string(i);
    put(0, one, 0, 2, 40, 45);    // CPU A, generation 0
    put(0, other, 1, 4, 5, 9);
    put(0, one, 2, 1, 70, 70);    // CPU B, generation 0
    put(1, one, 0, 7, 30, 80);    // generation 1
    std::vector<SourceEntry> hash = {{key(one), {3, 180, 50, 60}}, {key("198.18.0.1"), {1, 60, 10, 10}}};
    std::vector<SourceEntry> got = table.drain(hash, 0, 2);
    ASSERT_EQ(got.size(), 3u);
    std::map<std::string, SourceEntry> by_key;
    for (const SourceEntry& e : got) by_key[test::key_str(e.key)] = e;
    const SourceEntry& folded = by_key.at(test::key_str(key(one)));
    EXPECT_EQ(folded.value.packets, 13u);
    EXPECT_EQ(folded.value.bytes, 780u);
    EXPECT_EQ(folded.value.first_seen_ns, 30u);
    EXPECT_EQ(folded.value.last_seen_ns, 80u);
    EXPECT_EQ(by_key.at(test::key_str(key(other))).value.packets, 4u);
    EXPECT_EQ(by_key.at(test::key_str(key("198.18.0.1"))).value.packets, 1u);
    // Emptied: a second drain has the hash's entries only.
    EXPECT_EQ(table.drain({}, 0, 2).size(), 0u);
}

}  // namespace
