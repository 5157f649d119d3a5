// The kernel's own count of what an attached XDP program costs: run_time_ns and
// run_cnt of its bpf_prog_info, summed over CPUs by the kernel. They are kept only
// while BPF statistics are enabled (kernel.bpf_stats_enabled), which costs two clock
// reads per run, so they are enabled for a measurement and restored after it.
#pragma once

#include <cstdint>
#include <string>

namespace darkscope::bench {

// Enables BPF run-time statistics while it exists: through a BPF_ENABLE_STATS file
// descriptor (the kernel turns them off when it is closed, even if this process
// dies), or else the sysctl, whose old value the destructor writes back.
class BpfRunTimeStats {
public:
    BpfRunTimeStats();  // throws std::runtime_error when neither way works
    ~BpfRunTimeStats();
    BpfRunTimeStats(const BpfRunTimeStats&) = delete;
    BpfRunTimeStats& operator=(const BpfRunTimeStats&) = delete;
    const std::string& how() const { return how_; }  // which way, for the bench output

private:
    int fd_ = -1;
    std::string saved_sysctl_;  // set when the sysctl was changed
    std::string how_;
};

struct ProgRunTime {
    uint32_t prog_id = 0;  // 0: no XDP program attached
    uint64_t run_time_ns = 0, run_cnt = 0;
};

// The XDP program attached to `ifname` in network namespace `netns`, and its counters.
ProgRunTime xdp_prog_run_time(const std::string& netns, const std::string& ifname);

// ns per run between two readings of the same program; 0 when nothing ran or the
// program was replaced in between.
double ns_per_run(const ProgRunTime& before, const ProgRunTime& after);

}  // namespace darkscope::bench
