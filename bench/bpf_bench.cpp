// ns/packet of the darkscope XDP program through BPF_PROG_TEST_RUN, as a ratio
// to the bare XDP_DROP program measured in the same run (bench/RESULTS.md).
//
// One source: one frame, repeat = 1,000,000 per call (the kernel's mean per run).
// Many sources: one call per frame with repeat = 1, the source rewritten before
// each call, cycling through all sources; the kernel's per-call duration then
// includes its timer (two clock reads), so the drop baseline is measured the
// same way, and a "net" ratio with that overhead removed is reported too.
// The first pass over the sources inserts their keys (reported as "new"); the
// median of the following passes is the steady state (every key present).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane/data_plane.h"
#include "support/frame_builder.h"
#include "xdp_drop.skel.h"

using namespace darkscope;

namespace {

constexpr int kRuns = 5;
constexpr uint32_t kHotRepeat = 1000000;

struct Frame {
    const char* name;
    std::vector<uint8_t> bytes;
    size_t src_at, src_len, dport_at;  // where the source address and destination port sit
};

// Sets frame i of a many-source sweep: IPv4 sources cycle through 198.18.0.0/15
// (131,072) and then the destination port; IPv6 sources are 2001:db8:X:Y::1 (one /64 each).
void set_source(Frame& f, uint32_t i) {
    uint8_t* p = f.bytes.data();
    if (f.src_len == 4) {
        const uint32_t host = i % 131072, port_step = i / 131072;
        const uint32_t addr = (198u << 24) | (18u << 16) | host;
        p[f.src_at] = addr >> 24, p[f.src_at + 1] = addr >> 16, p[f.src_at + 2] = addr >> 8, p[f.src_at + 3] = addr;
        const uint16_t port = static_cast<uint16_t>(1000 + port_step);
        p[f.dport_at] = port >> 8, p[f.dport_at + 1] = port & 0xff;
    } else {
        // 2001:db8:hi:lo::1, hi:lo = i
        p[f.src_at + 4] = (i >> 24) & 0xff, p[f.src_at + 5] = (i >> 16) & 0xff;
        p[f.src_at + 6] = (i >> 8) & 0xff, p[f.src_at + 7] = i & 0xff;
    }
}

uint32_t run(int prog_fd, const std::vector<uint8_t>& frame, uint32_t repeat) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = static_cast<uint32_t>(frame.size()),
                .repeat = static_cast<int>(repeat));
    if (bpf_prog_test_run_opts(prog_fd, &opts)) throw std::runtime_error(std::string("BPF_PROG_TEST_RUN: ") + strerror(errno));
    return opts.duration;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Mean ns per call over one pass of `sources` calls with repeat 1.
double pass(int prog_fd, Frame& f, uint32_t sources) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < sources; ++i) {
        set_source(f, i);
        total += run(prog_fd, f.bytes, 1);
    }
    return static_cast<double>(total) / sources;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<uint32_t> counts = {1, 100000, 1000000};
    if (argc > 1 && std::string(argv[1]) == "--quick") counts = {1, 100000};

    xdp_drop_bpf* drop = xdp_drop_bpf__open_and_load();
    if (!drop) {
        std::fprintf(stderr, "loading xdp_drop: %s (root needed)\n", strerror(errno));
        return 1;
    }
    const int drop_fd = bpf_program__fd(drop->progs.xdp_drop);

    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
    cfg.source_map_entries = 1u << 20;  // 1,048,576 per buffer: room for every source
    DataPlane dp(cfg);
    const int ds_fd = dp.prog_fd();

    using test::FrameBuilder;
    std::vector<Frame> frames = {
        {"tcp_syn_v4", FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").tcp(40000, 445, 0x02).build(), 26, 4, 36},
        {"udp_v4", FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").udp(40000, 161).payload(32).build(), 26, 4, 36},
        {"tcp_syn_v6", FrameBuilder().eth().ipv6("2001:db8::1", "2001:db8:dead::9").tcp(40000, 445, 0x02).build(), 22, 16, 56},
    };

    std::printf("| frame | sources | darkscope ns/pkt | drop ns/pkt | ratio | net ratio | new-source pass ns/pkt |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    // Timer overhead of a repeat-1 call: drop at repeat 1 minus drop at repeat 1e6.
    for (Frame& f : frames) {
        std::vector<double> hot, base;
        for (int r = 0; r < kRuns; ++r) {
            hot.push_back(run(ds_fd, f.bytes, kHotRepeat));
            base.push_back(run(drop_fd, f.bytes, kHotRepeat));
        }
        const double drop_hot = median(base), ds_hot = median(hot);
        std::printf("| %s | 1 | %.1f | %.1f | %.2fx | %.2fx | - |\n", f.name, ds_hot, drop_hot, ds_hot / drop_hot,
                    ds_hot / drop_hot);
        std::fflush(stdout);
        for (uint32_t n : counts) {
            if (n == 1) continue;
            dp.drain_sources(true);
            dp.drain_sources(true);  // both buffers empty
            const double fresh = pass(ds_fd, f, n);
            std::vector<double> steady, drops;
            for (int r = 0; r < kRuns; ++r) {
                steady.push_back(pass(ds_fd, f, n));
                drops.push_back(pass(drop_fd, f, n));
            }
            const double ds = median(steady), dr = median(drops);
            const double overhead = std::max(0.0, dr - drop_hot);
            std::printf("| %s | %u | %.1f | %.1f | %.2fx | %.2fx | %.1f |\n", f.name, n, ds, dr, ds / dr,
                        (ds - overhead) / drop_hot, fresh);
            std::fflush(stdout);
        }
    }
    // Where the time goes: a frame to a non-dark address stops after the prefix lookup.
    {
        auto light = test::FrameBuilder().eth().ipv4("198.18.0.1", "192.0.2.1").tcp(40000, 445, 0x02).build();
        std::vector<double> v;
        for (int r = 0; r < kRuns; ++r) v.push_back(run(ds_fd, light, kHotRepeat));
        std::printf("\nnot-dark IPv4 SYN (parse + one prefix lookup), 1 source: %.1f ns/pkt\n", median(v));
    }
    const auto stats = dp.read_stats();
    uint64_t unattributed = stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets;
    std::printf("\nunattributed packets (source map full): %llu\n", static_cast<unsigned long long>(unattributed));
    xdp_drop_bpf__destroy(drop);
    return 0;
}
