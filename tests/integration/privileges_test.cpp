// Once attached, the agent holds no capability at all (every thread, every set,
// no_new_privs on): Agent.NmapAndHpingCountedExactly and
// Agent.SighupReloadsGeoipWithoutLosingCounts check it while the agent polls,
// serves, reloads GeoIP and stops cleanly. Here: the one exception, and --user.
#include <gtest/gtest.h>
#include <signal.h>

#include <string>
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

}  // namespace
