#include "live/testbed.h"

#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "live/shell.h"

namespace darkscope::bench {

Testbed::Testbed(const std::string& sensor_mac) {
    const std::string tag = std::to_string(getpid());
    gen_ns = "lbG" + tag;
    sensor_ns = "lbS" + tag;
    gen_if = "lbg" + tag;
    sensor_if = "lbs" + tag;
    inject_if = "lbi" + tag;
    relay_if = "lbr" + tag;
    at_cleanup("ip netns del " + gen_ns);
    at_cleanup("ip netns del " + sensor_ns);
    const std::string S = "ip -n " + sensor_ns + " ", G = "ip -n " + gen_ns + " ";
    for (const std::string& c : {
             "ip netns add " + gen_ns,
             "ip netns add " + sensor_ns,
             "ip link add " + gen_if + " netns " + gen_ns + " type veth peer name " + sensor_if + " netns " + sensor_ns,
             G + "link set lo up",
             S + "link set lo up",
             S + "link set dev " + sensor_if + " address " + sensor_mac,
             S + "addr add 192.0.2.1/24 dev " + sensor_if,
             S + "addr add 2001:db8:1::1/64 dev " + sensor_if + " nodad",
             G + "addr add 192.0.2.2/24 dev " + gen_if,
             G + "addr add 2001:db8:1::2/64 dev " + gen_if + " nodad",
             G + "link set " + gen_if + " up",
             // The relay pair carries nothing but the generator's frames: no IPv6
             // link-local address, so no neighbour or router traffic of its own.
             G + "link add " + inject_if + " type veth peer name " + relay_if,
             G + "link set " + inject_if + " addrgenmode none",
             G + "link set " + relay_if + " addrgenmode none",
             G + "link set " + inject_if + " up",
             G + "link set " + relay_if + " up",
             S + "link set " + sensor_if + " up",
             S + "route add blackhole 198.51.100.0/24",
             S + "route add blackhole 2001:db8:dead::/48",
             in_sensor() + "ethtool -K " + sensor_if + " gro on",
             // `ip netns exec` mounts the namespace's own /sys, where the knob is.
             "ip netns exec " + sensor_ns + " sh -c 'echo 1 > /sys/class/net/" + sensor_if + "/threaded'",
         })
        run_checked(c);
}

Testbed::~Testbed() {
    run_out("ip netns del " + gen_ns);
    run_out("ip netns del " + sensor_ns);
}

std::string Testbed::in_sensor() const { return "nsenter --net=/run/netns/" + sensor_ns + " "; }

std::map<std::string, uint64_t> Testbed::ethtool_stats(const std::string& ns, const std::string& ifname) const {
    std::map<std::string, uint64_t> m;
    std::istringstream in(run_out("nsenter --net=/run/netns/" + ns + " ethtool -S " + ifname));
    for (std::string line; std::getline(in, line);) {
        const size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = line.substr(0, colon);
        key.erase(0, key.find_first_not_of(' '));
        try {
            m[key] = std::stoull(line.substr(colon + 1));
        } catch (...) {
        }
    }
    return m;
}

VethCounters Testbed::counters() const {
    auto s = ethtool_stats(sensor_ns, sensor_if);
    auto g = ethtool_stats(gen_ns, gen_if);
    VethCounters c;
    c.napi_frames = s["rx_queue_0_xdp_packets"];
    c.xdp_drops = s["rx_queue_0_xdp_drops"];
    c.ring_full = g["tx_queue_0_xdp_xmit_errors"];
    return c;
}

uint64_t Testbed::ip_in_receives() const {
    uint64_t total = 0;
    std::istringstream v6(run_out(in_sensor() + "cat /proc/net/snmp6"));
    for (std::string k, v; v6 >> k >> v;)
        if (k == "Ip6InReceives") total += std::stoull(v);
    // /proc/net/snmp: a header line of names, then a line of values, per protocol.
    std::istringstream v4(run_out(in_sensor() + "cat /proc/net/snmp"));
    std::string names, values;
    while (std::getline(v4, names) && std::getline(v4, values)) {
        if (names.rfind("Ip:", 0) != 0) continue;
        std::istringstream n(names), v(values);
        for (std::string a, b; n >> a && v >> b;)
            if (a == "InReceives") total += std::stoull(b);
    }
    return total;
}

pid_t Testbed::pin_receiver(int cpu, int nice) const {
    const std::string prefix = "napi/" + sensor_if + "-";
    pid_t found = 0;
    if (DIR* d = opendir("/proc")) {
        while (dirent* e = readdir(d)) {
            const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
            if (pid <= 0) continue;
            std::string comm = read_file("/proc/" + std::string(e->d_name) + "/comm");
            if (comm.rfind(prefix, 0) == 0) found = pid;
        }
        closedir(d);
    }
    if (!found) throw std::runtime_error("no NAPI thread for " + sensor_if + " (threaded NAPI not enabled?)");
    run_checked("taskset -pc " + std::to_string(cpu) + " " + std::to_string(found) + " >/dev/null");
    run_checked("renice -n " + std::to_string(nice) + " -p " + std::to_string(found) + " >/dev/null");
    return found;
}

void Testbed::wait_drained() const {
    uint64_t last = counters().napi_frames;
    for (int i = 0; i < 40; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        const uint64_t now = counters().napi_frames;
        if (now == last) return;
        last = now;
    }
}

}  // namespace darkscope::bench
