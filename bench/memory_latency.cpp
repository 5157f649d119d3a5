#include "memory_latency.h"

#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

namespace darkscope::bench {
namespace {

// One pointer per 64-byte line, so that two steps never share a line.
struct alignas(64) Line {
    Line* next;
};

double thread_cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

double chase_ns(size_t bytes, size_t steps, int rounds, bool huge) {
    const size_t lines = bytes / sizeof(Line);
    void* mem = mmap(nullptr, lines * sizeof(Line), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) throw std::runtime_error("memory_latency: mmap failed");
    // Without huge pages, the walk also misses the TLB on nearly every step; with
    // them, it measures the memory access alone, like the kernel's direct map.
    madvise(mem, lines * sizeof(Line), huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    Line* buf = static_cast<Line*>(mem);

    // Sattolo's shuffle: one cycle through every line, in an order the hardware
    // prefetchers cannot follow.
    std::vector<uint32_t> order(lines);
    std::iota(order.begin(), order.end(), 0u);
    std::mt19937_64 rng(20261207);
    for (size_t i = lines - 1; i > 0; --i) {
        std::uniform_int_distribution<size_t> pick(0, i - 1);
        std::swap(order[i], order[pick(rng)]);
    }
    for (size_t i = 0; i < lines; ++i) buf[i].next = &buf[order[i]];

    std::vector<double> results;
    Line* p = &buf[0];
    for (size_t i = 0; i < steps / 4; ++i) p = p->next;  // warm the page tables
    for (int r = 0; r < rounds; ++r) {
        // The thread's CPU time, not the wall clock: like BPF_PROG_TEST_RUN's timer,
        // which stops while the task is scheduled out, it leaves out the time other
        // work on the machine took.
        const double start = thread_cpu_ns();
        for (size_t i = 0; i < steps; ++i) {
            p = p->next;
            asm volatile("" : "+r"(p));  // the compiler may not skip or merge a step
        }
        results.push_back((thread_cpu_ns() - start) / static_cast<double>(steps));
    }
    munmap(mem, lines * sizeof(Line));
    std::sort(results.begin(), results.end());
    return results[results.size() / 2];
}

}  // namespace

MemoryLatency measure_memory_latency(size_t bytes, size_t steps, int rounds) {
    return {chase_ns(bytes, steps, rounds, true), chase_ns(bytes, steps, rounds, false)};
}

}  // namespace darkscope::bench
