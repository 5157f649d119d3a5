// replay --openmetrics of a capture that goes back and forth between two days
// (issue #18, item 7): every frame steps to the other day, so every frame ends an
// interval and flushes. Each flush must cost what changed (it once read the
// 393,216-entry port array whole: 42 s for 400 frames); the counts must be exact.
// How long it takes is bench/alternating_days_bench's business, not this test's.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/alternating_capture.h"
#include "support/run_command.h"

namespace fs = std::filesystem;
using darkscope::test::AlternatingCapture;

namespace {

// A directory of the test's own, removed however the test ends.
struct TempDir {
    fs::path path = fs::temp_directory_path() / ("darkscope-alternating-test-" + std::to_string(getpid()));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
};

struct OpenMetricsSeries {
    double last = 0;           // the value at the latest timestamp
    int64_t last_ms = 0;
    bool monotonic = true;     // timestamps strictly rising, values never falling
};

// Reads name{labels} value seconds.millis lines: per series, its last value and
// whether it only ever grew over rising timestamps.
std::map<std::string, OpenMetricsSeries> read_openmetrics(const fs::path& path) {
    std::map<std::string, OpenMetricsSeries> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        const size_t ts_at = line.rfind(' '), value_at = line.rfind(' ', ts_at - 1);
        const auto ms = static_cast<int64_t>(std::llround(std::stod(line.substr(ts_at + 1)) * 1000));
        const double value = std::stod(line.substr(value_at + 1, ts_at - value_at - 1));
        auto [it, is_new] = out.try_emplace(line.substr(0, value_at));
        OpenMetricsSeries& s = it->second;
        if (!is_new && (ms <= s.last_ms || value < s.last)) s.monotonic = false;
        s.last = value;
        s.last_ms = ms;
    }
    return out;
}

void replay_alternating(uint32_t frames) {
    SCOPED_TRACE(std::to_string(frames) + " frames");
    const TempDir temp;
    const fs::path pcap = temp.path / "alternating.pcap", om = temp.path / "out.om";
    const AlternatingCapture spec{.frames = frames};
    darkscope::test::write_pcap_file(pcap.string(), darkscope::test::alternating_frames(spec));

    int status = -1;
    const std::string out = darkscope::test::run_out(std::string(DARKSCOPE_BIN) +
                                                         " replay --no-progress --format json --track-port 23,445 "
                                                         "--openmetrics " + om.string() + " " + pcap.string() +
                                                         " 2>/dev/null",
                                                     &status);
    ASSERT_EQ(status, 0) << out.substr(0, 2000);
    const nlohmann::json j = nlohmann::json::parse(out);
    const uint64_t n = frames, half = frames / 2;
    EXPECT_EQ(j["frames"], n);
    EXPECT_EQ(j["totals"]["dark_packets"], n);
    EXPECT_EQ(j["totals"]["probe_packets"], n);
    EXPECT_EQ(j["totals"]["unattributed_packets"], 0u);
    EXPECT_EQ(j["sources"]["distinct"], n);  // one source per frame
    EXPECT_EQ(j["first_timestamp"], "2024-10-04T12:00:00+0000");
    // The last frame is the second day's (frames is even): noon plus frames - 1 seconds.
    char last_ts[32];
    std::snprintf(last_ts, sizeof last_ts, "2024-10-05T%02u:%02u:%02u+0000", 12 + (frames - 1) / 3600,
                  (frames - 1) / 60 % 60, (frames - 1) % 60);
    EXPECT_EQ(j["last_timestamp"], last_ts);
    // Capture time never goes back in replay: a frame older than one already read
    // counts at the latest time read (docs/replay.md). So the first frame is the
    // first day's only one, and every later frame, of either day, is the second's.
    ASSERT_EQ(j["days"].size(), 2u) << j["days"].dump();
    EXPECT_EQ(j["days"][0]["day"], "2024-10-04");
    EXPECT_EQ(j["days"][0]["packets"], 1u);
    EXPECT_EQ(j["days"][0]["sources"], 1u);
    EXPECT_EQ(j["days"][1]["day"], "2024-10-05");
    EXPECT_EQ(j["days"][1]["packets"], n - 1);
    EXPECT_EQ(j["days"][1]["sources"], n - 1);
    std::map<uint16_t, uint64_t> ports;
    for (const auto& p : j["ports"]) ports[p["port"].get<uint16_t>()] = p["packets"];
    EXPECT_EQ(ports, (std::map<uint16_t, uint64_t>{{23, half}, {445, n - half}}));

    // The OpenMetrics file ends with the same totals, and every counter only grew.
    const auto series = read_openmetrics(om);
    auto last = [&](const std::string& name) {
        const auto it = series.find(name);
        return it == series.end() ? -1.0 : it->second.last;
    };
    EXPECT_EQ(last(R"(darkscope_port_packets_total{port="445",protocol="tcp"})"), static_cast<double>(n - half));
    EXPECT_EQ(last(R"(darkscope_port_packets_total{port="23",protocol="tcp"})"), static_cast<double>(half));
    EXPECT_EQ(last(R"(darkscope_port_packets_total{port="other",protocol="tcp"})"), 0.0);
    double syns = 0;
    for (const auto& [name, s] : series) {
        if (name.starts_with("darkscope_packets_total{")) syns += s.last;
        if (name.find("_total{") != std::string::npos) EXPECT_TRUE(s.monotonic) << name;
    }
    EXPECT_EQ(syns, static_cast<double>(n));
    EXPECT_EQ(last("darkscope_sources"), static_cast<double>(n - 1));  // distinct today, the second day
}

}  // namespace

TEST(ReplayAlternatingDays, FourHundredFramesEachStepFlushesExactCounts) { replay_alternating(400); }

TEST(ReplayAlternatingDays, FourThousandFramesEachStepFlushesExactCounts) { replay_alternating(4000); }
