// --day-max-sources (issue #18, item 3): today's set of distinct sources stops
// growing at the cap; below it every unique-source figure is exact, past it the
// figures go on as HyperLogLog estimates (1.6 % standard error) flagged by
// darkscope_sources_estimated, never stopping at the cap. IPv6 sources from
// 2001:db8::/32, one per /64 (the default --source-prefix-v6), through the real
// XDP program (BPF_PROG_TEST_RUN) and accumulator.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "replay/replay.h"
#include "replay/run_families.h"
#include "support/sparse_capture.h"

using namespace darkscope;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kDayNs = 86400LL * 1'000'000'000;
constexpr int64_t kStartNs = 1728000000LL * 1'000'000'000;  // 2024-10-04 00:00:00 UTC
// Four standard errors of the sketches' estimate: a correct estimate is outside
// them about once in 16,000 assertions.
constexpr double kEstimateBound = 4 * 0.016;

struct TempPcap {
    fs::path path = fs::temp_directory_path() / ("darkscope-day-cap-" + std::to_string(getpid()) + ".pcap");
    ~TempPcap() { fs::remove(path); }
};

std::string source_of(uint32_t i) {  // the /64 2001:db8:XXXX:YYYY::/64
    char buf[64];
    std::snprintf(buf, sizeof buf, "2001:db8:%x:%x::1", i >> 16, i & 0xffff);
    return buf;
}

// Sources first..first+n-1 on day `day` (0: 2024-10-04): each probes 23/tcp, every
// third also 445/tcp, every fifth also 22/tcp; every seventh probes 23 twice.
void add_day(std::vector<test::TimedFrame>& out, int day, uint32_t first, uint32_t n) {
    int64_t ts = kStartNs + day * kDayNs + 1'000'000'000;
    auto probe = [&](uint32_t i, uint16_t port) {
        out.push_back({ts += 1000, test::FrameBuilder().eth().ipv6(source_of(i), "2001:db8:ffff::9", 6)
                                       .tcp(40000, port, 0x02).build()});
    };
    for (uint32_t i = first; i < first + n; ++i) {
        probe(i, 23);
        if (i % 3 == 0) probe(i, 445);
        if (i % 5 == 0) probe(i, 22);
        if (i % 7 == 0) probe(i, 23);
    }
}

// How many of first..first+n-1 are multiples of m.
uint64_t multiples(uint32_t first, uint32_t n, uint32_t m) { return (first + n + m - 1) / m - (first + m - 1) / m; }

ReplayResult replay_with_cap(const std::vector<test::TimedFrame>& frames, size_t cap) {
    const TempPcap pcap;
    test::write_pcap_file(pcap.path.string(), frames);
    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("2001:db8:ffff::/48")};
    o.accumulator.tracked_ports = {22, 23, 445};
    o.accumulator.day_max_sources = cap;
    ReplayResult r = replay({pcap.path.string()}, o);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.frames, frames.size());
    return r;
}

// The value of an unlabelled gauge as `darkscope run` would serve it.
double gauge(const ReplayResult& r, const std::string& name) {
    RunFamilies families({22, 23, 445});
    for (const auto& f : families(r.snapshot, r.backscatter))
        if (f.name == name && f.metric.size() == 1) return f.metric[0].gauge.value;
    ADD_FAILURE() << name << " is not exported";
    return -1;
}

void expect_estimate(uint64_t estimate, uint64_t truth, const char* what) {
    const double error = (static_cast<double>(estimate) - static_cast<double>(truth)) / static_cast<double>(truth);
    EXPECT_LE(std::abs(error), kEstimateBound) << what << ": estimated " << estimate << ", truly " << truth;
}

}  // namespace

TEST(DaySourceCap, FiguresAreExactUpToTheCapAndEstimatedOneSourcePastIt) {
    constexpr uint32_t kSources = 5000;
    std::vector<test::TimedFrame> frames;
    add_day(frames, 0, 0, kSources);

    const ReplayResult at_cap = replay_with_cap(frames, kSources);
    const Snapshot& s = at_cap.snapshot;
    EXPECT_FALSE(s.sources_estimated);
    EXPECT_EQ(gauge(at_cap, "darkscope_sources_estimated"), 0);
    EXPECT_EQ(s.sources_today, kSources);
    EXPECT_EQ(s.days.at("2024-10-04").sources, kSources);
    EXPECT_EQ(s.country_sources.at("ZZ"), kSources);
    EXPECT_EQ((s.port_sources.at({"tcp", "23"})), kSources);
    EXPECT_EQ((s.port_sources.at({"tcp", "445"})), multiples(0, kSources, 3));  // 1667
    EXPECT_EQ((s.port_sources.at({"tcp", "22"})), multiples(0, kSources, 5));   // 1000

    // One source more than the set holds: flagged, and the figures never fall to the cap.
    const ReplayResult past = replay_with_cap(frames, kSources - 1);
    EXPECT_TRUE(past.snapshot.sources_estimated);
    EXPECT_EQ(gauge(past, "darkscope_sources_estimated"), 1);
    EXPECT_GE(past.snapshot.sources_today, kSources - 1);
    expect_estimate(past.snapshot.sources_today, kSources, "sources");
}

TEST(DaySourceCap, PastTheCapEveryUniqueSourceFigureIsAnEstimateWithinItsBound) {
    constexpr size_t kCap = 1000;
    constexpr uint32_t kFirstDay = 40000, kSecondDay = 30000;
    std::vector<test::TimedFrame> frames;
    add_day(frames, 0, 0, kFirstDay);
    add_day(frames, 1, kFirstDay, kSecondDay);  // other sources on the next day
    const ReplayResult r = replay_with_cap(frames, kCap);
    const Snapshot& s = r.snapshot;

    EXPECT_TRUE(s.sources_estimated);
    EXPECT_EQ(gauge(r, "darkscope_sources_estimated"), 1);
    expect_estimate(s.sources_today, kSecondDay, "sources today");
    EXPECT_EQ(s.days.at("2024-10-05").sources, s.sources_today);
    expect_estimate(s.country_sources.at("ZZ"), kSecondDay, "country ZZ");
    expect_estimate(s.port_sources.at({"tcp", "23"}), kSecondDay, "23/tcp");
    expect_estimate(s.port_sources.at({"tcp", "445"}), multiples(kFirstDay, kSecondDay, 3), "445/tcp");
    expect_estimate(s.port_sources.at({"tcp", "22"}), multiples(kFirstDay, kSecondDay, 5), "22/tcp");

    // The closed day keeps its estimate and its flag (the set moved over at the boundary).
    EXPECT_EQ(s.previous_day, "2024-10-04");
    EXPECT_TRUE(s.previous_day_sources_estimated);
    EXPECT_EQ(gauge(r, "darkscope_previous_day_sources_estimated"), 1);
    expect_estimate(s.previous_day_totals.sources, kFirstDay, "previous day");
    expect_estimate(s.previous_day_country_sources.at("ZZ"), kFirstDay, "previous day, ZZ");
    EXPECT_EQ(s.days.at("2024-10-04").sources, s.previous_day_totals.sources);
}
