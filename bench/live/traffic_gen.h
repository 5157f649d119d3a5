// The live benchmark's and the flood tests' traffic generator: bench/bpf/trafficgen.bpf.c
// gives every frame the next of N distinct sources, and sends them out of an
// interface as fast as the calling CPU can, or paced. Two methods, picked at run
// time (the first that this kernel allows):
//
// - live frames: BPF_PROG_RUN with BPF_F_TEST_XDP_LIVE_FRAMES and XDP_TX. The
//   fastest, but some kernels refuse it (EPERM, seen on 6.18.44-fc-v1300).
// - AF_PACKET relay: an AF_PACKET socket (PACKET_QDISC_BYPASS, sendmmsg) sends
//   template frames into a veth whose peer runs the same program natively, which
//   rewrites them and XDP_REDIRECTs them out of the sending interface. Frames then
//   reach the receiver as xdp_frames either way, as from a NIC.
//
// DARKSCOPE_TRAFFICGEN=live-frames|af-packet forces one method (to test both on a
// kernel that allows live frames); a forced method that fails is an error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct trafficgen_bpf;

namespace darkscope::bench {

enum class SendMethod { LiveFrames, AfPacketRelay };
const char* method_name(SendMethod m);  // "live frames", "AF_PACKET relay"

struct SendResult {
    uint64_t sent = 0;   // frames the program transmitted (the sender's count)
    double seconds = 0;  // from the first frame to the end of the last
    SendMethod method = SendMethod::LiveFrames;
    double rate() const { return seconds > 0 ? sent / seconds : 0; }
};

struct SendSpec {
    std::string netns;           // a name under /run/netns
    std::string ifname;          // the interface frames leave by (in netns)
    std::string relay_ifname;    // AF_PACKET relay: the veth the program is attached to...
    std::string inject_ifname;   // ...and its peer, where the socket sends (both in netns)
    std::vector<uint8_t> frame;  // the template; the program sets source and port
    uint32_t sources = 1;        // distinct sources to cycle through
    double rate = 0;             // frames per second; 0: as fast as possible
    double seconds = 1;          // how long to send (at most rate x seconds frames)
    uint64_t count = 0;          // if set: at most this many frames (at full speed too)
    int cpu = 1;                 // the sending thread is pinned here
    int nice = 0;                // and runs at this nice value
};

class TrafficGen {
public:
    TrafficGen();  // throws std::runtime_error (root needed)
    ~TrafficGen();
    TrafficGen(const TrafficGen&) = delete;
    TrafficGen& operator=(const TrafficGen&) = delete;

    // Sends from a thread of its own that enters spec.netns and is pinned to spec.cpu.
    // Bounded: at most rate x seconds frames (or count), nothing sent after `seconds`.
    // The first send picks the method; a fallback is said once on stderr.
    SendResult send(const SendSpec& spec);
    // The method sends use (after the first send; before it, the one that will be tried).
    SendMethod method() const { return method_; }

private:
    void reset_counters(const SendSpec& spec);
    SendResult result() const;
    void send_live_frames(int ifindex, const SendSpec& spec);
    void send_af_packet(int ifindex, const SendSpec& spec);

    struct SkelDeleter {
        void operator()(trafficgen_bpf* s) const;
    };
    std::unique_ptr<trafficgen_bpf, SkelDeleter> skel_;
    SendMethod method_ = SendMethod::LiveFrames;
    bool forced_ = false;  // DARKSCOPE_TRAFFICGEN named the method: no fallback
};

}  // namespace darkscope::bench
