// Hostile input for the XDP program: random and mutated frames (seeds from the
// frame builder and, when ../shared/data/pcaps exists, from real captures) through
// BPF_PROG_TEST_RUN on the real object, checking after every frame that
//   - the run never fails and the verdict is XDP_PASS or XDP_DROP;
//   - exactly one class, pass or malformed counter rose, by one packet and the
//     frame's length in bytes, and the verdict is the one that counter implies;
//   - misc counters rose by zero or one, and only where they can (first fragment
//     and unattributed only beside a dark class);
// and after every block of frames that the per-port counters and the drained
// per-source entries (plus unattributed packets) add up to the class counters.
//
// Deterministic: DARKSCOPE_RANDOM_SEED (printed) and DARKSCOPE_RANDOM_FRAMES
// override the seed and the number of frames per configuration; scripts/fuzz.sh
// runs millions.
#include <gtest/gtest.h>

#include <algorithm>
#include <linux/bpf.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "capture/pcap_reader.h"
#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "exposition/collector.h"
#include "support/dataplane_diff.h"
#include "support/frame_mutator.h"

using namespace darkscope;
namespace fs = std::filesystem;

namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

// Up to 64 frames of each shared capture, spread over the file.
std::vector<std::vector<uint8_t>> capture_seed_frames() {
    std::vector<std::vector<uint8_t>> out;
    const fs::path dir = DARKSCOPE_PCAP_DIR;
    if (!fs::is_directory(dir)) return out;
    std::set<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".pcap" || e.path().extension() == ".pcapng") files.insert(e.path());
    for (const fs::path& p : files) {
        std::vector<std::vector<uint8_t>> all;
        PcapReader reader(p.string());
        CaptureFrame f;
        try {
            while (reader.next(f) && all.size() < 100000) all.emplace_back(f.bytes.begin(), f.bytes.end());
        } catch (const std::exception&) {
            // a truncated capture: its frames up to the cut are seeds all the same
        }
        const size_t step = std::max<size_t>(1, all.size() / 64);
        for (size_t i = 0; i < all.size(); i += step) out.push_back(std::move(all[i]));
    }
    return out;
}

// Malformed reasons found before the destination is known to be dark: those
// frames are passed; the later ones (extension headers, L4) belong to dark
// frames and get the dark verdict.
bool malformed_before_dark(uint32_t reason) {
    return reason != DS_MAL_IPV6_EXT_TRUNCATED && reason != DS_MAL_IPV6_EXT_TOO_DEEP &&
           reason != DS_MAL_TCP_TRUNCATED && reason != DS_MAL_TCP_BAD_OFFSET && reason != DS_MAL_UDP_TRUNCATED &&
           reason != DS_MAL_ICMP_TRUNCATED;
}

std::string hex(const std::vector<uint8_t>& f) {
    std::string s;
    char b[4];
    for (size_t i = 0; i < f.size() && i < 128; ++i) {
        std::snprintf(b, sizeof b, "%02x", f[i]);
        s += b;
    }
    return s + (f.size() > 128 ? "..." : "");
}

// What one frame did to the stats array; empty when every per-frame invariant holds.
std::string check_frame(const std::vector<ds_counter>& before, const std::vector<ds_counter>& after, uint64_t len,
                        int verdict, int dark_verdict) {
    std::ostringstream err;
    if (verdict != XDP_PASS && verdict != XDP_DROP) err << "verdict " << verdict << "; ";
    int landed = -1, count = 0;
    for (uint32_t i = 0; i < DS_STATS_ENTRIES; ++i) {
        const uint64_t dp = after[i].packets - before[i].packets, db = after[i].bytes - before[i].bytes;
        if (dp == 0 && db == 0) continue;
        if (dp != 1 || db != len) err << test::stats_name(i) << " +" << dp << " packets +" << db << " bytes; ";
        if (i < DS_STATS_MISC_BASE) landed = static_cast<int>(i), ++count;
    }
    if (count != 1) {
        err << "landed in " << count << " counters; ";
        return err.str();
    }
    const uint32_t idx = static_cast<uint32_t>(landed);
    const bool dark = idx < DS_STATS_PASS_BASE;
    int want = XDP_PASS;
    if (dark) {
        want = dark_verdict;
        if (!class_combination_possible(idx / DS_CLASS_COUNT, idx % DS_CLASS_COUNT))
            err << "impossible " << test::stats_name(idx) << "; ";
    } else if (idx >= DS_STATS_MALFORMED_BASE && !malformed_before_dark(idx - DS_STATS_MALFORMED_BASE)) {
        want = dark_verdict;
    }
    if (verdict != want) err << "verdict " << verdict << " for " << test::stats_name(idx) << "; ";
    auto rose = [&](uint32_t misc) {
        return after[DS_STATS_MISC(misc)].packets != before[DS_STATS_MISC(misc)].packets;
    };
    if (rose(DS_MISC_UNATTRIBUTED) && !dark) err << "unattributed without a class; ";
    if (rose(DS_MISC_FIRST_FRAGMENT) && (!dark || idx % DS_CLASS_COUNT == DS_CLASS_FRAGMENT))
        err << "first fragment on " << test::stats_name(idx) << "; ";
    return err.str();
}

// The port slot a dark class is filed under, or DS_PORT_SLOTS for none.
uint32_t slot_of(uint32_t proto, uint32_t cls) {
    if (cls == DS_CLASS_FRAGMENT || cls == DS_CLASS_OTHER_PROTO) return DS_PORT_SLOTS;
    if (proto == DS_PROTO_TCP) return DS_CLASS_IS_BACKSCATTER(cls) ? DS_SLOT_TCP_SRC_BACKSCATTER : DS_SLOT_TCP_DST;
    if (proto == DS_PROTO_UDP) return DS_CLASS_IS_BACKSCATTER(cls) ? DS_SLOT_UDP_SRC_BACKSCATTER : DS_SLOT_UDP_DST;
    if (proto == DS_PROTO_ICMP) return DS_SLOT_ICMP;
    if (proto == DS_PROTO_ICMPV6) return DS_SLOT_ICMPV6;
    return DS_PORT_SLOTS;
}

// Per-port sums against the class counters, slot by slot.
void expect_ports_match_classes(const std::vector<ds_counter>& stats, const std::vector<ds_counter>& ports) {
    ds_counter want[DS_PORT_SLOTS] = {}, got[DS_PORT_SLOTS] = {};
    for (uint32_t i = 0; i < DS_STATS_PASS_BASE; ++i) {
        const uint32_t slot = slot_of(i / DS_CLASS_COUNT, i % DS_CLASS_COUNT);
        if (slot == DS_PORT_SLOTS) continue;
        want[slot].packets += stats[i].packets;
        want[slot].bytes += stats[i].bytes;
    }
    for (uint32_t i = 0; i < ports.size(); ++i) {
        got[i / DS_PORTS_PER_SLOT].packets += ports[i].packets;
        got[i / DS_PORTS_PER_SLOT].bytes += ports[i].bytes;
    }
    for (uint32_t s = 0; s < DS_PORT_SLOTS; ++s) {
        EXPECT_EQ(got[s].packets, want[s].packets) << test::port_index_name(s * DS_PORTS_PER_SLOT) << " slot packets";
        EXPECT_EQ(got[s].bytes, want[s].bytes) << test::port_index_name(s * DS_PORTS_PER_SLOT) << " slot bytes";
    }
}

// A drained key as the program can build it: family, address masked to the
// configured prefix, backscatter only on the protocols that have it.
std::string check_key(const ds_source_key& k, const DataPlaneConfig& cfg) {
    const uint8_t family = DS_KEY_FAMILY(k.info);
    if (family != DS_FAMILY_IPV4 && family != DS_FAMILY_IPV6) return "family";
    if (k.info & ~(DS_KEY_BACKSCATTER | DS_KEY_RST | DS_KEY_NO_PORT | DS_KEY_SYN_MASK | 0x07)) return "info bits";
    // The tool of a SYN: only on TCP probe keys, and a tool that exists.
    if (DS_KEY_IS_SYN(k.info) && (k.proto != 6 || (k.info & DS_KEY_BACKSCATTER))) return "SYN tool off a TCP probe";
    if (DS_KEY_IS_SYN(k.info) && DS_KEY_SYN_TOOL(k.info) >= DS_TOOL_COUNT) return "SYN tool out of range";
    // RST keeps a victim's SYN-ACKs and RSTs apart: only TCP backscatter carries it.
    if ((k.info & DS_KEY_BACKSCATTER) && (k.info & DS_KEY_RST) && k.proto != 6) return "RST bit off TCP backscatter";
    // No port (a non-first fragment): port 0, no SYN tool.
    if (!DS_KEY_HAS_PORT(k.info) && (k.port != 0 || DS_KEY_IS_SYN(k.info))) return "a port or tool on a no-port key";
    const unsigned bits = family == DS_FAMILY_IPV4 ? cfg.source_prefix_v4 : cfg.source_prefix_v6;
    for (unsigned b = bits; b < 128; ++b)
        if (k.addr[b / 8] & (0x80 >> (b % 8))) return "address bit " + std::to_string(b) + " beyond the prefix";
    const bool l4 = k.proto == 6 || k.proto == 17 || k.proto == (family == DS_FAMILY_IPV4 ? 1 : 58);
    if ((k.info & DS_KEY_BACKSCATTER) && !l4) return "backscatter on protocol " + std::to_string(k.proto);
    if (k.proto == 17 && (k.info & DS_KEY_BACKSCATTER) &&
        std::find(cfg.reflection_ports.begin(), cfg.reflection_ports.end(), k.port) == cfg.reflection_ports.end())
        return "UDP backscatter not from a reflection port";
    if (!l4 && k.port != 0) return "a port on protocol " + std::to_string(k.proto);
    return "";
}

// What a block of frames did to the stats array; empty when the block invariants
// hold: class + pass + malformed rose by the number of frames and their bytes,
// the verdicts split as the counters say, misc counters stayed within bounds.
std::string check_block(const std::vector<ds_counter>& before, const std::vector<ds_counter>& after,
                        const std::vector<std::vector<uint8_t>>& frames, const std::vector<int>& verdicts,
                        int dark_verdict) {
    std::ostringstream err;
    uint64_t packets = 0, bytes = 0, dark = 0, want_pass = 0, frame_bytes = 0, pass = 0;
    for (uint32_t i = 0; i < DS_STATS_ENTRIES; ++i) {
        const uint64_t dp = after[i].packets - before[i].packets;
        if (i >= DS_STATS_MISC_BASE) continue;
        packets += dp;
        bytes += after[i].bytes - before[i].bytes;
        const bool is_dark = i < DS_STATS_PASS_BASE;
        if (is_dark) dark += dp;
        if (is_dark && dp && !class_combination_possible(i / DS_CLASS_COUNT, i % DS_CLASS_COUNT))
            err << "impossible " << test::stats_name(i) << "; ";
        const bool passes = is_dark
                                ? dark_verdict == XDP_PASS
                                : i < DS_STATS_MALFORMED_BASE || malformed_before_dark(i - DS_STATS_MALFORMED_BASE) ||
                                      dark_verdict == XDP_PASS;
        if (passes) want_pass += dp;
    }
    for (size_t k = 0; k < frames.size(); ++k) {
        frame_bytes += frames[k].size();
        if (verdicts[k] == XDP_PASS)
            pass++;
        else if (verdicts[k] != XDP_DROP)
            err << "verdict " << verdicts[k] << "; ";
    }
    if (packets != frames.size() || bytes != frame_bytes)
        err << packets << " packets, " << bytes << " bytes counted for " << frames.size() << " frames of "
            << frame_bytes << " bytes; ";
    if (pass != want_pass) err << pass << " frames passed, counters say " << want_pass << "; ";
    auto rose = [&](uint32_t misc) { return after[DS_STATS_MISC(misc)].packets - before[DS_STATS_MISC(misc)].packets; };
    if (rose(DS_MISC_VLAN_TAGGED) > frames.size() || rose(DS_MISC_UNATTRIBUTED) > dark ||
        rose(DS_MISC_FIRST_FRAGMENT) > dark)
        err << "misc counters beyond their bounds; ";
    return err.str();
}

// Runs `frames` random frames through a program loaded with `cfg`. Frames go in
// blocks of 64 checked together (reading the per-CPU stats costs ~25 times a
// test run); a block that breaks an invariant is run again frame by frame, and
// so is the first block of every 64, to name the frame and what it did.
void run_random_frames(const char* name, const DataPlaneConfig& cfg, uint64_t salt) {
    const uint64_t seed = env_or("DARKSCOPE_RANDOM_SEED", 20261122) ^ salt;
    const uint64_t frames = env_or("DARKSCOPE_RANDOM_FRAMES", 250000);
    std::vector<std::vector<uint8_t>> seeds = test::builder_seed_frames();
    const size_t builder_seeds = seeds.size();
    for (auto& f : capture_seed_frames()) seeds.push_back(std::move(f));
    test::FrameMutator mutator(std::move(seeds), seed);
    std::printf("random frames (%s): seed %llu, %llu frames, %zu seeds (%zu from captures%s)\n", name,
                static_cast<unsigned long long>(seed), static_cast<unsigned long long>(frames), mutator.seed_count(),
                mutator.seed_count() - builder_seeds,
                fs::is_directory(DARKSCOPE_PCAP_DIR) ? "" : ": ../shared/data/pcaps is absent");

    DataPlane dp(cfg);
    const int dark_verdict = cfg.pass_dark ? XDP_PASS : XDP_DROP;
    uint64_t sent_frames = 0, sent_bytes = 0;
    std::vector<ds_counter> stats = dp.read_stats(), last_drain = stats;
    int failures = 0;
    auto fail = [&](const std::string& what) {
        if (failures++ < 5) ADD_FAILURE() << name << ", seed " << seed << ": " << what;
    };
    auto run = [&](const std::vector<uint8_t>& f) {
        try {
            return dp.test_run(f.data(), static_cast<uint32_t>(f.size()));
        } catch (const std::exception& e) {
            fail(std::string(e.what()) + " on a frame of " + std::to_string(f.size()) + " bytes: " + hex(f));
            return -1;
        }
    };
    // One frame at a time, each checked on its own.
    auto run_checked = [&](const std::vector<uint8_t>& f, uint64_t n) {
        const int verdict = run(f);
        std::vector<ds_counter> now = dp.read_stats();
        const std::string bad = check_frame(stats, now, f.size(), verdict, dark_verdict);
        if (!bad.empty())
            fail("frame " + std::to_string(n) + " (" + std::to_string(f.size()) + " bytes): " + bad + "\n" + hex(f));
        stats = std::move(now);
    };
    auto drain_and_check = [&] {
        // Everything dark since the last drain is either in a drained entry or unattributed.
        uint64_t dark_packets = 0, dark_bytes = 0, attributed = 0, attributed_bytes = 0;
        for (uint32_t i = 0; i < DS_STATS_PASS_BASE; ++i) {
            dark_packets += stats[i].packets - last_drain[i].packets;
            dark_bytes += stats[i].bytes - last_drain[i].bytes;
        }
        for (const SourceEntry& e : dp.drain_sources(true)) {
            attributed += e.value.packets;
            attributed_bytes += e.value.bytes;
            const std::string bad = check_key(e.key, cfg);
            if (!bad.empty()) fail("drained key " + test::key_str(e.key) + ": " + bad);
        }
        const uint32_t un = DS_STATS_MISC(DS_MISC_UNATTRIBUTED);
        EXPECT_EQ(attributed + stats[un].packets - last_drain[un].packets, dark_packets) << name;
        EXPECT_EQ(attributed_bytes + stats[un].bytes - last_drain[un].bytes, dark_bytes) << name;
        last_drain = stats;
    };

    constexpr uint64_t kBlock = 64;
    std::vector<std::vector<uint8_t>> block;
    std::vector<int> verdicts;
    for (uint64_t first = 1; first <= frames && failures < 5; first += kBlock) {
        block.clear();
        for (uint64_t n = first; n < first + kBlock && n <= frames; ++n) block.push_back(mutator.next());
        const bool one_by_one = (first / kBlock) % 64 == 0;
        if (one_by_one) {
            for (size_t k = 0; k < block.size(); ++k) run_checked(block[k], first + k);
        } else {
            verdicts.clear();
            for (const auto& f : block) verdicts.push_back(run(f));
            std::vector<ds_counter> now = dp.read_stats();
            const std::string bad = check_block(stats, now, block, verdicts, dark_verdict);
            stats = std::move(now);
            if (!bad.empty()) {
                fail("frames " + std::to_string(first) + "+" + std::to_string(block.size()) + ": " + bad +
                     " (run again one by one below)");
                for (size_t k = 0; k < block.size(); ++k) run_checked(block[k], first + k);
                continue;  // those frames ran twice: the totals below no longer add up
            }
        }
        for (const auto& f : block) sent_frames++, sent_bytes += f.size();
        if ((first / kBlock) % 256 == 255) drain_and_check();
    }
    drain_and_check();
    if (failures) return;

    uint64_t packets = 0, bytes = 0;
    for (uint32_t i = 0; i < DS_STATS_MISC_BASE; ++i) packets += stats[i].packets, bytes += stats[i].bytes;
    EXPECT_EQ(packets, sent_frames) << "class + pass + malformed against frames sent";
    EXPECT_EQ(bytes, sent_bytes);
    expect_ports_match_classes(stats, dp.read_port_stats());
    // Every dark TCP SYN is fingerprinted exactly once: the rule-mask counts sum to the SYN class.
    ds_counter syn_by_rules{};
    for (const ds_counter& c : dp.read_tool_stats()) syn_by_rules.packets += c.packets, syn_by_rules.bytes += c.bytes;
    const ds_counter& syn = stats[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)];
    EXPECT_EQ(syn_by_rules.packets, syn.packets) << "tool_stats against TCP SYNs";
    EXPECT_EQ(syn_by_rules.bytes, syn.bytes);

    // What the run covered, so a seed that stops reaching the deep paths shows.
    uint64_t dark = 0, passed = 0, malformed = 0;
    std::set<uint32_t> seen;
    for (uint32_t i = 0; i < DS_STATS_MISC_BASE; ++i) {
        if (stats[i].packets) seen.insert(i);
        (i < DS_STATS_PASS_BASE ? dark : i < DS_STATS_MALFORMED_BASE ? passed : malformed) += stats[i].packets;
    }
    std::printf(
        "random frames (%s): %llu dark, %llu passed, %llu malformed, %llu unattributed; %zu of %u counters hit\n", name,
        static_cast<unsigned long long>(dark), static_cast<unsigned long long>(passed),
        static_cast<unsigned long long>(malformed),
        static_cast<unsigned long long>(stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets), seen.size(),
        DS_STATS_MISC_BASE);
    // Every malformed reason test_run can deliver (not eth_truncated: the kernel
    // refuses frames shorter than an Ethernet header) must have been reached.
    for (uint32_t r = DS_MAL_VLAN_TRUNCATED; r < DS_MAL_COUNT; ++r)
        EXPECT_TRUE(seen.count(DS_STATS_MALFORMED(r))) << test::stats_name(DS_STATS_MALFORMED(r)) << " never reached";
    EXPECT_GT(stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets, 0u) << "the per-source map never filled";
}

// Every destination dark (.rodata fast path), sources per address, dark dropped.
TEST(RandomFrames, InvariantsHoldEverythingDark) {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("0.0.0.0/0"), Prefix::parse("::/0")};
    cfg.source_map_entries = 256;
    cfg.source_cache_slots = 32;  // small, so that keys go to the cache, the hash and neither
    run_random_frames("everything dark", cfg, 0);
}

// More prefixes than the fast path holds (the LPM trie decides), an allowlist,
// sources aggregated inside a byte, dark frames passed (mirror port).
TEST(RandomFrames, InvariantsHoldWithTrieAllowlistAndPassDark) {
    DataPlaneConfig cfg;
    for (const char* p :
         {"198.51.100.0/24", "10.0.0.0/8", "0.0.0.0/2", "128.0.0.0/3", "172.16.0.0/12", "192.0.0.0/8", "224.0.0.0/4",
          "203.0.113.128/25", "100.64.0.0/10", "2001:db8:dead::/48", "2001:db8::/33", "fc00::/7", "fe80::/10",
          "ff00::/8", "2000::/4", "::/8", "64:ff9b::/96", "2001:db8:f000::/36"})
        cfg.dark_prefixes.push_back(Prefix::parse(p));
    cfg.allowed_sources = {Prefix::parse("192.0.2.0/24"), Prefix::parse("2001:db8:a11::/48"),
                           Prefix::parse("10.0.0.0/9")};
    cfg.pass_dark = true;
    cfg.source_prefix_v4 = 21;
    cfg.source_prefix_v6 = 45;
    cfg.source_map_entries = 128;
    cfg.source_cache_slots = 0;  // the hash alone
    run_random_frames("trie, allowlist, pass", cfg, 1);
}

}  // namespace
