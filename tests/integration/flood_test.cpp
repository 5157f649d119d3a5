// A flood of spoofed sources, and a kill -9 of the agent in the middle of one.
// The live benchmark's generator (bench/live: live frames where the kernel allows
// them, else an AF_PACKET relay; the method is printed) sends TCP SYNs from distinct sources in 198.18.0.0/15 (then varied ports) over a
// veth pair; the sensor side's veth counts the frames its XDP program ran on, and
// darkscope's totals must equal that count exactly: nothing lost, nothing counted
// twice, across the crash and the restart. A scraper checks throughout that
// /metrics answers within Prometheus's default scrape timeout (10 s).
// DARKSCOPE_FLOOD_PACKETS sets the size of each flood (default 1,000,000;
// scripts/bench.sh runs 10,000,000); the figures go to stdout for bench/RESULTS.md.
//
// Everything a test starts is owned by an object that undoes it when it goes away:
// the namespaces (Testbed), the agent and its pins (Sensor), the scraper and sender
// threads (std::jthread), so a failed ASSERT prints its message and leaves nothing
// running. Flood.AFailedAssertionLeavesNothingBehind checks that in a child process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "live/shell.h"
#include "live/testbed.h"
#include "live/traffic_gen.h"
#include "support/frame_builder.h"

namespace {

using namespace darkscope::bench;
using Clock = std::chrono::steady_clock;

const char* kSensorMac = "02:00:00:00:00:02";  // FrameBuilder's destination MAC
constexpr double kScrapeTimeout = 10;         // Prometheus's default scrape_timeout

uint64_t flood_packets() {
    const char* v = std::getenv("DARKSCOPE_FLOOD_PACKETS");
    return v ? std::strtoull(v, nullptr, 10) : 1000000;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::map<std::string, double> parse_metrics(const std::string& text) {
    std::map<std::string, double> m;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        const size_t sp = line.rfind(' ');
        try {
            m[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
        } catch (...) {
        }
    }
    return m;
}

// Every frame the program ran on lands in one counter: dark (dropped), passed (the
// link's own IPv6 neighbour and router traffic, say) or malformed.
double all_frames(const std::map<std::string, double>& m);

// Sum of every series of one metric ("darkscope_packets_total" over its labels).
double sum_of(const std::map<std::string, double>& m, const std::string& name) {
    double s = 0;
    for (const auto& [k, v] : m)
        if (k.rfind(name + "{", 0) == 0 || k == name) s += v;
    return s;
}

double all_frames(const std::map<std::string, double>& m) {
    return sum_of(m, "darkscope_packets_total") + sum_of(m, "darkscope_passed_packets_total") +
           sum_of(m, "darkscope_malformed_packets_total");
}

// kB of a /proc/PID/status field (VmRSS, VmHWM).
uint64_t status_kb(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
    return 0;
}

// Bytes of kernel memory charged to the BPF maps a process holds (the memlock line
// of each map's fdinfo): fixed when the maps are created, whatever the traffic.
uint64_t map_memlock_bytes(pid_t pid) {
    uint64_t total = 0;
    const std::string dir = "/proc/" + std::to_string(pid) + "/fdinfo";
    std::istringstream fds(run_out("ls " + dir));
    for (std::string fd; fds >> fd;) {
        std::ifstream in(dir + "/" + fd);
        bool map = false;
        uint64_t memlock = 0;
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("map_type:", 0) == 0) map = true;
            if (line.rfind("memlock:", 0) == 0) memlock = std::stoull(line.substr(8));
        }
        if (map) total += memlock;
    }
    return total;
}

// The agent in the sensor namespace. Owns the process and its pins: whatever ends
// the test, the destructor kills a running agent and removes what it pinned.
class Sensor {
public:
    Sensor(Testbed& tb, std::string name) : tb_(tb), name_(std::move(name)), log_("/tmp/darkscope-flood-" + name_ + ".log") {}
    ~Sensor() {
        if (pid_ > 0) stop(pid_, SIGKILL, 5);
        run_out(std::string(DARKSCOPE_BIN) + " cleanup --sensor-name " + name_);
        unlink(log_.c_str());
    }
    Sensor(const Sensor&) = delete;
    Sensor& operator=(const Sensor&) = delete;

    const std::string& name() const { return name_; }
    pid_t pid() const { return pid_; }
    std::string log() const { return read_file(log_); }

    // The agent with the flood tests' options, or `options` (after --interface and
    // --sensor-name) instead.
    void start(std::vector<std::string> options = {
                   "--dark-prefix", "198.51.100.0/24", "--poll-interval", "1s",
                   // A small per-source table and buffer, so the flood overflows them
                   // within one poll even at the AF_PACKET relay's rate on a slow
                   // machine (> 16k/s per CPU past the table's 4,096).
                   "--source-map-entries", "16384", "--source-cache-slots", "4096", "--log-level", "warn"}) {
        std::fflush(nullptr);  // the child would write our buffered output again
        std::vector<std::string> argv = {"nsenter", "--net=/run/netns/" + tb_.sensor_ns, DARKSCOPE_BIN, "run",
                                         "--interface", tb_.sensor_if, "--sensor-name", name_};
        argv.insert(argv.end(), options.begin(), options.end());
        pid_ = spawn(argv, log_);
    }
    // Sends `sig` and waits for the exit; returns stop()'s status (-1: killed).
    int signal_and_wait(int sig, double seconds) {
        const int st = stop(pid_, sig, seconds);
        pid_ = -1;
        return st;
    }
    std::string scrape_text(double timeout = kScrapeTimeout) const {
        char t[32];
        std::snprintf(t, sizeof t, "%.1f", timeout);
        return run_out(tb_.in_sensor() + "curl -sf --max-time " + t + " http://127.0.0.1:9817/metrics");
    }
    std::map<std::string, double> scrape() const { return parse_metrics(scrape_text()); }
    bool wait_ready() const {
        for (int i = 0; i < 600; ++i) {
            if (scrape_text(1).find("darkscope_xdp_attached{") != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }
    // Two complete polls after now, so all that the data plane counted is folded in.
    std::map<std::string, double> settle() const {
        const double start = scrape()["darkscope_polls_total"];
        for (int i = 0; i < 200; ++i) {
            auto m = scrape();
            if (m["darkscope_polls_total"] >= start + 2) return m;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ADD_FAILURE() << "the agent stopped polling";
        return scrape();
    }

private:
    Testbed& tb_;
    std::string name_, log_;
    pid_t pid_ = -1;
};

// Scrapes every 250 ms on a thread of its own; `down` marks the window in which the
// agent is deliberately dead, whose failed scrapes are expected. The jthread is
// stopped and joined when the Scraper goes away, on every path out of a test.
struct Scraper {
    const Sensor& sensor;
    std::atomic<bool> down{false};
    std::mutex mu;
    double slowest = 0;
    int answered = 0, failed = 0, failed_while_down = 0;
    std::jthread thread;

    explicit Scraper(const Sensor& s) : sensor(s) {
        thread = std::jthread([this](std::stop_token stop) {
            while (!stop.stop_requested()) {
                const bool was_down = down;
                const auto t0 = Clock::now();
                const bool ok = sensor.scrape_text().find("darkscope_packets_total") != std::string::npos;
                const double took = seconds_since(t0);
                {
                    std::lock_guard lock(mu);
                    if (ok) answered++, slowest = std::max(slowest, took);
                    else if (was_down || down) failed_while_down++;
                    else failed++;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
            }
        });
    }
    void finish() {
        thread.request_stop();
        if (thread.joinable()) thread.join();
    }
};

SendSpec flood_spec(const Testbed& tb, uint64_t packets) {
    SendSpec spec;
    tb.route(spec);
    spec.frame = darkscope::test::FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9", 6).tcp(40000, 445, 0x02).build();
    spec.sources = static_cast<uint32_t>(packets);  // every packet from a source of its own
    spec.count = packets;
    spec.seconds = 120;
    return spec;
}

TEST(Flood, SpoofedSourcesAndAKilledAgentLoseNothing) {
    const uint64_t packets = flood_packets();
    Testbed tb(kSensorMac);
    Sensor sensor(tb, "fl" + std::to_string(getpid()));
    sensor.start();
    ASSERT_TRUE(sensor.wait_ready()) << sensor.log();
    TrafficGen gen;
    SendSpec spec = flood_spec(tb, packets);
    Scraper scraper(sensor);
    const uint64_t memlock_before = map_memlock_bytes(sensor.pid());

    // 1. The flood at full speed, with the agent up.
    const SendResult flood = gen.send(spec);
    tb.wait_drained();
    auto m = sensor.settle();
    const VethCounters after_flood = tb.counters();
    const double dark = sum_of(m, "darkscope_packets_total");
    const double unattributed = m["darkscope_unattributed_packets_total"];
    const uint64_t rss_kb = status_kb(sensor.pid(), "VmRSS"), hwm_kb = status_kb(sensor.pid(), "VmHWM");
    EXPECT_EQ(flood.sent, packets);
    EXPECT_EQ(dark, after_flood.xdp_drops) << "every frame the program dropped is counted once as dark";
    EXPECT_EQ(all_frames(m), after_flood.napi_frames) << "every frame the program ran on is counted once";
    EXPECT_GT(unattributed, 0) << "new sources beyond the per-source buffer within one poll";
    EXPECT_EQ(sum_of(m, "darkscope_country_packets_total") + unattributed, dark)
        << "each packet is attributed to a source (and country) or counted as unattributed";
    EXPECT_LT(hwm_kb, 512u * 1024) << "the agent's memory budget (docs/operations.md)";
    const uint64_t memlock_after = map_memlock_bytes(sensor.pid());
    EXPECT_GT(memlock_before, 0u);
    EXPECT_EQ(memlock_after, memlock_before) << "kernel map memory is fixed at load";
    std::printf("flood (%s): %llu sent in %.2f s (%.0f/s), %llu reached the program (%llu ring full), counted %.0f, "
                "unattributed %.0f, sources today %.0f; agent VmRSS %llu KiB, VmHWM %llu KiB; "
                "kernel map memory %llu KiB before and %llu KiB after\n",
                method_name(flood.method), (unsigned long long)flood.sent, flood.seconds, flood.rate(),
                (unsigned long long)after_flood.napi_frames, (unsigned long long)after_flood.ring_full, dark,
                unattributed, m["darkscope_sources"], (unsigned long long)rss_kb, (unsigned long long)hwm_kb,
                (unsigned long long)(memlock_before / 1024), (unsigned long long)(memlock_after / 1024));
    std::fflush(stdout);  // before the restart forks

    // 2. The same number of packets paced over ~5 s (fewer if the generator cannot
    // keep the pace); the agent is killed with SIGKILL after 1.5 s and started again
    // at once. The program stays attached and counts meanwhile.
    spec.rate = static_cast<double>(packets) / 5;
    spec.seconds = 5;
    SendResult paced;
    double before_kill = 0, gap = 0;
    bool back = false;
    {
        std::jthread sender([&] { paced = gen.send(spec); });  // joined at the end of this block
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        before_kill = sum_of(sensor.scrape(), "darkscope_packets_total");
        scraper.down = true;
        const auto killed_at = Clock::now();
        EXPECT_EQ(sensor.signal_and_wait(SIGKILL, 5), -1);
        sensor.start();
        back = sensor.wait_ready();
        gap = seconds_since(killed_at);
        scraper.down = false;
    }
    ASSERT_TRUE(back) << sensor.log();
    tb.wait_drained();
    m = sensor.settle();
    const VethCounters end = tb.counters();
    const double total = sum_of(m, "darkscope_packets_total");
    EXPECT_GT(paced.sent, 0u);
    EXPECT_GT(before_kill, dark) << "the kill came during the flood";
    EXPECT_GT(total, before_kill);
    EXPECT_EQ(total, end.xdp_drops) << "no packet lost or counted twice across kill -9 and restart";
    EXPECT_EQ(all_frames(m), end.napi_frames);
    scraper.finish();
    EXPECT_EQ(scraper.failed, 0) << "scrapes that failed while the agent was up";
    EXPECT_LT(scraper.slowest, kScrapeTimeout);
    std::printf("kill -9 during a paced flood (%s): %llu sent in %.2f s, %llu reached the program (%llu ring full), "
                "counted %.0f in all = the veth's count; restart gap (kill to first scrape with the program "
                "attached) %.2f s; scrapes: %d answered (slowest %.3f s), %d failed while up, %d while down\n",
                method_name(paced.method), (unsigned long long)paced.sent, paced.seconds,
                (unsigned long long)(end.napi_frames - after_flood.napi_frames),
                (unsigned long long)(end.ring_full - after_flood.ring_full), total, gap, scraper.answered,
                scraper.slowest, scraper.failed, scraper.failed_while_down);

    EXPECT_EQ(sensor.signal_and_wait(SIGTERM, 30), 0) << sensor.log();
}

// Issue #18 item 3: ten million distinct spoofed IPv6 sources, one per /64 (the agent
// counts IPv6 sources per /64 by default), through the real XDP program into an agent
// with the default --day-max-sources (1,048,576). Every frame comes from a source of
// its own, so what is exactly known is the number of distinct sources the agent was
// given: the dark packets less those the per-source buffer could not take
// (unattributed). The day's set stops at the cap, the figure goes on as an estimate
// within the HyperLogLog's error, and the agent stays under the memory budget of
// docs/operations.md ("The agent's memory") without restarting.
//
// Asked for at 100,000 frames/s for at most 100 s: under the AF_PACKET relay's
// ~200,000/s, so the test runs the same whichever way the kernel lets the generator
// send, and under the default per-source buffer (262,144 entries) per 1 s poll. On a
// busy 2-CPU machine the generator reaches less (39,000-51,000/s with live frames here:
// 4.3-5.6 million of the 10 sent in the bound), so what is asserted is what reached the agent,
// which must be well past the cap. About 2 minutes: label long (ctest -LE long skips
// it). Prints the agent's bytes per source (its RSS above the idle agent over the
// cap) for docs/operations.md.
TEST(Flood, TenMillionSourcesKeepTheAgentInItsMemoryBudget) {
    constexpr uint64_t kSources = 10000000;
    constexpr double kRate = 100000;
    constexpr double kCap = 1048576;               // --day-max-sources' default
    constexpr uint64_t kBudgetKb = 1024 * 1024;    // a full day's peak, 1 GiB: docs/operations.md
    constexpr double kHllBound = 4 * 0.016;        // 4 standard errors of the sketch
    Testbed tb(kSensorMac);
    Sensor sensor(tb, "fm" + std::to_string(getpid()));
    sensor.start({"--dark-prefix", "2001:db8:dead::/48", "--poll-interval", "1s", "--log-level", "warn"});
    ASSERT_TRUE(sensor.wait_ready()) << sensor.log();
    const pid_t agent = sensor.pid();
    const double started = sensor.settle()["process_start_time_seconds"];
    const uint64_t idle_kb = status_kb(agent, "VmRSS");

    TrafficGen gen;
    SendSpec spec;
    tb.route(spec);
    spec.frame =
        darkscope::test::FrameBuilder().eth().ipv6("2001:db8::1", "2001:db8:dead::9", 6).tcp(40000, 445, 0x02).build();
    spec.sources = static_cast<uint32_t>(kSources);
    spec.count = kSources;
    spec.rate = kRate;
    spec.seconds = kSources / kRate + 10;
    SendResult sent;
    std::atomic<bool> done{false};
    std::vector<std::pair<double, uint64_t>> samples;  // (darkscope_sources, VmRSS KiB) each second
    {
        std::jthread sender([&] {
            sent = gen.send(spec);
            done = true;
        });
        const auto t0 = Clock::now();
        while (seconds_since(t0) < spec.seconds + 5) {
            std::this_thread::sleep_for(std::chrono::seconds(1));
            auto m = sensor.scrape();
            samples.emplace_back(m["darkscope_sources"], status_kb(agent, "VmRSS"));
            if (done) break;
        }
    }
    tb.wait_drained();
    auto m = sensor.settle();
    const VethCounters veth = tb.counters();
    const double dark = sum_of(m, "darkscope_packets_total");
    const double unattributed = m["darkscope_unattributed_packets_total"];
    const double given = dark - unattributed;  // distinct sources the agent was given
    const double sources = m["darkscope_sources"];
    const uint64_t hwm_kb = status_kb(agent, "VmHWM"), rss_kb = status_kb(agent, "VmRSS");
    const double bytes_per_source = (hwm_kb - idle_kb) * 1024.0 / kCap;

    EXPECT_EQ(dark, veth.xdp_drops) << "every frame the program dropped is counted once as dark";
    EXPECT_EQ(sum_of(m, "darkscope_country_packets_total"), given)
        << "one packet per source: each attributed packet is a source of its own";
    ASSERT_GT(given, 1.5 * kCap) << "too few sources reached the agent to go past the cap (sent " << sent.sent
                                 << " by " << method_name(sent.method) << ")";
    EXPECT_EQ(m["darkscope_sources_estimated"], 1);
    EXPECT_GE(sources, kCap) << "the exact count of the full set is a floor";
    EXPECT_NEAR(sources, given, kHllBound * given);
    EXPECT_LT(hwm_kb, kBudgetKb) << "peak RSS above the documented budget";
    EXPECT_EQ(kill(agent, 0), 0) << "the agent died:\n" << sensor.log();
    EXPECT_EQ(m["process_start_time_seconds"], started) << "the agent restarted";
    std::printf("%llu distinct IPv6 /64 sources (%s) sent in %.1f s (%.0f/s), %llu reached the program "
                "(%llu ring full), dark %.0f, unattributed %.0f: %.0f sources given to the agent, "
                "darkscope_sources %.0f (%+.2f %%), estimated %.0f; agent VmRSS idle %llu KiB, at the end %llu KiB, "
                "VmHWM %llu KiB: %.0f bytes per source of the full set (cap %.0f)\n",
                (unsigned long long)sent.sent, method_name(sent.method), sent.seconds, sent.rate(),
                (unsigned long long)veth.napi_frames, (unsigned long long)veth.ring_full, dark, unattributed, given,
                sources, 100 * (sources - given) / given, m["darkscope_sources_estimated"],
                (unsigned long long)idle_kb, (unsigned long long)rss_kb, (unsigned long long)hwm_kb,
                bytes_per_source, kCap);
    for (const auto& [n, kb] : samples) std::printf("  sources %.0f: VmRSS %llu KiB\n", n, (unsigned long long)kb);
    EXPECT_EQ(sensor.signal_and_wait(SIGTERM, 60), 0) << sensor.log();
}

// Run only by the test below, in a child process: everything started (namespaces,
// relay, agent, pins, a scraper and a sender thread), then an ASSERT fails while
// all of it is live. It prints what it made, for the parent to look for afterwards.
TEST(Flood, DISABLED_FailsOnPurposeWithEverythingRunning) {
    Testbed tb(kSensorMac);
    Sensor sensor(tb, "ff" + std::to_string(getpid()));
    sensor.start();
    ASSERT_TRUE(sensor.wait_ready()) << sensor.log();
    TrafficGen gen;
    SendSpec spec = flood_spec(tb, 20000);
    spec.rate = 10000;
    spec.seconds = 2;
    Scraper scraper(sensor);
    std::jthread sender([&] { gen.send(spec); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    std::printf("made: netns %s %s agent %d sensor %s\n", tb.gen_ns.c_str(), tb.sensor_ns.c_str(), (int)sensor.pid(),
                sensor.name().c_str());
    std::fflush(stdout);
    ASSERT_EQ(sensor.scrape_text().find("darkscope_packets_total"), std::string::npos) << "failing on purpose";
}

TEST(Flood, AFailedAssertionLeavesNothingBehind) {
    char self[4096] = {};
    ASSERT_GT(readlink("/proc/self/exe", self, sizeof self - 1), 0);
    int status = 0;
    const std::string out = run_out(std::string(self) +
                                        " --gtest_also_run_disabled_tests"
                                        " --gtest_filter=Flood.DISABLED_FailsOnPurposeWithEverythingRunning",
                                    &status);
    EXPECT_EQ(status, 1) << "a failed test, not a crash (std::terminate would be -1):\n" << out;
    EXPECT_NE(out.find("failing on purpose"), std::string::npos) << "gtest's message is printed:\n" << out;
    std::istringstream made(out.substr(std::min(out.size(), out.find("made: "))));
    std::string word, gen_ns, sensor_ns, sensor_name;
    int agent = 0;
    made >> word >> word >> gen_ns >> sensor_ns >> word >> agent >> word >> sensor_name;
    ASSERT_FALSE(sensor_name.empty()) << "the child says what it made:\n" << out;
    const std::string namespaces = run_out("ip netns list");
    EXPECT_EQ(namespaces.find(gen_ns), std::string::npos) << namespaces;
    EXPECT_EQ(namespaces.find(sensor_ns), std::string::npos) << namespaces;
    EXPECT_NE(kill(agent, 0), 0) << "the agent (pid " << agent << ") still runs";
    struct stat st{};
    EXPECT_NE(stat(("/sys/fs/bpf/darkscope/" + sensor_name).c_str(), &st), 0) << "pins left in /sys/fs/bpf";
    EXPECT_EQ(run_out("ip -o link show | grep -c 'lb[girs]" + gen_ns.substr(3) + "'"), "0\n") << "links left";
}

}  // namespace
