// Random and mutated Ethernet frames for hostile-input tests of the XDP program:
// seeds (well-formed frames of every kind the parser knows, and frames of real
// captures) cut, bit-flipped, stretched, spliced and overwritten with values the
// parser branches on, plus frames of pure noise. Deterministic for a given seed
// and corpus, so a failure can be replayed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "support/frame_builder.h"

namespace darkscope::test {

// BPF_PROG_TEST_RUN takes at least an Ethernet header, and for a program without
// multi-buffer support at most what fits in one page beside the XDP headroom.
constexpr size_t kMinTestRunFrame = 14;
constexpr size_t kMaxTestRunFrame = 3500;

// Well-formed frames of every kind the XDP program parses, from documentation
// addresses: dark destinations 198.51.100.0/24 and 2001:db8:dead::/48, sources
// from 198.18.0.0/15 and 2001:db8::/32, allowlisted sources 192.0.2.0/24 and
// 2001:db8:a11::/48, not-dark destinations 203.0.113.0/24 and 2001:db8:beef::/48.
inline std::vector<std::vector<uint8_t>> builder_seed_frames() {
    const char *s4 = "198.18.0.7", *d4 = "198.51.100.9", *s6 = "2001:db8:1::7", *d6 = "2001:db8:dead::9";
    auto v4 = [&](uint8_t proto = 0, uint16_t frag = 0) {
        return std::move(FrameBuilder().eth().ipv4(s4, d4, proto, 1, frag));
    };
    auto v6 = [&](uint8_t next = 0) { return std::move(FrameBuilder().eth().ipv6(s6, d6, next)); };
    std::vector<std::vector<uint8_t>> out;
    for (uint8_t flags : {0x02, 0x12, 0x04, 0x14, 0x10, 0x01, 0x00, 0x29, 0x18, 0xc2}) {
        out.push_back(v4().tcp(40000, 445, flags).build());
        out.push_back(v6().tcp(40000, 22, flags).build());
    }
    out.push_back(v4().tcp(40000, 80, 0x02, 1, 1024, std::vector<uint8_t>(20, 1)).payload(16).build());
    out.push_back(v4().udp(40000, 161).payload(20).build());
    out.push_back(v4().udp(53, 33333).payload(40).build());
    out.push_back(v6().udp(53, 4000).build());
    for (auto [type, code] : {std::pair{8, 0}, {0, 0}, {3, 3}, {11, 0}, {13, 0}})
        out.push_back(v4().icmp(static_cast<uint8_t>(type), static_cast<uint8_t>(code)).payload(28).build());
    for (auto [type, code] : {std::pair{128, 0}, {129, 0}, {1, 4}, {3, 0}, {135, 0}})
        out.push_back(v6().icmp(static_cast<uint8_t>(type), static_cast<uint8_t>(code)).payload(16).build());
    out.push_back(v4(47).payload(24).build());
    out.push_back(v6(59).build());
    out.push_back(FrameBuilder().eth().ipv4(s4, d4, 0, 1, 0, std::vector<uint8_t>(40, 1)).tcp(5, 3389, 0x02).build());
    out.push_back(v4(0, 0x2000).tcp(5, 80, 0x02).payload(8).build());
    out.push_back(v4(6, 0x2000 | 185).payload(64).build());
    out.push_back(v6().ipv6_ext(0).ipv6_ext(43, 2).ipv6_ext(60, 1).tcp(1, 443, 0x02).build());
    out.push_back(v6().ipv6_frag(0, true).udp(53, 1024).payload(100).build());
    out.push_back(v6().ipv6_frag(185, false).payload(48).build());
    out.push_back(FrameBuilder().eth().vlan(10, 0x88a8).vlan(20).ipv4(s4, d4).tcp(1, 23, 0x02).build());
    out.push_back(FrameBuilder().eth().vlan(7).mpls(100, true).ipv4(s4, d4).tcp(1, 23, 0x02).build());
    out.push_back(FrameBuilder().eth().mpls(1, false).mpls(2, true).ipv6(s6, d6).udp(1, 2).build());
    out.push_back(FrameBuilder().eth().ipv4("192.0.2.10", d4).tcp(1, 80, 0x02).build());
    out.push_back(FrameBuilder().eth().ipv6("2001:db8:a11::5", d6).udp(1, 80).build());
    out.push_back(FrameBuilder().eth().ipv4(s4, "203.0.113.1").tcp(1, 80, 0x02).build());
    out.push_back(FrameBuilder().eth().ipv6(s6, "2001:db8:beef::1").tcp(1, 80, 0x02).build());
    out.push_back(FrameBuilder().eth(0x0806).raw(std::vector<uint8_t>(28, 0)).build());
    return out;
}

class FrameMutator {
public:
    FrameMutator(std::vector<std::vector<uint8_t>> seeds, uint64_t seed) : seeds_(std::move(seeds)), rng_(seed) {
        for (auto& s : seeds_)
            if (s.size() > kMaxTestRunFrame) s.resize(kMaxTestRunFrame);
        std::erase_if(seeds_, [](const std::vector<uint8_t>& s) { return s.size() < kMinTestRunFrame; });
    }

    size_t seed_count() const { return seeds_.size(); }

    // The next frame: 1 in 16 is noise, the rest a seed with one to eight mutations.
    // Always kMinTestRunFrame..kMaxTestRunFrame bytes long.
    std::vector<uint8_t> next() {
        std::vector<uint8_t> f;
        if (seeds_.empty() || below(16) == 0) {
            f.resize(kMinTestRunFrame + below(below(8) == 0 ? kMaxTestRunFrame - kMinTestRunFrame : 200));
            for (auto& b : f) b = static_cast<uint8_t>(rng_());
            if (below(2)) put16(f, 12, pick(kEthertypes));  // noise that the parser walks into
        } else {
            f = seeds_[below(seeds_.size())];
            for (size_t n = 1 + below(below(4) == 0 ? 8 : 2); n > 0; --n) mutate(f);
        }
        if (f.size() < kMinTestRunFrame) f.resize(kMinTestRunFrame, static_cast<uint8_t>(rng_()));
        if (f.size() > kMaxTestRunFrame) f.resize(kMaxTestRunFrame);
        return f;
    }

private:
    // Values the parsers branch on: ethertypes (IPv4, IPv6, the VLAN TPIDs, MPLS,
    // ARP), IP protocols and extension headers, version/IHL bytes, TCP offsets.
    static constexpr uint16_t kEthertypes[] = {0x0800, 0x86dd, 0x8100, 0x88a8, 0x9100, 0x8847, 0x8848, 0x0806};
    static constexpr uint8_t kBytes[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x0b, 0x11,
                                         0x12, 0x14, 0x29, 0x2b, 0x2c, 0x35, 0x3a, 0x3b, 0x3c, 0x40,
                                         0x45, 0x46, 0x4f, 0x50, 0x60, 0x7f, 0x80, 0x81, 0xf0, 0xff};

    size_t below(size_t n) { return n ? static_cast<size_t>(rng_() % n) : 0; }
    template <typename T, size_t N>
    T pick(const T (&a)[N]) {
        return a[below(N)];
    }
    static void put16(std::vector<uint8_t>& f, size_t at, uint16_t v) {
        if (at + 2 > f.size()) return;
        f[at] = static_cast<uint8_t>(v >> 8);
        f[at + 1] = static_cast<uint8_t>(v);
    }

    void mutate(std::vector<uint8_t>& f) {
        const size_t at = below(f.size());
        switch (below(10)) {
        case 0:  // flip one bit
            f[at] ^= static_cast<uint8_t>(1u << below(8));
            break;
        case 1:  // a random byte
            f[at] = static_cast<uint8_t>(rng_());
            break;
        case 2:  // a byte the parser branches on
            f[at] = pick(kBytes);
            break;
        case 3:  // an ethertype anywhere (tags, labels and next-protocol fields are 16 bits)
            put16(f, at & ~size_t{1}, pick(kEthertypes));
            break;
        case 4:  // cut the frame short: most parser errors are truncations
            f.resize(std::max(kMinTestRunFrame, below(f.size() + 1)));
            break;
        case 5: {  // stretch it with noise
            const size_t n = 1 + below(below(8) == 0 ? 2000 : 64);
            for (size_t i = 0; i < n; ++i) f.push_back(static_cast<uint8_t>(rng_()));
            break;
        }
        case 6: {  // insert bytes: shifts every header behind the point
            const size_t n = 1 + below(8);
            std::vector<uint8_t> ins(n);
            for (auto& b : ins) b = below(2) ? pick(kBytes) : static_cast<uint8_t>(rng_());
            f.insert(f.begin() + static_cast<std::ptrdiff_t>(at), ins.begin(), ins.end());
            break;
        }
        case 7: {  // delete bytes
            const size_t n = std::min(f.size() - at, 1 + below(8));
            f.erase(f.begin() + static_cast<std::ptrdiff_t>(at), f.begin() + static_cast<std::ptrdiff_t>(at + n));
            break;
        }
        case 8: {  // splice: this frame's head, another seed's tail
            const std::vector<uint8_t>& other = seeds_[below(seeds_.size())];
            const size_t from = below(other.size());
            f.resize(at);
            f.insert(f.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
            break;
        }
        default: {  // duplicate a chunk in place: repeated tags, labels, extension headers
            const size_t n = std::min(f.size() - at, 4 + 4 * below(4));
            std::vector<uint8_t> chunk(f.begin() + static_cast<std::ptrdiff_t>(at),
                                       f.begin() + static_cast<std::ptrdiff_t>(at + n));
            f.insert(f.begin() + static_cast<std::ptrdiff_t>(at), chunk.begin(), chunk.end());
            break;
        }
        }
    }

    std::vector<std::vector<uint8_t>> seeds_;
    std::mt19937_64 rng_;
};

}  // namespace darkscope::test
