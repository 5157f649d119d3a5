// A sparse darknet capture over several days, like the ones issue #17 backfills: a
// few thousand TCP SYNs at random times (a few an hour to a few a minute), with some
// UDP probes, ICMP echo requests and SYN-ACK/RST backscatter. Sources from
// 198.18.0.0/15, destinations in 203.0.113.0/24; deterministic for a seed.
// Used by bench/backfill_bench.cpp and the replay OpenMetrics tests.
#pragma once

#include <pcap/pcap.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/frame_builder.h"

namespace darkscope::test {

struct SparseCapture {
    int64_t start_ns = 1728000000LL * 1'000'000'000;  // 2024-10-04 00:00:00 UTC
    int64_t duration_ns = 3LL * 86400 * 1'000'000'000;
    uint32_t syns = 7700;
    uint32_t udp_probes = 150;
    uint32_t icmp_echoes = 60;
    uint32_t backscatter = 120;  // SYN-ACKs and RSTs from "victims" in 192.0.2.0/24
    uint32_t sources = 1500;     // distinct scanning sources
    uint32_t seed = 17;
};

struct TimedFrame {
    int64_t ts_ns;
    std::vector<uint8_t> bytes;
};

// The frames in time order.
inline std::vector<TimedFrame> sparse_frames(const SparseCapture& c) {
    std::mt19937_64 rng(c.seed);
    auto uniform = [&rng](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
    // A few busy ports and a long tail, as darknets see them.
    const uint16_t busy[] = {23, 445, 22, 80, 3389, 8080, 443, 1433, 5555, 6379};
    auto port = [&] { return uniform(3) ? busy[uniform(std::size(busy))] : static_cast<uint16_t>(1 + uniform(65535)); };
    auto source = [&] {
        const uint64_t s = uniform(c.sources) * 37 % 131072;  // spread over the /15
        return "198." + std::to_string(18 + (s >> 16)) + "." + std::to_string((s >> 8) & 255) + "." +
               std::to_string(s & 255);
    };
    auto dest = [&] { return "203.0.113." + std::to_string(1 + uniform(254)); };
    auto when = [&] { return c.start_ns + static_cast<int64_t>(uniform(static_cast<uint64_t>(c.duration_ns))); };

    std::vector<TimedFrame> out;
    for (uint32_t i = 0; i < c.syns; ++i)
        out.push_back({when(), FrameBuilder().eth().ipv4(source(), dest(), 6).tcp(40000, port(), 0x02).build()});
    for (uint32_t i = 0; i < c.udp_probes; ++i)
        out.push_back({when(), FrameBuilder().eth().ipv4(source(), dest(), 17).udp(40000, port()).build()});
    for (uint32_t i = 0; i < c.icmp_echoes; ++i)
        out.push_back({when(), FrameBuilder().eth().ipv4(source(), dest(), 1).icmp(8, 0).build()});
    for (uint32_t i = 0; i < c.backscatter; ++i) {
        const std::string victim = "192.0.2." + std::to_string(1 + uniform(8));
        const uint8_t flags = uniform(4) ? 0x12 : 0x14;  // SYN-ACK, or RST-ACK
        out.push_back({when(), FrameBuilder().eth().ipv4(victim, dest(), 6).tcp(443, 30000, flags).build()});
    }
    std::stable_sort(out.begin(), out.end(), [](const TimedFrame& a, const TimedFrame& b) { return a.ts_ns < b.ts_ns; });
    return out;
}

// Writes frames as a nanosecond pcap; throws std::runtime_error when it cannot.
inline void write_pcap_file(const std::string& path, const std::vector<TimedFrame>& frames) {
    pcap_t* dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t* d = pcap_dump_open(dead, path.c_str());
    if (!d) {
        const std::string why = pcap_geterr(dead);
        pcap_close(dead);
        throw std::runtime_error("cannot write " + path + ": " + why);
    }
    for (const TimedFrame& f : frames) {
        pcap_pkthdr h{};
        h.ts.tv_sec = f.ts_ns / 1'000'000'000;
        h.ts.tv_usec = f.ts_ns % 1'000'000'000;  // nanoseconds with the NANO precision
        h.caplen = h.len = static_cast<bpf_u_int32>(f.bytes.size());
        pcap_dump(reinterpret_cast<u_char*>(d), &h, f.bytes.data());
    }
    pcap_dump_close(d);
    pcap_close(dead);
}

}  // namespace darkscope::test
