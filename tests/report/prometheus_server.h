// A Prometheus of the caller's own, loaded by backfill (promtool), and replay's
// OpenMetrics labelled with a sensor: for the report's tests and benchmark.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "report/report_fixture.h"

namespace darkscope::test {

// A Prometheus of the test's own on a free port, its data in a temporary directory,
// stopped (by pid) and removed at the end.
class PrometheusServer {
public:
    PrometheusServer(const std::string& tag, const std::vector<fs::path>& openmetrics) : dir_(tag) {
        std::ofstream(dir_.path() / "prometheus.yml") << "global:\n  scrape_interval: 1h\n";
        for (const fs::path& om : openmetrics) {
            int status = -1;
            const std::string out = run_out("promtool tsdb create-blocks-from openmetrics " + om.string() + " " +
                                                (dir_.path() / "data").string(), &status);
            EXPECT_EQ(status, 0) << out;
        }
        port_ = 19600 + getpid() % 300;
        while (run_status("ss -ltn 'sport = :" + std::to_string(port_) + "' | grep -q LISTEN") == 0) ++port_;
        pid_ = fork();
        if (pid_ == 0) {
            const std::string config = "--config.file=" + (dir_.path() / "prometheus.yml").string();
            const std::string data = "--storage.tsdb.path=" + (dir_.path() / "data").string();
            const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
            freopen((dir_.path() / "prometheus.log").c_str(), "w", stderr);
            execlp("prometheus", "prometheus", config.c_str(), data.c_str(), listen.c_str(),
                   "--storage.tsdb.retention.time=100y", "--log.level=warn", nullptr);
            _exit(127);
        }
        for (int i = 0; i < 300 && run_status("curl -sf " + url() + "/-/ready") != 0; ++i)  // at most 30 s
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ~PrometheusServer() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    PrometheusServer(const PrometheusServer&) = delete;
    PrometheusServer& operator=(const PrometheusServer&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // One number: an instant query at `time` whose answer is a single sample (or none: 0).
    double number(const std::string& promql, int64_t time) const {
        const std::string out = run_out("curl -sf " + url() + "/api/v1/query --data-urlencode 'query=" + promql +
                                        "' --data-urlencode time=" + std::to_string(time));
        const nlohmann::json j = nlohmann::json::parse(out);
        const nlohmann::json& result = j["data"]["result"];
        EXPECT_LE(result.size(), 1u) << promql;
        return result.empty() ? 0.0 : std::stod(result[0]["value"][1].get<std::string>());
    }

private:
    TempDir dir_;
    int port_ = 0;
    pid_t pid_ = -1;
};

// Labels every darkscope sample of an OpenMetrics file with sensor="NAME".
inline void label_sensor(const fs::path& om, const std::string& sensor) {
    run_status("sed -i -e 's/^\\(darkscope_[a-z_]*\\){/\\1{sensor=\"" + sensor + "\",/' -e 's/^\\(darkscope_[a-z_]*\\) /\\1{sensor=\"" +
               sensor + "\"} /' " + om.string());
}

// replay --openmetrics of a capture, every sample labelled with the sensor's name
// (what the scrape configuration's target label gives live).
inline fs::path backfill(const fs::path& work, const std::string& sensor, const std::vector<Frame>& frames,
                         const std::string& interval = "1h", const std::string& options = "") {
    const fs::path pcap = work / (sensor + ".pcap"), om = work / (sensor + ".om");
    write_pcap(pcap, frames);
    int status = -1;
    const std::string out = run_darkscope("replay --no-progress --interval " + interval + " " + options + " --openmetrics " +
                                          om.string() + " " + pcap.string() + " >/dev/null", &status);
    EXPECT_EQ(status, 0) << out;
    label_sensor(om, sensor);
    return om;
}

}  // namespace darkscope::test
