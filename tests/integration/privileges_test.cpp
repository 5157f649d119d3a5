// Once attached, the agent holds no capability at all (every thread, every set,
// no_new_privs on): Agent.NmapAndHpingCountedExactly and
// Agent.SighupReloadsGeoipWithoutLosingCounts check it while the agent polls,
// serves, reloads GeoIP and stops cleanly. Here: the one exception, and --user.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/agent_harness.h"

namespace {

using namespace darkscope::test;

// A metrics port below 1024 keeps CAP_NET_BIND_SERVICE (bit 10), and only it.
TEST(Privileges, LowPortKeepsOnlyNetBindService) {
    Netns ns;
    const std::string sensor = "pl" + ns.tag;
    PinGuard guard{sensor};
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--web.listen-address", "127.0.0.1:981"});
    Agent a(ns, args);
    a.url = "http://127.0.0.1:981";
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    expect_capabilities(a.pid, "0000000000000400");
    EXPECT_EQ(a.stop(SIGTERM), 0) << a.stderr_text();
    EXPECT_FALSE(exists(pin_dir(sensor)));
}

// --user: once attached the agent runs as that user (here nobody), with no
// capability, in every thread; it still counts, serves, reloads GeoIP, and on
// SIGTERM detaches and removes the pins it was given.
TEST(Privileges, RunsAsAnotherUserOnceAttached) {
    Netns ns;
    const std::string sensor = "pu" + ns.tag;
    PinGuard guard{sensor};
    const std::string db = "/tmp/darkscope-geoip-" + ns.tag + ".mmdb";
    ASSERT_EQ(run("cp " + kGeo + "/country-flat.mmdb " + db + " && chmod 0644 " + db), 0);
    std::vector<std::string> args = base_args(ns, sensor);
    args[7] = db;  // --geoip
    args.insert(args.end(), {"--user", "nobody"});
    Agent a(ns, args);
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    expect_capabilities(a.pid, "0000000000000000");
    for (const auto& t : thread_credentials(a.pid)) {
        EXPECT_EQ(t.at("Uid"), "65534\t65534\t65534\t65534") << t.at("Name");
        EXPECT_EQ(t.at("Gid"), "65534\t65534\t65534\t65534") << t.at("Name");
    }
    ASSERT_TRUE(hping(ns, "-S -p 23 -a 198.18.1.1 198.51.100.20", 3));
    kill(a.pid, SIGHUP);
    Metrics m = a.settle();
    EXPECT_EQ(m["darkscope_port_packets_total{port=\"23\",protocol=\"tcp\"}"], 3);
    EXPECT_EQ(m["darkscope_country_packets_total{country=\"XD\"}"], 3);
    EXPECT_NE(a.stderr_text().find("SIGHUP: GeoIP databases reloaded"), std::string::npos) << a.stderr_text();
    EXPECT_EQ(a.stop(SIGTERM), 0) << a.stderr_text();
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_FALSE(ns.xdp_on_sensor_if());
    // What was given to nobody and outlives this agent goes back to root.
    run("chown root:root /sys/fs/bpf/darkscope /run/darkscope 2>/dev/null");
    unlink(db.c_str());
}

// --user with --attack-log (issue #18, item 4): the log is opened as root, then
// rotated by the user. The agent gives the user the log's directory first, so that
// spdlog's renames work: 16 attacks, one per spoofed victim, ending within a second
// of each other, rotate a 1 KiB log at least 3 times, and every attack is in exactly
// one of the files, with no write error. The directory is the test's own (mkdtemp,
// root's, as a LogsDirectory= is), removed however the test ends.
TEST(Privileges, AttackLogRotatesUnderTheUserWithoutLosingAnEvent) {
    struct TempDir {
        std::string path;
        TempDir() {
            char tmpl[] = "/tmp/darkscope-attack-log-XXXXXX";
            path = mkdtemp(tmpl) ? tmpl : "";
        }
        ~TempDir() {
            if (!path.empty()) std::filesystem::remove_all(path);
        }
    } dir;
    ASSERT_FALSE(dir.path.empty());
    const std::string log = dir.path + "/attacks.json";
    constexpr int kVictims = 16, kMaxFiles = 20;  // room for one event per file
    Netns ns;
    const std::string sensor = "pa" + ns.tag;
    PinGuard guard{sensor};
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--user", "nobody", "--attack-log", log, "--attack-log-max-bytes", "1024",
                             "--attack-log-max-files", std::to_string(kMaxFiles), "--attack-min-packets", "5",
                             "--attack-min-duration", "0s", "--attack-window-packets", "5", "--attack-window", "5s",
                             "--attack-timeout", "1s"});
    Agent a(ns, args);
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    struct stat st {};
    ASSERT_EQ(stat(dir.path.c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 65534u) << "the log's directory belongs to the user";

    // SYN-ACKs from each victim 203.0.113.V to the dark prefix: backscatter, 10 each.
    std::set<std::string> victims;
    for (int v = 1; v <= kVictims; ++v) {
        const std::string victim = "203.0.113." + std::to_string(v);
        victims.insert(victim);
        ASSERT_TRUE(hping(ns, "-S -A -p 80 -a " + victim + " 198.51.100.9", 10)) << victim;
    }
    Metrics m;
    for (int i = 0; i < 100; ++i) {
        m = a.scrape();
        if (m["darkscope_backscatter_attacks_started_total"] == kVictims && m["darkscope_backscatter_attacks_active"] == 0)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(m["darkscope_backscatter_attacks_started_total"], kVictims);
    EXPECT_EQ(m["darkscope_backscatter_attacks_active"], 0);
    EXPECT_EQ(m["darkscope_backscatter_attack_log_write_errors_total"], 0);
    EXPECT_EQ(a.stop(SIGTERM), 0) << a.stderr_text();

    // Every attack once, across the live file and its rotations (none removed yet).
    std::multiset<std::string> logged;
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path)) {
        files++;
        ASSERT_EQ(stat(e.path().c_str(), &st), 0);
        EXPECT_EQ(st.st_uid, 65534u) << e.path() << " belongs to the user";
        std::ifstream in(e.path());
        for (std::string line; std::getline(in, line);) {
            const size_t at = line.find("\"victim\":\"");
            ASSERT_NE(at, std::string::npos) << line;
            logged.insert(line.substr(at + 10, line.find('"', at + 10) - at - 10));
        }
    }
    EXPECT_GE(files, 4) << "the log rotated at least 3 times";
    EXPECT_LE(files, kMaxFiles) << "no rotation removed a file";
    EXPECT_EQ(logged, std::multiset<std::string>(victims.begin(), victims.end()));
    run("chown root:root /sys/fs/bpf/darkscope /run/darkscope 2>/dev/null");
}

}  // namespace
