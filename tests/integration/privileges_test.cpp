// Once attached, the agent holds no capability at all (every thread, every set,
// no_new_privs on) and still polls, serves scrapes, reloads GeoIP on SIGHUP and
// detaches and unpins on SIGTERM.
#include <gtest/gtest.h>
#include <dirent.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "support/agent_harness.h"

namespace {

using namespace darkscope::test;

// "CapEff" -> "0000000000000000" and so on, for each thread of a process.
std::vector<std::map<std::string, std::string>> thread_credentials(pid_t pid) {
    std::vector<std::map<std::string, std::string>> out;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream in(dir + "/" + e->d_name + "/status");
        std::map<std::string, std::string> fields;
        for (std::string line; std::getline(in, line);) {
            const size_t colon = line.find(':');
            if (line.rfind("Cap", 0) == 0 || line.rfind("NoNewPrivs", 0) == 0 || line.rfind("Name", 0) == 0)
                fields[line.substr(0, colon)] = line.substr(line.find_first_not_of(" \t", colon + 1));
        }
        out.push_back(fields);
    }
    closedir(d);
    return out;
}

void expect_capabilities(pid_t pid, const std::string& effective) {
    const auto threads = thread_credentials(pid);
    ASSERT_GE(threads.size(), 3u);  // main, civetweb's listener and workers, the DNS event reader
    for (const auto& t : threads) {
        EXPECT_EQ(t.at("CapEff"), effective) << t.at("Name");
        EXPECT_EQ(t.at("CapPrm"), effective) << t.at("Name");
        EXPECT_EQ(t.at("CapInh"), "0000000000000000") << t.at("Name");
        EXPECT_EQ(t.at("CapAmb"), "0000000000000000") << t.at("Name");
        EXPECT_EQ(t.at("CapBnd"), effective) << t.at("Name");
        EXPECT_EQ(t.at("NoNewPrivs"), "1") << t.at("Name");
    }
}

TEST(Privileges, NoCapabilityOnceAttached) {
    Netns ns;
    const std::string sensor = "pv" + ns.tag;
    PinGuard guard{sensor};
    const std::string db = "/tmp/darkscope-geoip-" + ns.tag + ".mmdb";
    ASSERT_EQ(run("cp " + kGeo + "/country-maxmind.mmdb " + db), 0);
    std::vector<std::string> args = base_args(ns, sensor);
    args[7] = db;  // --geoip
    Agent a(ns, args);
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    ASSERT_EQ(run_out("cat /proc/" + std::to_string(a.pid) + "/comm"), "darkscope\n");
    expect_capabilities(a.pid, "0000000000000000");

    ASSERT_TRUE(hping(ns, "-S -p 23 198.51.100.20", 4));
    Metrics m = a.settle();
    EXPECT_EQ(m["darkscope_port_packets_total{port=\"23\",protocol=\"tcp\"}"], 4);
    EXPECT_EQ(m["darkscope_country_packets_total{country=\"XA\"}"], 4);
    // SIGHUP with no privilege: the flat database replaces the MaxMind one.
    ASSERT_EQ(run("cp " + kGeo + "/country-flat.mmdb " + db + ".new && mv " + db + ".new " + db), 0);
    kill(a.pid, SIGHUP);
    ASSERT_TRUE(hping(ns, "-S -p 23 -a 198.18.1.1 198.51.100.20", 2));
    m = a.settle();
    EXPECT_EQ(m["darkscope_geoip_database_info{database_type=\"darkscope-test-country-flat\",layout=\"flat\",path=\"" +
                db + "\",role=\"country\"}"],
              1);
    EXPECT_EQ(m["darkscope_country_packets_total{country=\"XD\"}"], 2);
    EXPECT_EQ(m["darkscope_port_packets_total{port=\"23\",protocol=\"tcp\"}"], 6);

    // A clean stop with no capability still detaches and removes every pin.
    EXPECT_EQ(a.stop(SIGTERM), 0) << a.stderr_text();
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_FALSE(ns.xdp_on_sensor_if());
    unlink(db.c_str());
}

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

}  // namespace
