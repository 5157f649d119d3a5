// Once attached, the agent holds no capability at all (every thread, every set,
// no_new_privs on): Agent.NmapAndHpingCountedExactly and
// Agent.SighupReloadsGeoipWithoutLosingCounts check it while the agent polls,
// serves, reloads GeoIP and stops cleanly. Here: the one exception.
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

}  // namespace
