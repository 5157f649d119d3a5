// `darkscope report` over a quarter of ten sensors (bench/RESULTS.md): a quarter of
// sparse darknet traffic (2026-07-01..09-30, six probes every day) replayed into
// OpenMetrics (one sample a day), labelled as ten sensors, backfilled into a Prometheus of its own; then
// the report of the quarter, timed, against the cheapest question the same
// Prometheus answers: one `sum(increase(darkscope_packets_total[92d]))` (a
// dashboard's stat panel), measured in the same run.
//   report_bench [RUNS]   (root: replay loads the XDP program)
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "report/prometheus_server.h"

using namespace darkscope::test;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int64_t kQuarterStart = 1782864000LL * kSec;  // 2026-07-01 00:00 UTC
constexpr int kDays = 92, kSensors = 10;

std::vector<Frame> quarter() {
    static const uint16_t ports[] = {23, 445, 22, 80, 3389, 8080};
    std::vector<Frame> f;
    for (int d = 0; d < kDays; ++d)
        for (int i = 0; i < 6; ++i)
            f.push_back({kQuarterStart + d * kDay + (2 + 3 * i) * 3600 * kSec,
                         FrameBuilder().eth().ipv4("198.18." + std::to_string(d) + "." + std::to_string(i + 1), "203.0.113.7", 6)
                             .tcp(static_cast<uint16_t>(40000 + d), ports[(d + i) % 6], 0x02).build()});
    return f;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const int runs = argc > 1 ? std::atoi(argv[1]) : 3;
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line as it comes, also into a pipe
    TempDir work("report-bench");
    auto t = Clock::now();
    // One sample a day: replay --openmetrics reads the whole port array at every
    // sample today (about a second each here), which a backfill branch is fixing.
    const fs::path one = backfill(work.path(), "sensor-0", quarter(), "1d");
    std::vector<fs::path> om{one};
    for (int s = 1; s < kSensors; ++s) {
        const std::string name = "sensor-" + std::to_string(s);
        om.push_back(work.path() / (name + ".om"));
        fs::copy_file(one, om.back());
        run_status("sed -i 's/sensor=\"sensor-0\"/sensor=\"" + name + "\"/' " + om.back().string());
    }
    std::printf("replay + labels: %.1f s (OpenMetrics %.1f MB per sensor)\n", seconds_since(t),
                static_cast<double>(fs::file_size(one)) / 1e6);
    t = Clock::now();
    const PrometheusServer prom("report-bench-server", om);
    std::printf("backfill + Prometheus start: %.1f s\n", seconds_since(t));

    const int64_t to = kQuarterStart / kSec + kDays * 86400;
    std::vector<double> baseline, report;
    double accesses = 0;
    for (int r = 0; r < runs; ++r) {
        t = Clock::now();
        accesses = prom.number("sum(increase(darkscope_packets_total[92d]))", to);
        baseline.push_back(seconds_since(t));
        t = Clock::now();
        int status = -1;
        const std::string said = run_darkscope("report --prometheus " + prom.url() +
                                               " --from 2026-07-01 --to 2026-09-30 --out " +
                                               (work.path() / "report").string(), &status);
        report.push_back(seconds_since(t));
        if (status != 0) {
            std::fprintf(stderr, "report_bench: the report failed: %s", said.c_str());
            return 1;
        }
    }
    const nlohmann::json j = read_json(work.path() / "report" / "report.json");
    std::printf("report accesses %llu (expected %d), sensors %zu, increase() says %.1f\n",
                static_cast<unsigned long long>(j["period"]["summary"]["accesses"].get<uint64_t>()), kDays * 6 * kSensors,
                j["period"]["sensors"].size(), accesses);
    std::printf("| runs | report median s | baseline (one increase() query) median s | ratio | goal |\n");
    std::printf("| %d | %.2f | %.3f | %.0f | < 10 s |\n", runs, median(report), median(baseline), median(report) / median(baseline));
    return j["period"]["summary"]["accesses"].get<uint64_t>() == static_cast<uint64_t>(kDays * 6 * kSensors) ? 0 : 1;
}
