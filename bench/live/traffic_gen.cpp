#include "live/traffic_gen.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "dataplane/unique_fd.h"
#include "live/netns_thread.h"
#include "trafficgen.skel.h"

namespace darkscope::bench {
namespace {

// Live frames: calls are sized to last about this long (each one ends with ~25 ms
// asleep in the kernel, so short calls would leave long gaps in the traffic)...
constexpr double kCallSeconds = 1.0;
// ...starting from this many runs, then from the runs per second of the last call.
constexpr double kFirstCallRuns = 1 << 20;
// Most frames the kernel runs between two transmits (its batch_size limit).
constexpr uint32_t kBatch = 256;
// AF_PACKET: frames per sendmmsg call.
constexpr unsigned kMsgs = 64;
// AF_PACKET: a relay that has transmitted nothing after this many frames sent into
// it is broken (not attached, wrong interface): an error, not a silent empty run.
constexpr uint64_t kRelayStallFrames = 1 << 16;

double now_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

std::string errno_text(const std::string& what) { return what + ": " + strerror(errno); }

// The relay program attached natively to a veth for the length of one send.
class RelayAttachment {
public:
    RelayAttachment(int ifindex, int prog_fd, const std::string& ifname) : ifindex_(ifindex) {
        if (bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, nullptr))
            throw std::runtime_error("attaching the relay to " + ifname + ": " + strerror(errno));
    }
    ~RelayAttachment() { bpf_xdp_detach(ifindex_, XDP_FLAGS_DRV_MODE, nullptr); }
    RelayAttachment(const RelayAttachment&) = delete;
    RelayAttachment& operator=(const RelayAttachment&) = delete;

private:
    int ifindex_;
};

// Errors with which a kernel refuses live-frames test runs (rather than a bug of ours).
bool refuses_live_frames(int err) { return err == EPERM || err == EOPNOTSUPP || err == EINVAL || err == 524; }

}  // namespace

const char* method_name(SendMethod m) { return m == SendMethod::LiveFrames ? "live frames" : "AF_PACKET relay"; }

void TrafficGen::SkelDeleter::operator()(trafficgen_bpf* s) const { trafficgen_bpf__destroy(s); }

TrafficGen::TrafficGen() : skel_(trafficgen_bpf__open_and_load()) {
    if (!skel_) throw std::runtime_error(errno_text("loading the traffic generator") + " (root needed)");
    if (const char* forced = std::getenv("DARKSCOPE_TRAFFICGEN")) {
        const std::string f = forced;
        if (f == "live-frames") method_ = SendMethod::LiveFrames;
        else if (f == "af-packet") method_ = SendMethod::AfPacketRelay;
        else throw std::runtime_error("DARKSCOPE_TRAFFICGEN=" + f + ": expected live-frames or af-packet");
        forced_ = true;
    }
}

TrafficGen::~TrafficGen() = default;

void TrafficGen::reset_counters(const SendSpec& spec) {
    auto* bss = skel_->bss;
    bss->sources = std::max<uint32_t>(spec.sources, 1);
    bss->next_source = 0;
    bss->next_tx_ns = 0;
    bss->sent = 0;
    bss->first_tx_ns = bss->last_tx_ns = 0;
    bss->limit = spec.rate > 0 ? static_cast<uint64_t>(spec.rate * spec.seconds) : UINT64_MAX;
    if (spec.count) bss->limit = std::min<uint64_t>(bss->limit, spec.count);
    // The program's clock is CLOCK_MONOTONIC too.
    bss->deadline_ns = static_cast<uint64_t>((now_seconds() + spec.seconds) * 1e9);
}

SendResult TrafficGen::result() const {
    // The sending window: first to last frame, plus the mean gap for the last one.
    const auto* bss = skel_->bss;
    SendResult r;
    r.sent = bss->sent;
    r.method = method_;
    if (r.sent > 1) r.seconds = (bss->last_tx_ns - bss->first_tx_ns) * 1e-9 * r.sent / (r.sent - 1);
    return r;
}

void TrafficGen::send_live_frames(int ifindex, const SendSpec& spec) {
    xdp_md ctx{};
    ctx.data_end = static_cast<uint32_t>(spec.frame.size());
    ctx.ingress_ifindex = static_cast<uint32_t>(ifindex);
    auto* bss = skel_->bss;
    bss->redirect_ifindex = 0;
    // The program paces (one frame per interval, the rest dropped untransmitted).
    bss->interval_ns = spec.rate > 0 ? static_cast<uint64_t>(1e9 / spec.rate) : 0;
    const double start = now_seconds(), deadline = start + spec.seconds;
    double runs = kFirstCallRuns;
    for (double t = start; bss->sent < bss->limit && t < deadline; t = now_seconds()) {
        const int repeat = static_cast<int>(std::clamp(runs, 1024.0, 1e8));
        LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = spec.frame.data(),
                    .data_size_in = static_cast<uint32_t>(spec.frame.size()), .ctx_in = &ctx, .ctx_size_in = sizeof ctx,
                    .repeat = repeat, .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = kBatch);
        if (bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.trafficgen), &opts)) {
            const int err = errno;
            throw std::system_error(err, std::generic_category(), "BPF_PROG_RUN (live frames)");
        }
        const double took = now_seconds() - t;
        runs = repeat / std::max(took, 1e-3) * std::min(kCallSeconds, std::max(deadline - now_seconds(), 0.01));
    }
}

void TrafficGen::send_af_packet(int ifindex, const SendSpec& spec) {
    if (spec.relay_ifname.empty() || spec.inject_ifname.empty())
        throw std::runtime_error("AF_PACKET relay: the testbed names no relay interfaces");
    const int relay = ifindex_in(spec.netns, spec.relay_ifname), inject = ifindex_in(spec.netns, spec.inject_ifname);
    auto* bss = skel_->bss;
    bss->redirect_ifindex = static_cast<uint32_t>(ifindex);
    bss->interval_ns = 0;  // userspace paces: the relay transmits every frame it gets
    RelayAttachment attached(relay, bpf_program__fd(skel_->progs.trafficgen), spec.relay_ifname);

    // Protocol 0: the socket only sends; it never sees a received frame.
    const UniqueFd sock(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (!sock.valid()) throw std::runtime_error(errno_text("AF_PACKET socket"));
    // Straight to the driver: no qdisc between the socket and the veth.
    const int one = 1;
    if (setsockopt(sock.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one))
        throw std::runtime_error(errno_text("PACKET_QDISC_BYPASS"));
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = inject;
    if (bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr))
        throw std::runtime_error(errno_text("binding the AF_PACKET socket to " + spec.inject_ifname));

    // Every message is the template: the relay sets each frame's source and port.
    iovec iov{const_cast<uint8_t*>(spec.frame.data()), spec.frame.size()};
    mmsghdr msgs[kMsgs]{};
    for (auto& m : msgs) {
        m.msg_hdr.msg_iov = &iov;
        m.msg_hdr.msg_iovlen = 1;
    }
    const uint64_t limit = bss->limit;
    const double start = now_seconds(), deadline = start + spec.seconds;
    uint64_t pushed = 0;  // frames handed to the socket
    for (;;) {
        const double now = now_seconds();
        const uint64_t sent = __atomic_load_n(&bss->sent, __ATOMIC_RELAXED);
        if (sent >= limit || now >= deadline) break;
        if (sent == 0 && pushed >= kRelayStallFrames)
            throw std::runtime_error("AF_PACKET relay: " + std::to_string(pushed) + " frames sent into " +
                                     spec.inject_ifname + ", none transmitted by the relay on " + spec.relay_ifname);
        // Frames due by now at the paced rate; the relay's count is the feedback, so
        // a frame lost between the socket and the relay is sent again.
        const uint64_t due = spec.rate > 0 ? std::min<uint64_t>(limit, static_cast<uint64_t>((now - start) * spec.rate) + 1)
                                           : limit;
        if (sent >= due) {
            const double wait = std::min((sent + 1 - due) / spec.rate, 0.001);
            timespec ts{0, static_cast<long>(std::max(wait, 20e-6) * 1e9)};
            nanosleep(&ts, nullptr);
            continue;
        }
        const unsigned n = static_cast<unsigned>(std::min<uint64_t>(kMsgs, due - sent));
        const int k = sendmmsg(sock.get(), msgs, n, 0);
        if (k < 0 && errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
            throw std::runtime_error(errno_text("sendmmsg on " + spec.inject_ifname));
        if (k > 0) pushed += static_cast<uint64_t>(k);
    }
}

SendResult TrafficGen::send(const SendSpec& spec) {
    SendResult out;
    // A thread of its own: setns, the CPU pin and the nice value apply to it alone.
    run_in_netns(spec.netns, [&] {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(spec.cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
        setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), spec.nice);
        const int ifindex = ifindex_in(spec.netns, spec.ifname);
        reset_counters(spec);
        if (method_ == SendMethod::LiveFrames) {
            try {
                send_live_frames(ifindex, spec);
            } catch (const std::system_error& e) {
                // Refused before anything went out: this kernel does not allow
                // live frames. Fall back for this send and every later one.
                if (forced_ || skel_->bss->sent || !refuses_live_frames(e.code().value())) throw;
                std::fprintf(stderr, "trafficgen: %s: this kernel refuses live frames; using the %s\n", e.what(),
                             method_name(SendMethod::AfPacketRelay));
                method_ = SendMethod::AfPacketRelay;
                reset_counters(spec);
            }
        }
        if (method_ == SendMethod::AfPacketRelay) send_af_packet(ifindex, spec);
        out = result();
    });
    return out;
}

}  // namespace darkscope::bench
