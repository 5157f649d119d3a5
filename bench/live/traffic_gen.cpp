#include "live/traffic_gen.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "trafficgen.skel.h"

namespace darkscope::bench {
namespace {

// Calls are sized to last about this long (each one ends with ~25 ms asleep in
// the kernel, so short calls would leave long gaps in the traffic)...
constexpr double kCallSeconds = 1.0;
// ...starting from this many runs, then from the runs per second of the last call.
constexpr double kFirstCallRuns = 1 << 20;
// Most frames the kernel runs between two transmits (its batch_size limit).
constexpr uint32_t kBatch = 256;

double now_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

}  // namespace

TrafficGen::TrafficGen() {
    skel_ = trafficgen_bpf__open_and_load();
    if (!skel_) throw std::runtime_error(std::string("loading the traffic generator: ") + strerror(errno) + " (root needed)");
}

TrafficGen::~TrafficGen() { trafficgen_bpf__destroy(skel_); }

SendResult TrafficGen::send_here(int ifindex, const SendSpec& spec) {
    xdp_md ctx{};
    ctx.data_end = static_cast<uint32_t>(spec.frame.size());
    ctx.ingress_ifindex = static_cast<uint32_t>(ifindex);
    auto* bss = skel_->bss;
    bss->sources = std::max<uint32_t>(spec.sources, 1);
    bss->next_source = 0;
    bss->interval_ns = spec.rate > 0 ? static_cast<uint64_t>(1e9 / spec.rate) : 0;
    bss->next_tx_ns = 0;
    bss->sent = 0;
    bss->first_tx_ns = bss->last_tx_ns = 0;
    bss->limit = spec.rate > 0 ? static_cast<uint64_t>(spec.rate * spec.seconds) : UINT64_MAX;
    if (spec.count) bss->limit = std::min<uint64_t>(bss->limit, spec.count);
    const double start = now_seconds(), deadline = start + spec.seconds;
    bss->deadline_ns = static_cast<uint64_t>(deadline * 1e9);  // the program's clock is CLOCK_MONOTONIC too

    double runs = kFirstCallRuns;
    for (double t = start; bss->sent < bss->limit && t < deadline; t = now_seconds()) {
        const int repeat = static_cast<int>(std::clamp(runs, 1024.0, 1e8));
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = spec.frame.data(),
                    .data_size_in = static_cast<uint32_t>(spec.frame.size()), .ctx_in = &ctx, .ctx_size_in = sizeof ctx,
                    .repeat = repeat, .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = kBatch);
        if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.trafficgen), &opts))
            throw std::runtime_error(std::string("BPF_PROG_RUN (live frames): ") + strerror(errno));
        const double took = now_seconds() - t;
        runs = repeat / std::max(took, 1e-3) * std::min(kCallSeconds, std::max(deadline - now_seconds(), 0.01));
    }
    // The sending window: first to last frame, plus the mean gap for the last one.
    SendResult r;
    r.sent = bss->sent;
    if (r.sent > 1) r.seconds = (bss->last_tx_ns - bss->first_tx_ns) * 1e-9 * r.sent / (r.sent - 1);
    return r;
}

SendResult TrafficGen::send(const SendSpec& spec) {
    SendResult result;
    std::string error;
    // A thread of its own: setns, the CPU pin and the nice value apply to it alone.
    std::thread t([&] {
        try {
            const int fd = open(("/run/netns/" + spec.netns).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd < 0 || setns(fd, CLONE_NEWNET))
                throw std::runtime_error("entering netns " + spec.netns + ": " + strerror(errno));
            close(fd);
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(spec.cpu, &set);
            pthread_setaffinity_np(pthread_self(), sizeof set, &set);
            setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), spec.nice);
            const int ifindex = static_cast<int>(if_nametoindex(spec.ifname.c_str()));
            if (!ifindex) throw std::runtime_error("no interface " + spec.ifname + " in netns " + spec.netns);
            result = send_here(ifindex, spec);
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    t.join();
    if (!error.empty()) throw std::runtime_error(error);
    return result;
}

}  // namespace darkscope::bench
