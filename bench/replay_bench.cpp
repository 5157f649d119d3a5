// How fast `darkscope replay` goes: writes a capture of N frames (default one
// million: TCP SYNs, UDP probes and IPv6 SYNs from 131,072 sources of
// 198.18.0.0/15 and 2001:db8::/32, to varied ports), replays it RUNS times through
// the real program and accumulator, and prints the median, min and max wall time.
//   bench/replay_bench [FRAMES] [RUNS]
#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "replay/replay.h"
#include "support/frame_builder.h"
#include "verdict.h"

using namespace darkscope;

int main(int argc, char** argv) {
    const uint64_t frames = argc > 1 ? std::stoull(argv[1]) : 1'000'000;
    const int runs = argc > 2 ? std::stoi(argv[2]) : 3;
    const std::string path =
        (std::filesystem::temp_directory_path() / ("darkscope-replay-bench-" + std::to_string(getpid()) + ".pcap"))
            .string();

    pcap_t* dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
    if (!d) {
        std::fprintf(stderr, "replay_bench: %s\n", pcap_geterr(dead));
        return 1;
    }
    const int64_t start_ns = 1728086400LL * 1'000'000'000;  // one hour of capture time
    for (uint64_t i = 0; i < frames; ++i) {
        const uint32_t s = static_cast<uint32_t>(i % 131072);
        const std::string src = "198." + std::to_string(18 + (s >> 16)) + "." + std::to_string((s >> 8) & 255) + "." +
                                std::to_string(s & 255);
        const uint16_t port = static_cast<uint16_t>(1 + (i * 7919) % 1024);
        test::FrameBuilder b;
        switch (i % 3) {
        case 0: b.eth().ipv4(src, "203.0.113.9", 6).tcp(40000, port, 0x02); break;
        case 1: b.eth().ipv4(src, "203.0.113.9", 17).udp(40000, port); break;
        default: b.eth().ipv6("2001:db8:" + std::to_string(s % 9999) + "::1", "2001:db8:ffff::9", 6).tcp(40000, port, 0x02);
        }
        std::vector<uint8_t> f = b.build();
        pcap_pkthdr h{};
        const int64_t ts = start_ns + static_cast<int64_t>(i * (3600ull * 1'000'000'000 / frames));
        h.ts.tv_sec = ts / 1'000'000'000;
        h.ts.tv_usec = ts % 1'000'000'000;
        h.caplen = h.len = static_cast<bpf_u_int32>(f.size());
        pcap_dump(reinterpret_cast<u_char*>(d), &h, f.data());
    }
    pcap_dump_close(d);
    pcap_close(dead);

    ReplayOptions o;
    o.dataplane.dark_prefixes = {Prefix::parse("203.0.113.0/24"), Prefix::parse("2001:db8:ffff::/48")};
    std::vector<double> secs;
    uint64_t counted = 0, test_runs = 0;
    std::string batch_error;
    for (int r = 0; r < runs; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        ReplayResult res = replay({path}, o);
        secs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        counted = res.frames;
        test_runs = res.test_runs;
        batch_error = res.batch_error;
        if (!res.error.empty()) {
            std::fprintf(stderr, "replay_bench: %s\n", res.error.c_str());
            return 1;
        }
    }
    std::filesystem::remove(path);
    std::sort(secs.begin(), secs.end());
    std::printf("replay of %llu frames: median %.2f s (min %.2f, max %.2f, %d runs), %.0f frames/s\n",
                static_cast<unsigned long long>(counted), secs[secs.size() / 2], secs.front(), secs.back(), runs,
                static_cast<double>(counted) / secs[secs.size() / 2]);
    const double per_million = secs[secs.size() / 2] * 1e6 / static_cast<double>(counted ? counted : 1);
    std::printf("target (issue #20): at most 2 s per million frames: %.2f s per million, %s\n", per_million,
                bench::verdict(per_million, 2.0, "s", 2).c_str());
    // Which path ran: batches (docs/replay.md), or one frame per run and why.
    std::printf("%llu BPF_PROG_TEST_RUN calls in the last run%s%s\n", static_cast<unsigned long long>(test_runs),
                batch_error.empty() ? "" : ": ", batch_error.c_str());
    return 0;
}
