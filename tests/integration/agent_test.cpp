// `darkscope run` end to end: a sensor namespace and a scanner namespace joined by
// a veth pair, the built binary attached on the sensor side, real nmap and hping3
// on the other, /metrics scraped over HTTP inside the sensor namespace. Every
// count is asserted exactly. Namespaces, links and pins are removed by guards.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "support/agent_harness.h"

namespace {

using namespace darkscope::test;

TEST(Agent, NmapAndHpingCountedExactly) {
    Netns ns;
    const std::string sensor = "it" + ns.tag;
    PinGuard guard{sensor};
    Agent agent(ns, base_args(ns, sensor));
    ASSERT_TRUE(agent.wait_ready()) << agent.stderr_text();
    // No capability left once attached: polls, scrapes and the clean stop need none.
    expect_capabilities(agent.pid, "0000000000000000");

    const std::map<int, int> v4 = nmap_probes(ns, "-p 22,23,80,443,445,3389,8080 198.51.100.10");
    const std::map<int, int> v6 = nmap_probes(ns, "-6 -p 22,445 2001:db8:dead::10");
    ASSERT_EQ(v4.size(), 7u);
    ASSERT_EQ(v6.size(), 2u);
    // Spoofed sources: 198.18.0.7 is "XD", 203.0.113.5 no country; 192.0.2.200 sends backscatter.
    ASSERT_TRUE(hping(ns, "-S -p 445 -a 198.18.0.7 198.51.100.20", 5));
    // hping3 starts UDP source ports at a random base in 1024-3023 and counts up: pin it,
    // or a run that crosses 1900 (SSDP) sends a reflection reply instead of a probe.
    ASSERT_TRUE(hping(ns, "-2 -s 40000 -p 1900 198.51.100.21", 4));
    ASSERT_TRUE(hping(ns, "-1 -a 203.0.113.5 198.51.100.22", 3));
    ASSERT_TRUE(hping(ns, "-S -A -s 80 -k -p 40000 -a 192.0.2.200 198.51.100.23", 2));

    const Metrics m = agent.settle();
    int v4_total = 0, v6_total = 0;
    for (auto [port, n] : v4) v4_total += n;
    for (auto [port, n] : v6) v6_total += n;
    auto at = [&](const std::string& k) {
        auto it = m.find(k);
        return it == m.end() ? -1.0 : it->second;
    };
    for (auto [port, n] : v4) {
        const int expected = n + (port == 445 ? 5 : 0) + (v6.count(port) ? v6.at(port) : 0);
        EXPECT_EQ(at(series("darkscope_port_packets_total", "port=\"" + std::to_string(port) + "\",protocol=\"tcp\"")),
                  expected)
            << "port " << port;
    }
    EXPECT_EQ(at(series("darkscope_packets_total", "class=\"syn\",protocol=\"tcp\"")), v4_total + v6_total + 5);
    EXPECT_EQ(at(series("darkscope_packets_total", "class=\"synack\",protocol=\"tcp\"")), 2);
    EXPECT_EQ(at(series("darkscope_packets_total", "class=\"udp\",protocol=\"udp\"")), 4);
    EXPECT_EQ(at(series("darkscope_packets_total", "class=\"echo_request\",protocol=\"icmp\"")), 3);
    EXPECT_EQ(at(series("darkscope_port_packets_total", "port=\"other\",protocol=\"udp\"")), 4);
    EXPECT_EQ(at(series("darkscope_port_packets_total", "port=\"8\",protocol=\"icmp\"")), 3);
    EXPECT_EQ(at(series("darkscope_port_sources", "port=\"445\",protocol=\"tcp\"")), 3);  // v4, v6, spoofed
    EXPECT_EQ(at(series("darkscope_port_sources", "port=\"22\",protocol=\"tcp\"")), 2);
    EXPECT_EQ(at(series("darkscope_port_sources", "port=\"3389\",protocol=\"tcp\"")), 1);
    EXPECT_EQ(at(series("darkscope_country_packets_total", "country=\"XA\"")), v4_total + 4);
    EXPECT_EQ(at(series("darkscope_country_packets_total", "country=\"XE\"")), v6_total);
    EXPECT_EQ(at(series("darkscope_country_packets_total", "country=\"XD\"")), 5);
    // Backscatter (the SYN-ACKs from 192.0.2.200) is no access: no country, no source.
    EXPECT_EQ(at(series("darkscope_country_packets_total", "country=\"XB\"")), -1);
    EXPECT_EQ(at(series("darkscope_country_packets_total", "country=\"ZZ\"")), 3);
    for (const char* cc : {"XA", "XD", "XE", "ZZ"})
        EXPECT_EQ(at(series("darkscope_country_sources", std::string("country=\"") + cc + "\"")), 1) << cc;
    EXPECT_EQ(at("darkscope_sources"), 4);
    EXPECT_EQ(at("darkscope_unattributed_packets_total"), 0);
    EXPECT_EQ(at(series("darkscope_xdp_attached", "interface=\"" + ns.sif + "\",mode=\"native\"")), 1);

    // promtool has nothing to say about the real output.
    const std::string file = "/tmp/darkscope-metrics-" + ns.tag + ".txt";
    std::ofstream(file) << agent.scrape_text();
    int st = 0;
    EXPECT_EQ(run_out(std::string(DARKSCOPE_PROMTOOL) + " check metrics < " + file, &st), "");
    EXPECT_EQ(st, 0);
    unlink(file.c_str());

    EXPECT_EQ(agent.stop(SIGINT), 0) << agent.stderr_text();
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_FALSE(ns.xdp_on_sensor_if());
}

// The seeds' bots try *these* ports (2967 with 135, 139, 445); an nmap sweep of 1,000
// ports hits them too, and must not count as a bot: past --port-combination-max-ports
// (32) distinct ports a source is a scanner, in no combination, counted apart.
TEST(Agent, PortCombinationsLeaveScannersOut) {
    Netns ns;
    const std::string sensor = "pc" + ns.tag;
    PinGuard guard{sensor};
    Agent agent(ns, base_args(ns, sensor));
    ASSERT_TRUE(agent.wait_ready()) << agent.stderr_text();
    const std::map<int, int> sweep = nmap_probes(ns, "--min-rate 5000 -p 1-1000,2967 198.51.100.40");
    ASSERT_EQ(sweep.size(), 1001u);
    for (int port : {2967, 135, 139, 445}) ASSERT_TRUE(hping(ns, "-S -p " + std::to_string(port) + " -a 198.18.0.9 198.51.100.41", 1));
    const Metrics m = agent.settle();
    EXPECT_EQ(m.at("darkscope_port_combination_sources{combination=\"symantec-av-bot\"}"), 1);
    EXPECT_EQ(m.at("darkscope_port_combination_sources{combination=\"smb-netbios\"}"), 1);
    EXPECT_EQ(m.at("darkscope_port_combination_scanner_sources"), 1);
    EXPECT_EQ(m.at("darkscope_port_combination_untracked_sources"), 0);
    EXPECT_EQ(agent.stop(), 0) << agent.stderr_text();
}

// A port seen for the first time: 200 UDP probes within one poll to a port outside
// --track-port. It is admitted (>= 100 probes) and its series carries all 200 from the
// first; today's table has it exactly too.
TEST(Agent, ALatePortCarriesItsFirstPackets) {
    Netns ns;
    const std::string sensor = "lp" + ns.tag;
    PinGuard guard{sensor};
    Agent agent(ns, base_args(ns, sensor));
    ASSERT_TRUE(agent.wait_ready()) << agent.stderr_text();
    const std::string out = run_out(ns.in_scanner("hping3 -q -2 -s 40000 -i u200 -c 200 -p 40123 198.51.100.50"));
    ASSERT_NE(out.find("200 packets transmitted"), std::string::npos) << out;
    const Metrics m = agent.settle();
    EXPECT_EQ(m.at("darkscope_port_packets_total{port=\"40123\",protocol=\"udp\"}"), 200);
    EXPECT_EQ(m.at("darkscope_port_packets_today{port=\"40123\",protocol=\"udp\"}"), 200);
    EXPECT_EQ(m.at("darkscope_country_packets_today{country=\"XA\"}"), 200);
    EXPECT_EQ(m.at("darkscope_port_packets_total{port=\"other\",protocol=\"udp\"}"), 0)
        << "admitted before any scrape exported its packets in other";
    EXPECT_EQ(agent.stop(), 0) << agent.stderr_text();
}

TEST(Agent, RestartContinuesPinnedCounts) {
    Netns ns;
    const std::string sensor = "rs" + ns.tag;
    PinGuard guard{sensor};
    std::vector<std::string> args = base_args(ns, sensor);
    {
        auto keep = args;
        keep.push_back("--keep-pinned");
        Agent a(ns, keep);
        ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
        ASSERT_TRUE(hping(ns, "-S -p 445 198.51.100.20", 5));
        Metrics m = a.settle();
        EXPECT_EQ(m["darkscope_port_packets_total{port=\"445\",protocol=\"tcp\"}"], 5);
        EXPECT_EQ(m["darkscope_country_packets_total{country=\"XA\"}"], 5);
        EXPECT_EQ(a.stop(SIGTERM), 0) << a.stderr_text();  // saves its own figures too
    }
    // No agent: the program stays attached and keeps counting into the pinned maps.
    EXPECT_TRUE(exists(pin_dir(sensor) + "/stats"));
    EXPECT_TRUE(ns.xdp_on_sensor_if());
    ASSERT_TRUE(hping(ns, "-S -p 445 198.51.100.20", 3));
    const std::string status = run_out(kBin + " status --sensor-name " + sensor);
    EXPECT_NE(status.find("interface " + ns.sif + ": attached, native mode"), std::string::npos) << status;
    EXPECT_NE(status.find("dark packets: 8 "), std::string::npos) << status;
    // The pinned signatures map: all 8 SYNs under hping3's window 512, TTL 64, no options.
    EXPECT_TRUE(std::regex_search(status, std::regex("\n +512 +64 +none +8 +100\\.0%\n"))) << status;

    // The next agent continues the kernel's counts and its own figures: the country
    // and the one source of the first agent, and the 3 packets sent in between
    // (their per-source entries waited in the pinned maps).
    std::vector<std::string> saving = args;
    saving.insert(saving.end(), {"--state-save-interval", "200ms"});
    {
        Agent b(ns, saving);
        ASSERT_TRUE(b.wait_ready()) << b.stderr_text();
        ASSERT_TRUE(hping(ns, "-S -p 22 198.51.100.20", 2));
        Metrics m = b.settle();
        EXPECT_EQ(m["darkscope_port_packets_total{port=\"445\",protocol=\"tcp\"}"], 8);
        EXPECT_EQ(m["darkscope_port_packets_total{port=\"22\",protocol=\"tcp\"}"], 2);
        EXPECT_EQ(m["darkscope_packets_total{class=\"syn\",protocol=\"tcp\"}"], 10);
        EXPECT_EQ(m["darkscope_country_packets_total{country=\"XA\"}"], 10);
        EXPECT_EQ(m["darkscope_sources"], 1);
        EXPECT_NE(b.stderr_text().find("continuing the per-country and unique-source figures"), std::string::npos)
            << b.stderr_text();
        // Killed: what it saved last (every 200 ms here) is what the next one continues.
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
        EXPECT_EQ(b.stop(SIGKILL), 128 + SIGKILL);
    }
    Agent c(ns, args);
    ASSERT_TRUE(c.wait_ready()) << c.stderr_text();
    ASSERT_TRUE(hping(ns, "-S -p 23 -a 198.18.0.7 198.51.100.20", 1));
    Metrics m = c.settle();
    EXPECT_EQ(m["darkscope_packets_total{class=\"syn\",protocol=\"tcp\"}"], 11);
    EXPECT_EQ(m["darkscope_country_packets_total{country=\"XA\"}"], 10);
    EXPECT_EQ(m["darkscope_country_packets_total{country=\"XD\"}"], 1);
    EXPECT_EQ(m["darkscope_sources"], 2);
    EXPECT_EQ(m["darkscope_port_sources{port=\"445\",protocol=\"tcp\"}"], 1);
    EXPECT_EQ(c.stop(SIGTERM), 0) << c.stderr_text();
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_FALSE(exists("/run/darkscope/" + sensor + ".state"));
    EXPECT_FALSE(ns.xdp_on_sensor_if());
}

// Usage errors exit 2 with one line and a pointer to the help, whatever CLI11's
// internal code for them (106 for a missing value, 109 for an unknown flag, ...).
TEST(Cli, UsageErrorsExitTwoWithOneLinePointingToHelp) {
    for (const std::string args : {"run --no-such-flag", "run --interface", "replay", "no-such-command"}) {
        int st = -1;
        const std::string err = run_out(kBin + " " + args, &st);  // stderr: nothing goes to stdout
        EXPECT_EQ(st, 2) << args << ": " << err;
        EXPECT_EQ(err.rfind("darkscope: error: ", 0), 0u) << args << ": " << err;
        EXPECT_EQ(err.find('\n'), err.size() - 1) << args << ": " << err;
        EXPECT_NE(err.find("(see darkscope --help)"), std::string::npos) << args << ": " << err;
    }
}

size_t count_of(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

// The status and state files name sources and victims: owner-only, in an
// owner-only directory. A write that fails (here a directory squats the status
// file's temporary name) is counted at every poll and logged once per streak.
TEST(Agent, StateFilesAreOwnerOnlyAndFailedWritesAreCountedAndLoggedOnce) {
    Netns ns;
    const std::string sensor = "pf" + ns.tag;
    PinGuard guard{sensor};
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--state-save-interval", "200ms"});
    Agent a(ns, args);
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    const std::string status = "/run/darkscope/" + sensor + ".json", state = "/run/darkscope/" + sensor + ".state";
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    auto mode = [](const std::string& p) {
        struct stat st {};
        return stat(p.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
    };
    EXPECT_EQ(mode("/run/darkscope"), 0700u);
    EXPECT_EQ(mode(status), 0600u);
    EXPECT_EQ(mode(state), 0600u);

    ASSERT_EQ(mkdir((status + ".tmp").c_str(), 0700), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // about 6 polls fail
    EXPECT_GE(a.settle()["darkscope_state_file_write_failures_total{file=\"status\"}"], 2);
    ASSERT_EQ(rmdir((status + ".tmp").c_str()), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    const Metrics m = a.settle();
    const std::string err = a.stderr_text();
    const std::string warning = "cannot write " + status + ".tmp: Is a directory";
    EXPECT_EQ(count_of(err, warning), 1) << err;
    const std::regex again(std::regex_replace(status, std::regex("[.]"), "[.]") + " written again after ([0-9]+) ");
    std::smatch n;
    ASSERT_TRUE(std::regex_search(err, n, again)) << err;
    EXPECT_EQ(m.at("darkscope_state_file_write_failures_total{file=\"status\"}"), std::stod(n[1]));
    EXPECT_EQ(m.at("darkscope_state_file_write_failures_total{file=\"state\"}"), 0);
    EXPECT_EQ(mode(status + ".tmp"), 0u);
    EXPECT_EQ(a.stop(SIGTERM), 0) << err;
}

// The process metrics of every Prometheus client library, read from /proc at
// scrape time; checked against the same files read here with awk.
TEST(Agent, ExportsTheStandardProcessMetrics) {
    Netns ns;
    const std::string sensor = "pm" + ns.tag;
    PinGuard guard{sensor};
    Agent a(ns, base_args(ns, sensor));
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    const Metrics m = a.settle();
    const std::string pid = std::to_string(a.pid);
    const double start = std::stod(run_out("awk -v hz=$(getconf CLK_TCK) -v bt=$(awk '/^btime/ {print $2}' /proc/stat) "
                                           "'{sub(/.*\\) /, \"\"); printf \"%.2f\", bt + $20 / hz}' /proc/" + pid + "/stat"));
    EXPECT_NEAR(m.at("process_start_time_seconds"), start, 1e-6);
    EXPECT_EQ(m.at("process_max_fds"), std::stod(run_out("awk '/^Max open files/ {print $4}' /proc/" + pid + "/limits")));
    EXPECT_GT(m.at("process_resident_memory_bytes"), 1e6);
    EXPECT_GT(m.at("process_virtual_memory_bytes"), m.at("process_resident_memory_bytes"));
    EXPECT_GT(m.at("process_open_fds"), 3);
    EXPECT_GE(m.at("process_cpu_seconds_total"), 0);
    EXPECT_EQ(a.stop(SIGTERM), 0) << a.stderr_text();
}

// A killed agent leaves its program attached and its maps pinned (by design: the
// data plane keeps counting); `darkscope cleanup` detaches and unpins it.
TEST(Agent, CleanupRemovesWhatAKilledAgentLeft) {
    Netns ns;
    const std::string sensor = "cl" + ns.tag;
    PinGuard guard{sensor};
    {
        Agent a(ns, base_args(ns, sensor));
        ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
        ASSERT_TRUE(hping(ns, "-S -p 23 198.51.100.30", 4));
        EXPECT_EQ(a.settle()["darkscope_port_packets_total{port=\"23\",protocol=\"tcp\"}"], 4);
        EXPECT_EQ(a.stop(SIGKILL), 128 + SIGKILL);
    }
    ASSERT_TRUE(exists(pin_dir(sensor) + "/stats"));
    ASSERT_TRUE(ns.xdp_on_sensor_if());
    ASSERT_TRUE(hping(ns, "-S -p 23 198.51.100.30", 2));  // still counted with no agent
    EXPECT_NE(run_out(kBin + " status --sensor-name " + sensor).find("dark packets: 6 "), std::string::npos);

    int status = -1;
    const std::string out = run_out(kBin + " cleanup --sensor-name " + sensor + " 2>&1", &status);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("link_" + ns.sif + " (detached)"), std::string::npos) << out;
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_FALSE(ns.xdp_on_sensor_if());

    // Nothing left: naming the sensor again is an error of one line.
    const std::string again = run_out(kBin + " cleanup --sensor-name " + sensor + " 2>&1", &status);
    EXPECT_NE(status, 0);
    EXPECT_EQ(again, "darkscope: error: no sensor '" + sensor + "' pinned under /sys/fs/bpf/darkscope\n");
}

TEST(Agent, SighupReloadsGeoipWithoutLosingCounts) {
    Netns ns;
    const std::string sensor = "hu" + ns.tag;
    PinGuard guard{sensor};
    const std::string db = "/tmp/darkscope-geoip-" + ns.tag + ".mmdb";
    ASSERT_EQ(run("cp " + kGeo + "/country-maxmind.mmdb " + db), 0);
    std::vector<std::string> args = base_args(ns, sensor);
    args[7] = db;  // --geoip
    Agent a(ns, args);
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    expect_capabilities(a.pid, "0000000000000000");  // the reloads below need none
    ASSERT_TRUE(hping(ns, "-S -p 23 198.51.100.20", 4));
    Metrics m = a.settle();
    EXPECT_EQ(m["darkscope_country_packets_total{country=\"XA\"}"], 4);
    const std::string info_mm = "darkscope_geoip_database_info{database_type=\"darkscope-test-Country\","
                                "layout=\"maxmind\",path=\"" + db + "\",role=\"country\"}";
    EXPECT_EQ(m[info_mm], 1);

    // A broken file: the reload fails, the old database stays.
    ASSERT_EQ(run("sh -c 'echo not-a-database > " + db + ".new && mv " + db + ".new " + db + "'"), 0);
    kill(a.pid, SIGHUP);
    m = a.settle();
    EXPECT_EQ(m[info_mm], 1);
    // The flat database: reloaded, and the counts go on.
    ASSERT_EQ(run("cp " + kGeo + "/country-flat.mmdb " + db + ".new && mv " + db + ".new " + db), 0);
    kill(a.pid, SIGHUP);
    ASSERT_TRUE(hping(ns, "-S -p 23 -a 198.18.1.1 198.51.100.20", 2));
    m = a.settle();
    EXPECT_EQ(m.count(info_mm), 0u);
    EXPECT_EQ(m["darkscope_geoip_database_info{database_type=\"darkscope-test-country-flat\",layout=\"flat\",path=\"" +
                db + "\",role=\"country\"}"],
              1);
    EXPECT_EQ(m["darkscope_country_packets_total{country=\"XA\"}"], 4);
    EXPECT_EQ(m["darkscope_country_packets_total{country=\"XD\"}"], 2);
    EXPECT_EQ(m["darkscope_port_packets_total{port=\"23\",protocol=\"tcp\"}"], 6);
    EXPECT_EQ(a.stop(), 0);
    unlink(db.c_str());
}

TEST(Agent, YamlConfigWithFlagsOverriding) {
    Netns ns;
    const std::string sensor = "cf" + ns.tag;
    PinGuard guard{sensor};
    const std::string cfg = "/tmp/darkscope-config-" + ns.tag + ".yaml";
    std::ofstream(cfg) << "interface: [" << ns.sif << "]\n"
                       << "dark-prefix:\n  - 198.51.100.0/24\n"
                       << "geoip: [" << kGeo << "/country-flat.mmdb]\n"
                       << "poll-interval: 200ms\n"
                       << "sensor-name: " << sensor << "\n"
                       << "track-port: [9999]\n"
                       << "web:\n  telemetry-path: /from-file\n";
    Agent a(ns, {"--config", cfg, "--web.telemetry-path", "/from-flag"});
    a.path = "/from-flag";
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    ASSERT_TRUE(hping(ns, "-S -p 9999 198.51.100.20", 3));
    Metrics m = a.settle();
    EXPECT_EQ(m["darkscope_port_packets_total{port=\"9999\",protocol=\"tcp\"}"], 3);
    EXPECT_EQ(m.count("darkscope_port_packets_total{port=\"445\",protocol=\"tcp\"}"), 0u);  // list replaced
    EXPECT_TRUE(exists(pin_dir(sensor)));
    EXPECT_EQ(a.stop(), 0);
    unlink(cfg.c_str());
}

TEST(Agent, BadInputFailsCleanly) {
    Netns ns;
    const std::string sensor = "bd" + ns.tag;
    PinGuard guard{sensor};
    auto with = [&](std::vector<std::pair<std::string, std::string>> changes) {
        std::vector<std::string> args = base_args(ns, sensor);
        for (auto& [flag, value] : changes) {
            bool done = false;
            for (size_t i = 0; i + 1 < args.size(); ++i)
                if (args[i] == flag && !done) args[i + 1] = value, done = true;
            if (!done) args.insert(args.end(), {flag, value});
        }
        return args;
    };
    auto nothing_left = [&] {
        EXPECT_FALSE(exists(pin_dir(sensor)));
        EXPECT_FALSE(ns.xdp_on_sensor_if());
    };

    expect_one_error_line(bad_start(ns, with({{"--interface", "nosuch0"}})), "interface 'nosuch0' does not exist");
    nothing_left();
    expect_one_error_line(bad_start(ns, with({{"--dark-prefix", "198.51.100.0/33"}})), "198.51.100.0/33");
    nothing_left();
    expect_one_error_line(bad_start(ns, with({{"--dark-prefix", "198.51.100.7/24"}})), "198.51.100.7/24");
    nothing_left();
    expect_one_error_line(bad_start(ns, with({{"--geoip", kGeo + "/missing.mmdb"}})), "missing.mmdb");
    nothing_left();
    const std::string junk = "/tmp/darkscope-junk-" + ns.tag + ".mmdb";
    std::ofstream(junk) << "country_code,XA\n";
    expect_one_error_line(bad_start(ns, with({{"--geoip", junk}})), "not a MaxMind DB");
    unlink(junk.c_str());
    nothing_left();
    expect_one_error_line(bad_start(ns, with({{"--xdp-mode", "fast"}})), "--xdp-mode");
    nothing_left();
    expect_one_error_line(bad_start(ns, with({{"--web.listen-address", "127.0.0.1:99999"}})), "99999");
    nothing_left();
    // Durations: one parser for every option (tests/unit/duration_test.cpp has the rest).
    expect_one_error_line(bad_start(ns, with({{"--poll-interval", "1e-10"}})),
                          "--poll-interval must be between 10ms and 1h, not '1e-10'");
    nothing_left();
    expect_one_error_line(bad_start(ns, with({{"--state-save-interval", "nan"}})),
                          "invalid duration 'nan' for --state-save-interval");
    nothing_left();
    expect_one_error_line(bad_start(ns, with({{"--scan-window", "0"}})), "--scan-window must be between 1s and 1d, not '0'");
    nothing_left();
    expect_one_error_line(bad_start(ns, with({{"--reflection-port", "99999"}})),
                          "invalid port '99999' for --reflection-port");
    nothing_left();

    // Not enough privilege: the same command as an ordinary user, from a copy it can run.
    const std::string dir = "/tmp/darkscope-nopriv-" + ns.tag;
    ASSERT_EQ(run("mkdir -p " + dir + " && cp " + kBin + " " + dir + "/ && cp " + kGeo + "/country-maxmind.mmdb " + dir +
                  "/ && chmod -R a+rX " + dir),
              0);
    {
        std::vector<std::string> args = with({{"--geoip", dir + "/country-maxmind.mmdb"}});
        std::vector<std::string> argv = {"nsenter", "--net=/run/netns/" + ns.sensor, "setpriv", "--reuid=65534",
                                         "--regid=65534", "--clear-groups", dir + "/darkscope", "run"};
        argv.insert(argv.end(), args.begin(), args.end());
        std::string cmd;
        for (auto& a : argv) cmd += a + " ";
        int st = 0;
        const std::string out = run_out(cmd, &st);
        expect_one_error_line({st, out}, "not enough privilege");
    }
    run("rm -rf " + dir);
    nothing_left();

    // Port in use and an interface already running XDP: a first agent holds both.
    PinGuard first_guard{"first" + ns.tag};
    Agent first(ns, base_args(ns, "first" + ns.tag));
    ASSERT_TRUE(first.wait_ready()) << first.stderr_text();
    expect_one_error_line(bad_start(ns, with({{"--interface", "lo"}})), "cannot listen on 127.0.0.1:9817");
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_EQ(run_out("ip -n " + ns.sensor + " link show lo").find("xdp"), std::string::npos);
    expect_one_error_line(bad_start(ns, with({{"--web.listen-address", "127.0.0.1:9818"}})),
                          "already runs another XDP program");
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_EQ(first.stop(), 0);
    nothing_left();
}

}  // namespace
