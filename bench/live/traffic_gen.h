// The live benchmark's traffic generator: bpf/trafficgen.bpf.c run through
// BPF_PROG_RUN in live-frames mode, so every run transmits one frame out of an
// interface, each from the next of N distinct sources, as fast as the calling CPU
// can or paced by the program itself (one frame per interval, the rest dropped
// before transmission).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct trafficgen_bpf;

namespace darkscope::bench {

struct SendResult {
    uint64_t sent = 0;   // frames the program transmitted (the sender's count)
    double seconds = 0;  // from the first call to the end of the last
    double rate() const { return seconds > 0 ? sent / seconds : 0; }
};

struct SendSpec {
    std::string netns;           // a name under /run/netns
    std::string ifname;          // the interface frames leave by (in netns)
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
    // Bounded: at most rate x seconds frames, nothing sent after `seconds`; the last
    // call may run on for a fraction of a second, transmitting nothing.
    SendResult send(const SendSpec& spec);

private:
    SendResult send_here(int ifindex, const SendSpec& spec);

    trafficgen_bpf* skel_ = nullptr;
};

}  // namespace darkscope::bench
