// Runs the calling thread on one CPU while it lives, then restores the old affinity.
// BPF_PROG_TEST_RUN runs on the calling CPU: a test of per-CPU maps pins itself to
// know which CPU's entries a frame meets.
#pragma once

#include <sched.h>

namespace darkscope::test {

class PinnedToCpu {
public:
    explicit PinnedToCpu(int cpu) {
        sched_getaffinity(0, sizeof old_, &old_);
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        ok_ = sched_setaffinity(0, sizeof set, &set) == 0;
    }
    ~PinnedToCpu() { sched_setaffinity(0, sizeof old_, &old_); }
    PinnedToCpu(const PinnedToCpu&) = delete;
    PinnedToCpu& operator=(const PinnedToCpu&) = delete;
    bool ok() const { return ok_; }

private:
    cpu_set_t old_{};
    bool ok_ = false;
};

}  // namespace darkscope::test
