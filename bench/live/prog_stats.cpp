#include "live/prog_stats.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "dataplane/unique_fd.h"
#include "live/netns_thread.h"
#include "live/shell.h"

namespace darkscope::bench {
namespace {

const char* kSysctl = "/proc/sys/kernel/bpf_stats_enabled";

void write_sysctl(const std::string& value) {
    std::ofstream f(kSysctl);
    f << value;
    f.close();
    if (!f) throw std::runtime_error(std::string("writing ") + kSysctl + ": " + strerror(errno));
}

}  // namespace

BpfRunTimeStats::BpfRunTimeStats() {
    fd_ = bpf_enable_stats(BPF_STATS_RUN_TIME);
    if (fd_ >= 0) {
        how_ = "BPF_ENABLE_STATS";
        return;
    }
    const std::string old = read_file(kSysctl);
    if (old.empty()) throw std::runtime_error(std::string("BPF run-time statistics: neither BPF_ENABLE_STATS nor ") + kSysctl);
    write_sysctl("1");
    saved_sysctl_ = old;
    how_ = "kernel.bpf_stats_enabled";
}

BpfRunTimeStats::~BpfRunTimeStats() {
    if (fd_ >= 0) close(fd_);
    if (!saved_sysctl_.empty()) {
        try {
            write_sysctl(saved_sysctl_);
        } catch (const std::exception&) {
        }
    }
}

ProgRunTime xdp_prog_run_time(const std::string& netns, const std::string& ifname) {
    ProgRunTime r;
    // The interface exists in its namespace only: look it up there.
    run_in_netns(netns, [&] {
        uint32_t id = 0;
        if (bpf_xdp_query_id(ifindex_in(netns, ifname), 0, &id) || !id) return;  // nothing attached
        const UniqueFd fd(bpf_prog_get_fd_by_id(id));
        if (!fd.valid()) throw std::runtime_error("BPF program " + std::to_string(id) + ": " + strerror(errno));
        bpf_prog_info info{};
        uint32_t len = sizeof info;
        if (bpf_obj_get_info_by_fd(fd.get(), &info, &len))
            throw std::runtime_error("BPF program " + std::to_string(id) + " info: " + strerror(errno));
        r.prog_id = id;
        r.run_time_ns = info.run_time_ns;
        r.run_cnt = info.run_cnt;
    });
    return r;
}

double ns_per_run(const ProgRunTime& before, const ProgRunTime& after) {
    if (!after.prog_id || before.prog_id != after.prog_id || after.run_cnt <= before.run_cnt) return 0;
    return static_cast<double>(after.run_time_ns - before.run_time_ns) / static_cast<double>(after.run_cnt - before.run_cnt);
}

}  // namespace darkscope::bench
