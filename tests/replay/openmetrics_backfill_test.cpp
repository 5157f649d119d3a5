// replay --openmetrics writes a series only when a query could tell (issue #17):
// on a small sparse two-day capture, every instant query at every interval end
// reads the same from the written samples as from a sample of every series at
// every interval, and promtool backfills the file into a TSDB holding exactly them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "replay/openmetrics_writer.h"
#include "replay/replay.h"
#include "replay/run_families.h"
#include "support/run_command.h"
#include "support/sparse_capture.h"

using namespace darkscope;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kLookbackMs = 5 * 60 * 1000;  // Prometheus's default

using Samples = std::vector<std::pair<int64_t, double>>;  // (ms, value), in time order
using SeriesSamples = std::map<std::string, Samples>;       // by name{labels}

// Reads the samples of an OpenMetrics file (name{labels} value seconds.millis).
SeriesSamples parse_openmetrics(const fs::path& path) {
    SeriesSamples out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        const size_t ts_at = line.rfind(' '), value_at = line.rfind(' ', ts_at - 1);
        const int64_t ms = std::llround(std::stod(line.substr(ts_at + 1)) * 1000);
        out[line.substr(0, value_at)].emplace_back(ms, std::stod(line.substr(value_at + 1, ts_at - value_at - 1)));
    }
    return out;
}

// What an instant query of one series at t reads: the last sample at or before t
// within the lookback, or nothing.
std::optional<double> instant(const Samples& s, int64_t t) {
    auto it = std::upper_bound(s.begin(), s.end(), t, [](int64_t v, const auto& p) { return v < p.first; });
    if (it == s.begin()) return std::nullopt;
    --it;
    if (t - it->first > kLookbackMs) return std::nullopt;
    return it->second;
}

// A directory of the test's own, removed however the test ends.
struct TempDir {
    fs::path path = fs::temp_directory_path() / ("darkscope-backfill-test-" + std::to_string(getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
};

}  // namespace

TEST(OpenMetricsBackfill, ChangedSeriesOnlyAndEveryIntervalEndReadsTheSame) {
    const TempDir temp;
    const fs::path& dir = temp.path;
    const fs::path pcap = dir / "sparse.pcap", full_om = dir / "full.om", sparse_om = dir / "sparse.om";
    // Two days: quiet hours (gaps longer than the lookback) and busy minutes.
    test::SparseCapture spec;
    spec.duration_ns = 2LL * 86400 * 1'000'000'000;
    spec.syns = 700;
    spec.udp_probes = 40;
    spec.icmp_echoes = 15;
    spec.backscatter = 30;
    spec.sources = 60;
    test::write_pcap_file(pcap.string(), test::sparse_frames(spec));

    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("203.0.113.0/24")};
    o.accumulator.tracked_ports = {23, 445};
    o.accumulator.auto_admit_packets = 20;  // some ports are admitted mid-capture
    o.interval_ns = 30'000'000'000;
    RunFamilies families(o.accumulator.tracked_ports);
    BackscatterView sampled;
    auto of_sample = [&](const Snapshot& s) { return families(s, sampled); };
    OpenMetricsWriter full(of_sample, /*refresh_ms=*/0), sparse(of_sample);
    std::set<int64_t> interval_ends;
    o.on_interval = [&](int64_t ts, const Accumulator& acc, const BackscatterView& b) {
        sampled = b;
        const Snapshot s = acc.snapshot();
        full.sample(ts, s);
        sparse.sample(ts, s);
        interval_ends.insert(ts / 1'000'000);
    };
    const ReplayResult r = replay({pcap.string()}, o);
    ASSERT_EQ(r.error, "");
    ASSERT_EQ(r.frames, 785u);
    full.write(full_om.string());
    sparse.write(sparse_om.string());

    const SeriesSamples every = parse_openmetrics(full_om), written = parse_openmetrics(sparse_om);
    ASSERT_EQ(written.size(), every.size());
    size_t every_count = 0, written_count = 0, compared = 0;
    for (const auto& [series, samples] : every) {
        ASSERT_TRUE(written.contains(series)) << series;
        const Samples& w = written.at(series);
        every_count += samples.size();
        written_count += w.size();
        // Only samples of the full file are written, and its last one always.
        for (const auto& [ms, value] : w) {
            auto it = std::find_if(samples.begin(), samples.end(), [&](const auto& p) { return p.first == ms; });
            ASSERT_NE(it, samples.end()) << series << " at " << ms;
            EXPECT_EQ(it->second, value) << series << " at " << ms;
        }
        EXPECT_EQ(w.back(), samples.back()) << series;
        for (int64_t t : interval_ends) {
            EXPECT_EQ(instant(w, t), instant(samples, t)) << series << " at " << t;
            compared++;
        }
    }
    EXPECT_EQ(compared, every.size() * interval_ends.size());
    EXPECT_GT(interval_ends.size(), 500u);
    // This capture is sparse enough that many interval ends are over 5 minutes apart,
    // where every series is written again; the busier the capture, the more is saved.
    EXPECT_LT(written_count * 10, every_count * 6) << written_count << " of " << every_count;

    // promtool takes the file, and the TSDB holds exactly the written samples.
    int status = -1;
    const std::string created = test::run_out("promtool tsdb create-blocks-from openmetrics " + sparse_om.string() +
                                                  " " + (dir / "tsdb").string(),
                                              &status);
    ASSERT_EQ(status, 0) << created;
    fs::create_directories(dir / "tsdb" / "wal");  // promtool tsdb dump opens it as a database
    const std::string dump = test::run_out("promtool tsdb dump " + (dir / "tsdb").string(), &status);
    ASSERT_EQ(status, 0) << dump.substr(0, 2000);
    size_t dumped = 0;
    std::istringstream lines(dump);
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with("{__name__=")) dumped++;
    EXPECT_EQ(dumped, written_count);
}
