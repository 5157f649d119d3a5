// Two network namespaces joined by a veth pair: the generator's side and the
// sensor's side. The generator's side has a second veth pair of its own, inject ->
// relay, for the traffic generator's AF_PACKET relay (live/traffic_gen.h). The sensor's veth gets GRO on, so it always has a NAPI instance
// (veth_xdp_xmit needs one), and threaded NAPI, so its receive path runs in a
// kernel thread of its own that can be pinned to a CPU: the receiver's core.
// Everything is removed when the Testbed goes away (or by the signal cleanup).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

namespace darkscope::bench {

// Counters of the veth pair, read with ethtool -S.
struct VethCounters {
    uint64_t napi_frames = 0;  // frames the sensor side's NAPI took from its ring (XDP ran on each)
    uint64_t xdp_drops = 0;    // of those, dropped by an XDP program
    uint64_t ring_full = 0;    // frames the generator transmitted that found the ring full
};

class Testbed {
public:
    // IPv4 192.0.2.1/24 and IPv6 2001:db8:1::1/64 on the sensor side, whose MAC is
    // `sensor_mac`; the dark prefixes are null-routed (blackhole) there, as an
    // operator without a sensor would do.
    explicit Testbed(const std::string& sensor_mac);
    ~Testbed();
    Testbed(const Testbed&) = delete;
    Testbed& operator=(const Testbed&) = delete;

    std::string gen_ns, sensor_ns, gen_if, sensor_if;
    std::string inject_if, relay_if;  // both in gen_ns

    // A SendSpec's netns and interfaces for this testbed.
    template <class Spec>
    Spec& route(Spec& spec) const {
        spec.netns = gen_ns;
        spec.ifname = gen_if;
        spec.relay_ifname = relay_if;
        spec.inject_ifname = inject_if;
        return spec;
    }

    // "nsenter --net=/run/netns/<sensor> " (nsenter keeps the host's /sys/fs/bpf).
    std::string in_sensor() const;
    VethCounters counters() const;
    // IPv4 + IPv6 packets the sensor namespace's IP layer received (InReceives).
    uint64_t ip_in_receives() const;
    // Pins the sensor side's NAPI thread to `cpu` at `nice`; returns its pid. Called
    // before every measurement: the thread is recreated when the NAPI instance is.
    pid_t pin_receiver(int cpu, int nice) const;
    // Waits until the sensor side has drained its ring (bounded: 2 s).
    void wait_drained() const;

private:
    std::map<std::string, uint64_t> ethtool_stats(const std::string& ns, const std::string& ifname) const;
};

}  // namespace darkscope::bench
