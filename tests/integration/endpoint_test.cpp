// The endpoint's exporter conventions, against the real agent: the landing page at
// "/", --version and darkscope_build_info, JSON logs, several listen addresses
// (IPv6, host names, the IPv6 wildcard), the web config file followed without a
// restart, and the interface's receive drops equal to the kernel's own counters.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/agent_harness.h"
#include "web/listen_address.h"

namespace {

using namespace darkscope::test;

std::string status(const std::string& netns, const std::string& args) {
    return run_out("ip netns exec " + netns + " curl -s -g -o /dev/null -w '%{http_code}' --max-time 5 " + args);
}

// "0.1.0 (revision: abc)" from the first line of `darkscope --version`.
std::string version_and_revision() {
    const std::string out = run_out(kBin + " --version");
    const std::string lead = "darkscope, version ";
    EXPECT_EQ(out.rfind(lead, 0), 0u) << out;
    return out.substr(lead.size(), out.find('\n') - lead.size());
}

TEST(Endpoint, LandingPageVersionBuildInfoAndJsonLogs) {
    Netns ns;
    const std::string sensor = "lp" + ns.tag;
    PinGuard guard{sensor};
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--log.format", "json"});
    Agent a(ns, args);
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();

    const std::string page = run_out(ns.in_sensor("curl -s -D - --max-time 5 http://127.0.0.1:9817/"));
    EXPECT_EQ(page.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << page;
    EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos) << page;
    EXPECT_NE(page.find("<a href=\"/metrics\">Metrics</a>"), std::string::npos) << page;
    const std::string version = version_and_revision();  // "X (revision: R)"
    EXPECT_NE(page.find("Version " + version + ".</p>"), std::string::npos) << version << "\n" << page;
    EXPECT_NE(page.find("<tr><th>sensor</th><td>" + sensor + "</td></tr>"), std::string::npos) << page;
    EXPECT_NE(page.find("<tr><th>" + ns.sif + "</th><td>XDP program attached ("), std::string::npos) << page;
    EXPECT_EQ(status(ns.sensor, "http://127.0.0.1:9817/nothing-here"), "404");

    // The metrics path still works, and darkscope_build_info carries the revision.
    const std::string v = version.substr(0, version.find(' '));
    const std::string rev = version.substr(version.find("revision: ") + 10, version.size() - 1 - version.find("revision: ") - 10);
    int build_info = 0;
    for (const auto& [k, val] : a.scrape())
        if (k.rfind("darkscope_build_info{", 0) == 0) {
            ++build_info;
            EXPECT_NE(k.find(",revision=\"" + rev + "\",version=\"" + v + "\"}"), std::string::npos) << k;
            EXPECT_EQ(val, 1);
        }
    EXPECT_EQ(build_info, 1);
    EXPECT_EQ(a.stop(), 0) << a.stderr_text();

    // Every line of the log is one JSON object: ts, level, msg.
    std::istringstream log(a.stderr_text());
    int lines = 0, serving = 0;
    for (std::string line; std::getline(log, line); ++lines) {
        nlohmann::json j;
        ASSERT_NO_THROW(j = nlohmann::json::parse(line)) << line;
        EXPECT_EQ(j.size(), 3u) << line;
        EXPECT_TRUE(j["level"] == "info" || j["level"] == "warn") << line;
        serving += j["msg"] == "serving metrics on http://127.0.0.1:9817/metrics";
    }
    EXPECT_GE(lines, 4);
    EXPECT_EQ(serving, 1) << a.stderr_text();
}

// Three IPv4 listen addresses: loopback, a host name (localhost), and the sensor's
// address on the veth, reached from the scanner namespace.
TEST(Endpoint, SeveralListenAddressesAllServe) {
    Netns ns;
    const std::string sensor = "la" + ns.tag;
    PinGuard guard{sensor};
    std::vector<std::string> args = base_args(ns, sensor);
    for (const std::string la : {"127.0.0.1:9817", "localhost:9819", "192.0.2.1:9820"})
        args.insert(args.end(), {"--web.listen-address", la});
    Agent a(ns, args);
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    for (const std::string url : {"http://127.0.0.1:9817", "http://127.0.0.1:9819", "http://192.0.2.1:9820"}) {
        EXPECT_EQ(status(ns.sensor, url + "/metrics"), "200") << url;
        EXPECT_EQ(status(ns.sensor, url + "/"), "200") << url;
    }
    EXPECT_EQ(status(ns.scanner, "http://192.0.2.1:9820/metrics"), "200");
    EXPECT_EQ(status(ns.scanner, "http://192.0.2.1:9817/metrics"), "000");  // only what was asked for
    EXPECT_NE(a.stderr_text().find("serving metrics on http://127.0.0.1:9817/metrics, http://localhost:9819/metrics, "
                                   "http://192.0.2.1:9820/metrics\""),
              std::string::npos)
        << a.stderr_text();
    EXPECT_EQ(a.stop(), 0) << a.stderr_text();
}

// [::1]:PORT serves where the system's civetweb has IPv6; Debian 12's has not, and
// then the start stops with one line saying so, before anything is attached.
TEST(Endpoint, Ipv6ListenAddress) {
    Netns ns;
    const std::string sensor = "l6" + ns.tag;
    PinGuard guard{sensor};
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--web.listen-address", "127.0.0.1:9817", "--web.listen-address", "[::1]:9818"});
    if (!darkscope::civetweb_has_ipv6()) {
        const BadStart r = bad_start(ns, args);
        EXPECT_EQ(r.status, 1) << r.err;
        expect_one_error_line(r, "cannot listen on [::1]:9818 ([::1]:9818): the system's civetweb was built without IPv6");
        EXPECT_FALSE(exists(pin_dir(sensor)));
        EXPECT_FALSE(ns.xdp_on_sensor_if());
        return;
    }
    Agent a(ns, args);
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    EXPECT_EQ(status(ns.sensor, "http://[::1]:9818/metrics"), "200");
    EXPECT_EQ(status(ns.sensor, "http://127.0.0.1:9817/metrics"), "200");
    EXPECT_EQ(a.stop(), 0) << a.stderr_text();
}

TEST(Endpoint, BadListenAddressesFailWithOneLine) {
    Netns ns;
    const std::string sensor = "lb" + ns.tag;
    PinGuard guard{sensor};
    const auto start_with = [&](std::vector<std::string> addresses) {
        std::vector<std::string> args = base_args(ns, sensor);
        for (const std::string& la : addresses) args.insert(args.end(), {"--web.listen-address", la});
        return bad_start(ns, args);
    };
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"127.0.0.1:99999"}, "invalid listen address '127.0.0.1:99999' (HOST:PORT, [IPv6]:PORT or :PORT)"},
        {{"no-such-host.invalid:9817"}, "cannot resolve the host of listen address 'no-such-host.invalid:9817'"},
        {{"127.0.0.1:9817", "localhost:9817"}, "listen address 'localhost:9817' is the same as '127.0.0.1:9817'"},
        {{"127.0.0.1:9817", "192.0.2.77:9818"}, "cannot listen on 192.0.2.77:9818: Cannot assign requested address"},
    };
    for (const auto& [addresses, needle] : cases) {
        const BadStart r = start_with(addresses);
        EXPECT_EQ(r.status, 1) << needle << "\n" << r.err;  // a value refused after parsing (README)
        expect_one_error_line(r, needle);
    }
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_FALSE(ns.xdp_on_sensor_if());
}

// exporter-toolkit's behaviour: the web config file is read on every request.
TEST(Endpoint, PasswordChangeTakesEffectWithoutRestart) {
    Netns ns;
    const std::string sensor = "pw" + ns.tag;
    PinGuard guard{sensor};
    const std::string dir = "/tmp/darkscope-pw-" + ns.tag;
    ASSERT_EQ(run("mkdir -p " + dir), 0);
    const auto hash_of = [](const std::string& password) {
        std::string line = run_out("htpasswd -nbBC 10 prom " + password);
        line = line.substr(line.find(':') + 1);
        return line.substr(0, line.find('\n'));
    };
    const auto write = [&](const std::string& yaml) {  // replaced whole, as editors and config tools do
        std::ofstream(dir + "/web.yml.new") << yaml;
        ASSERT_EQ(rename((dir + "/web.yml.new").c_str(), (dir + "/web.yml").c_str()), 0);
    };
    write("basic_auth_users:\n  prom: " + hash_of("old-pass") + "\n");
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--web.config.file", dir + "/web.yml"});
    Agent a(ns, args);
    a.curl_args = "-u prom:old-pass";
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    const std::string url = " http://127.0.0.1:9817";
    EXPECT_EQ(status(ns.sensor, "-u prom:old-pass" + url + "/metrics"), "200");
    EXPECT_EQ(status(ns.sensor, url + "/"), "401");  // the landing page too
    EXPECT_EQ(status(ns.sensor, "-u prom:old-pass" + url + "/"), "200");

    write("basic_auth_users:\n  prom: " + hash_of("new-pass") + "\n");
    EXPECT_EQ(status(ns.sensor, "-u prom:old-pass" + url + "/metrics"), "401");
    EXPECT_EQ(status(ns.sensor, "-u prom:new-pass" + url + "/metrics"), "200");
    EXPECT_EQ(status(ns.sensor, "-u prom:new-pass" + url + "/"), "200");

    // A broken file refuses everyone (fail closed), logged once; fixed, it serves again.
    write("basic_auth_users: [\n");
    EXPECT_EQ(status(ns.sensor, "-u prom:new-pass" + url + "/metrics"), "401");
    EXPECT_EQ(status(ns.sensor, "-u prom:new-pass" + url + "/metrics"), "401");
    write("basic_auth_users:\n  prom: " + hash_of("new-pass") + "\n");
    EXPECT_EQ(status(ns.sensor, "-u prom:new-pass" + url + "/metrics"), "200");
    ASSERT_GT(a.pid, 0);  // the same agent all along
    const std::string err = a.stderr_text();
    const std::string refused = "not valid YAML";
    EXPECT_NE(err.find(refused), std::string::npos) << err;
    EXPECT_EQ(err.find(refused, err.find(refused) + 1), std::string::npos) << err;
    EXPECT_NE(err.find("basic authentication users reloaded (1)"), std::string::npos) << err;
    EXPECT_EQ(a.stop(), 0) << err;
    run("rm -rf " + dir);
}

// Sends `count` Ethernet broadcast frames of an EtherType no protocol handles
// (0x88B5, IEEE local experimental) out of `ifname` in namespace `netns`. The XDP
// program passes non-IP frames; the receiving stack finds no handler and counts
// each in rx_dropped, deterministically.
bool send_unhandled_frames(const std::string& netns, const std::string& ifname, int count) {
    bool ok = false;
    std::thread t([&] {
        const int nsfd = open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) return;
        close(nsfd);
        const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) return;
        sockaddr_ll to{};
        to.sll_family = AF_PACKET;
        to.sll_ifindex = static_cast<int>(if_nametoindex(ifname.c_str()));
        to.sll_halen = ETH_ALEN;
        unsigned char frame[60] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x88, 0xb5};
        int sent = 0;
        for (int i = 0; i < count; ++i)
            sent += sendto(fd, frame, sizeof frame, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
                    static_cast<ssize_t>(sizeof frame);
        close(fd);
        ok = sent == count;
    });
    t.join();
    return ok;
}

TEST(Interface, ReceiveDropsAreTheKernelsCounters) {
    Netns ns;
    const std::string sensor = "rd" + ns.tag;
    PinGuard guard{sensor};
    Agent a(ns, base_args(ns, sensor));
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    const auto sysfs = [&](const std::string& counter) {
        return std::stod(run_out(ns.in_sensor("cat /sys/class/net/" + ns.sif + "/statistics/" + counter)));
    };
    const auto drops = [&](const Metrics& m, const std::string& reason) {
        return m.at(series("darkscope_interface_receive_drops_total", "interface=\"" + ns.sif + "\",reason=\"" +
                                                                          reason + "\""));
    };
    const double before = sysfs("rx_dropped");
    ASSERT_TRUE(send_unhandled_frames(ns.scanner, ns.pif, 25));
    for (int i = 0; i < 50 && sysfs("rx_dropped") < before + 25; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(sysfs("rx_dropped"), before + 25);
    // Each reason equals the kernel's file, read around the scrape (a reading
    // taken while a counter moved is taken again).
    const std::vector<std::pair<std::string, std::string>> files = {
        {"dropped", "rx_dropped"}, {"missed", "rx_missed_errors"}, {"fifo", "rx_fifo_errors"},
        {"overrun", "rx_over_errors"}, {"no_handler", "rx_nohandler"}};
    Metrics m;
    for (int attempt = 0; attempt < 5; ++attempt) {
        const double packets_before = sysfs("rx_packets");
        m = a.scrape();
        if (sysfs("rx_packets") == packets_before) {
            EXPECT_EQ(m.at(series("darkscope_interface_receive_packets_total", "interface=\"" + ns.sif + "\"")),
                      packets_before);
            break;
        }
    }
    EXPECT_EQ(drops(m, "dropped"), before + 25);
    for (const auto& [reason, file] : files) EXPECT_EQ(drops(m, reason), sysfs(file)) << reason;
    EXPECT_EQ(a.stop(), 0) << a.stderr_text();
}

}  // namespace
