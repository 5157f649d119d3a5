#include "dataplane/link_stats.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace darkscope {
namespace {

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) close(fd);
    }
};

// The reply's IFLA_STATS64 attribute; false when the reply carries none.
bool find_stats64(const nlmsghdr* h, rtnl_link_stats64& out) {
    const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
    int len = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(*ifi)));
    for (const rtattr* a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type != IFLA_STATS64 || RTA_PAYLOAD(a) < sizeof out) continue;
        std::memcpy(&out, RTA_DATA(a), sizeof out);  // the attribute is only 4-byte aligned
        return true;
    }
    return false;
}

}  // namespace

const std::vector<std::string>& link_drop_reasons() {
    static const std::vector<std::string> reasons = {"dropped", "missed", "fifo", "overrun", "no_handler"};
    return reasons;
}

LinkReceiveStats read_link_receive_stats(const std::string& interface) {
    const auto fail = [&](const std::string& what) {
        return std::runtime_error("interface " + interface + " counters: " + what);
    };
    const unsigned index = if_nametoindex(interface.c_str());
    if (!index) throw fail(std::strerror(errno));
    Fd s{socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
    if (s.fd < 0) throw fail(std::string("netlink socket: ") + std::strerror(errno));
    timeval timeout{1, 0};  // the kernel answers at once; never hang a scrape on it
    setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    struct {
        nlmsghdr h;
        ifinfomsg ifi;
    } req{};
    req.h.nlmsg_len = sizeof req;
    req.h.nlmsg_type = RTM_GETLINK;
    req.h.nlmsg_flags = NLM_F_REQUEST;
    req.h.nlmsg_seq = 1;
    req.ifi.ifi_family = AF_UNSPEC;
    req.ifi.ifi_index = static_cast<int>(index);
    if (send(s.fd, &req, sizeof req, 0) < 0) throw fail(std::string("netlink send: ") + std::strerror(errno));
    alignas(nlmsghdr) char buf[16384];
    const ssize_t n = recv(s.fd, buf, sizeof buf, 0);
    if (n < 0) throw fail(std::string("netlink receive: ") + std::strerror(errno));
    int left = static_cast<int>(n);
    for (const auto* h = reinterpret_cast<const nlmsghdr*>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_type == NLMSG_ERROR) {
            const int err = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
            throw fail(std::string("netlink: ") + std::strerror(err));
        }
        rtnl_link_stats64 st{};
        if (h->nlmsg_type != RTM_NEWLINK || !find_stats64(h, st)) continue;
        LinkReceiveStats out;
        out.packets = st.rx_packets;
        out.drops = {{"dropped", st.rx_dropped},
                     {"missed", st.rx_missed_errors},
                     {"fifo", st.rx_fifo_errors},
                     {"overrun", st.rx_over_errors},
                     {"no_handler", st.rx_nohandler}};
        return out;
    }
    throw fail("no IFLA_STATS64 in the kernel's answer");
}

}  // namespace darkscope
