#include "live/netns_thread.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "dataplane/unique_fd.h"

namespace darkscope::bench {

void run_in_netns(const std::string& netns, const std::function<void()>& fn) {
    std::string error;
    std::thread t([&] {
        try {
            const UniqueFd ns(open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC));
            if (!ns.valid() || setns(ns.get(), CLONE_NEWNET))
                throw std::runtime_error("entering netns " + netns + ": " + strerror(errno));
            fn();
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    t.join();
    if (!error.empty()) throw std::runtime_error(error);
}

int ifindex_in(const std::string& netns, const std::string& ifname) {
    const int i = static_cast<int>(if_nametoindex(ifname.c_str()));
    if (!i) throw std::runtime_error("no interface " + ifname + " in netns " + netns);
    return i;
}

}  // namespace darkscope::bench
