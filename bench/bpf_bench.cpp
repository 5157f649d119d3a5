// ns/packet of the darkscope XDP program through BPF_PROG_TEST_RUN, as a ratio
// to the bare XDP_DROP program measured in the same run (bench/RESULTS.md).
//
// One source: one frame, repeat = 1,000,000 per call (the kernel's mean per run).
// Many sources: the driver program bench_sources (bench/bpf/bench_sources.bpf.c) rewrites
// the source before every run and tail-calls the program under test, so one call
// with a large repeat cycles through all sources. The driver's own cost is measured
// in front of the bare drop and taken out:
//   net = (driver + darkscope) - (driver + drop) + drop.
// The first pass over the sources inserts their keys (reported as "new"); the
// median of the following runs is the steady state (every key present, as for a
// source sending many packets within one poll interval).
// Every per-source row is also given as ns over bare drop and as a multiple of L, one
// random memory access measured in the same run (memory_latency.h), against the
// targets of issue #20, so that the verdicts hold on any machine.
//   bpf_bench [--quick] [--cache-slots N]
//     --quick          1 and 100,000 sources only
//     --cache-slots N  source table slots per generation (default auto: the agent's
//                      default; 0: no table, the hash alone)
//     --fingerprints   only what tool fingerprints add (with/without, interleaved)
//     --signatures     only what header signatures add (with/without, interleaved)
//     --hot SECONDS    only the one-source IPv4 SYN, for a profiler (bench/profile_lines.sh)
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_sources.skel.h"
#include "memory_latency.h"
#include "verdict.h"
#include "dataplane/data_plane.h"
#include "dataplane/source_table.h"
#include "support/frame_builder.h"
#include "xdp_drop.skel.h"

using namespace darkscope;

namespace {

constexpr int kRuns = 5;
constexpr uint32_t kHotRepeat = 1000000;

struct Frame {
    const char* name;
    std::vector<uint8_t> bytes;
    bool ipv6;
};

uint32_t run(int prog_fd, const std::vector<uint8_t>& frame, uint32_t repeat) {
    LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_size_in = static_cast<uint32_t>(frame.size()),
                .repeat = static_cast<int>(repeat));
    if (bpf_prog_test_run_opts(prog_fd, &opts)) throw std::runtime_error(std::string("BPF_PROG_TEST_RUN: ") + strerror(errno));
    if (opts.retval == XDP_ABORTED) throw std::runtime_error("the program under test aborted (tail call failed?)");
    return opts.duration;
}

// One measured row against its target, for the verdict table at the end.
struct Verdict {
    std::string what;
    double extra_ns;
    double target_ns;
    std::string target;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The many-source driver for `sources` sources of `frame`, tail-calling into `target_fd`.
class Driver {
public:
    Driver(uint32_t sources, bool ipv6) {
        skel_ = bench_sources_bpf__open();
        if (!skel_) throw std::runtime_error("opening bench_sources");
        skel_->rodata->cfg_sources = sources;
        skel_->rodata->cfg_ipv6 = ipv6;
        if (bench_sources_bpf__load(skel_)) throw std::runtime_error("loading bench_sources");
    }
    ~Driver() { bench_sources_bpf__destroy(skel_); }
    void target(int prog_fd) {
        uint32_t zero = 0;
        if (bpf_map_update_elem(bpf_map__fd(skel_->maps.target), &zero, &prog_fd, BPF_ANY))
            throw std::runtime_error("setting the driver's target");
    }
    int fd() const { return bpf_program__fd(skel_->progs.bench_sources); }

private:
    bench_sources_bpf* skel_ = nullptr;
};


using Frames = std::vector<std::pair<const char*, std::vector<uint8_t>>>;

// What one feature adds per packet: the same program loaded with and without it
// (knob: cfg_fingerprints or cfg_signatures), one hot source, runs interleaved so
// that drift hits both.
void feature_cost(const DataPlaneConfig& base, bool DataPlaneConfig::*knob, const char* what, const Frames& frames) {
    DataPlaneConfig off_cfg = base;
    off_cfg.*knob = false;
    off_cfg.source_map_entries = 1024;
    DataPlaneConfig on_cfg = off_cfg;
    on_cfg.*knob = true;
    DataPlane on(on_cfg), off(off_cfg);
    // Interleaved runs of 1,000,000 repeats each. The kernel reports whole ns per run,
    // and other work on the machine (a shared VM) only ever adds time, so each side
    // is the mean of its faster half of kRounds runs: resolution well under 1 ns.
    constexpr int kRounds = 60;
    auto faster_half_mean = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        double sum = 0;
        for (size_t i = 0; i < v.size() / 2; ++i) sum += v[i];
        return sum / static_cast<double>(v.size() / 2);
    };
    std::printf("\n| frame | with %s ns/pkt | without ns/pkt | added ns/pkt |\n", what);
    std::printf("|---|---:|---:|---:|\n");
    for (const auto& [name, f] : frames) {
        std::vector<double> with, without;
        for (int r = 0; r < kRounds; ++r) {
            with.push_back(run(on.prog_fd(), f, kHotRepeat));
            without.push_back(run(off.prog_fd(), f, kHotRepeat));
        }
        const double w = faster_half_mean(with), wo = faster_half_mean(without);
        std::printf("| %s | %.2f | %.2f | %+.2f |\n", name, w, wo, w - wo);
        std::fflush(stdout);
    }
}

using test::FrameBuilder;

void fingerprint_cost(const DataPlaneConfig& base) {
    const std::vector<uint8_t> mss = {0x02, 0x04, 0x05, 0xb4};
    feature_cost(base, &DataPlaneConfig::fingerprints, "fingerprints",
                 {{"tcp_syn_v4 (unknown)", FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").tcp(40000, 445, 0x02).build()},
                  {"nmap SYN v4 (recognised)",
                   FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").tcp(40000, 445, 0x02, 7, 1024, mss).build()},
                  {"tcp_syn_v6 (unknown)",
                   FrameBuilder().eth().ipv6("2001:db8::1", "2001:db8:dead::9").tcp(40000, 445, 0x02).build()},
                  {"udp_v4 (not a SYN)",
                   FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").udp(40000, 161).payload(32).build()}});
}

// Header signatures: a SYN without options (hping3), Linux's five options (the
// longest walk a common stack needs), IPv6, a UDP probe, and backscatter (not counted).
void signature_cost(const DataPlaneConfig& base) {
    const std::vector<uint8_t> linux_opts = {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
    feature_cost(base, &DataPlaneConfig::signatures, "signatures",
                 {{"SYN v4 no options (hping3)",
                   FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").tcp(6000, 445, 0x02, 7, 512).build()},
                  {"SYN v4 mss,sok,ts,nop,ws (Linux)",
                   FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").tcp(40000, 445, 0x02, 7, 64240, linux_opts).build()},
                  {"SYN v6 mss,sok,ts,nop,ws",
                   FrameBuilder().eth().ipv6("2001:db8::1", "2001:db8:dead::9").tcp(40000, 445, 0x02, 7, 64240, linux_opts).build()},
                  {"udp_v4 probe",
                   FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").udp(40000, 161).payload(32).build()},
                  {"SYN-ACK v4 (backscatter, not counted)",
                   FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").tcp(443, 40000, 0x12).build()}});
}

// Only the hot path (the main table's tcp_syn_v4, one source) for a while, so that a
// profiler can watch it: prints the program's id first (bench/profile_lines.sh).
void hot_for(double seconds) {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
    DataPlane dp(cfg);
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(dp.prog_fd(), &info, &len)) throw std::runtime_error("reading the program's id");
    std::printf("program id %u\n", info.id);
    std::fflush(stdout);
    const std::vector<uint8_t> f = FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").tcp(40000, 445, 0x02).build();
    uint64_t runs = 0, ns = 0;
    for (auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
         std::chrono::steady_clock::now() < end; runs += kHotRepeat)
        ns += run(dp.prog_fd(), f, kHotRepeat);
    std::printf("%llu runs, %.1f ns per run (the kernel's mean per call, averaged)\n",
                static_cast<unsigned long long>(runs), static_cast<double>(ns) * kHotRepeat / static_cast<double>(runs));
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<uint32_t> counts = {1, 100000, 1000000};
    uint32_t cache_slots = kAutoSourceTableSlots;  // the agent's default
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quick") {
            counts = {1, 100000};
        } else if (a == "--fingerprints") {  // only the fingerprint cost
            DataPlaneConfig cfg;
            cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
            fingerprint_cost(cfg);
            return 0;
        } else if (a == "--signatures") {  // only the header-signature cost
            DataPlaneConfig cfg;
            cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
            signature_cost(cfg);
            return 0;
        } else if (a == "--hot" && i + 1 < argc) {  // only the hot path, for a profiler
            hot_for(std::strtod(argv[++i], nullptr));
            return 0;
        } else if (a == "--cache-slots" && i + 1 < argc) {
            const std::string n = argv[++i];
            cache_slots = n == "auto" ? kAutoSourceTableSlots : static_cast<uint32_t>(std::strtoul(n.c_str(), nullptr, 0));
        } else {
            std::fprintf(stderr, "usage: bpf_bench [--quick] [--cache-slots N] [--fingerprints] [--signatures] [--hot SECONDS]\n");
            return 2;
        }
    }

    xdp_drop_bpf* drop = xdp_drop_bpf__open_and_load();
    if (!drop) {
        std::fprintf(stderr, "loading xdp_drop: %s (root needed)\n", strerror(errno));
        return 1;
    }
    const int drop_fd = bpf_program__fd(drop->progs.xdp_drop);

    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24"), Prefix::parse("2001:db8:dead::/48")};
    cfg.source_map_entries = 1u << 20;  // 1,048,576 per buffer: room for every source
    cfg.source_cache_slots = cache_slots;
    DataPlane dp(cfg);
    const int ds_fd = dp.prog_fd();
    std::printf("source table: %u slots per generation, shared by the CPUs\n\n", dp.source_table_slots());

    using test::FrameBuilder;
    std::vector<Frame> frames = {
        {"tcp_syn_v4", FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").tcp(40000, 445, 0x02).build(), false},
        {"udp_v4", FrameBuilder().eth().ipv4("198.18.0.1", "198.51.100.9").udp(40000, 161).payload(32).build(), false},
        {"tcp_syn_v6", FrameBuilder().eth().ipv6("2001:db8::1", "2001:db8:dead::9").tcp(40000, 445, 0x02).build(), true},
    };

    // L before and after the program runs; the mean of the two is the yardstick.
    const bench::MemoryLatency l_before = bench::measure_memory_latency();
    std::printf("L (one random memory access, 256 MiB pointer chase, thread CPU time): %.1f ns on huge pages, %.1f ns on 4 KiB pages\n\n",
                l_before.huge_pages_ns, l_before.small_pages_ns);
    std::fflush(stdout);

    struct Row {
        std::string frame;
        uint32_t sources;
        double ds, drop, fresh;  // fresh < 0: no new-source pass (one source)
    };
    std::vector<Row> rows;
    std::printf("| frame | sources | darkscope ns/pkt | drop ns/pkt | ratio | new-source pass ns/pkt |\n");
    std::printf("|---|---:|---:|---:|---:|---:|\n");
    for (Frame& f : frames) {
        std::vector<double> hot, base;
        for (int r = 0; r < kRuns; ++r) {
            hot.push_back(run(ds_fd, f.bytes, kHotRepeat));
            base.push_back(run(drop_fd, f.bytes, kHotRepeat));
        }
        const double drop_hot = median(base), ds_hot = median(hot);
        std::printf("| %s | 1 | %.1f | %.1f | %.2fx | - |\n", f.name, ds_hot, drop_hot, ds_hot / drop_hot);
        rows.push_back({f.name, 1, ds_hot, drop_hot, -1});
        std::fflush(stdout);
        for (uint32_t n : counts) {
            if (n == 1) continue;
            dp.drain_sources(true);
            dp.drain_sources(true);  // both buffers and cache generations empty
            Driver driver(n, f.ipv6);
            const uint32_t repeat = std::max(n, kHotRepeat);
            std::vector<double> with_drop, with_ds, drops;
            driver.target(drop_fd);
            for (int r = 0; r < kRuns; ++r) with_drop.push_back(run(driver.fd(), f.bytes, repeat));
            const double driver_cost = median(with_drop) - drop_hot;
            driver.target(ds_fd);
            const double fresh = run(driver.fd(), f.bytes, n) - driver_cost;  // every key new
            for (int r = 0; r < kRuns; ++r) {
                with_ds.push_back(run(driver.fd(), f.bytes, repeat) - driver_cost);
                drops.push_back(run(drop_fd, f.bytes, kHotRepeat));
            }
            const double ds = median(with_ds), dr = median(drops);
            std::printf("| %s | %u | %.1f | %.1f | %.2fx | %.1f |\n", f.name, n, ds, dr, ds / dr, fresh);
            rows.push_back({f.name, n, ds, dr, fresh});
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
    const bench::MemoryLatency l_after = bench::measure_memory_latency();
    const double L = (l_before.huge_pages_ns + l_after.huge_pages_ns) / 2;
    std::printf("\nL after the runs: %.1f ns (huge pages), %.1f ns (4 KiB pages); L = %.1f ns (mean, huge pages)\n",
                l_after.huge_pages_ns, l_after.small_pages_ns, L);
    std::printf("\n| frame | sources | extra ns over drop | x L | new-source pass extra ns | x L |\n");
    std::printf("|---|---:|---:|---:|---:|---:|\n");
    std::vector<Verdict> verdicts;
    for (const Row& r : rows) {
        const double extra = r.ds - r.drop;
        if (r.fresh < 0) {
            std::printf("| %s | %u | %.1f | %.2f | - | - |\n", r.frame.c_str(), r.sources, extra, extra / L);
        } else {
            const double fresh_extra = r.fresh - r.drop;
            std::printf("| %s | %u | %.1f | %.2f | %.1f | %.2f |\n", r.frame.c_str(), r.sources, extra, extra / L,
                        fresh_extra, fresh_extra / L);
        }
        const std::string what = r.frame + ", " + std::to_string(r.sources) + (r.sources == 1 ? " source" : " sources");
        if (r.sources == 1 && r.frame == "tcp_syn_v4") verdicts.push_back({what, extra, 25, "<= 25 ns"});
        if (r.sources == 100000) verdicts.push_back({what, extra, 1.0 * L, "<= 1.0 x L"});
        if (r.sources == 1000000 && r.frame != "udp_v4") verdicts.push_back({what, extra, 1.5 * L, "<= 1.5 x L"});
        if (r.fresh >= 0) verdicts.push_back({what + ", new-source pass", r.fresh - r.drop, 2.0 * L, "<= 2.0 x L"});
    }
    std::printf("\n| case | extra ns | target | target ns | verdict |\n|---|---:|---|---:|---|\n");
    for (const Verdict& v : verdicts)
        std::printf("| %s | %.1f | %s | %.1f | %s |\n", v.what.c_str(), v.extra_ns, v.target.c_str(), v.target_ns,
                    bench::verdict(v.extra_ns, v.target_ns, "ns").c_str());
    fingerprint_cost(cfg);
    const auto stats = dp.read_stats();
    uint64_t unattributed = stats[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets;
    std::printf("\nunattributed packets (source map full): %llu\n", static_cast<unsigned long long>(unattributed));
    xdp_drop_bpf__destroy(drop);
    return 0;
}
