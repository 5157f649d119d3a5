// Giving up privilege once the sensor is attached. Loading the program, creating
// and pinning maps and attaching to interfaces need CAP_BPF, CAP_PERFMON and
// CAP_NET_ADMIN (or root); what comes after does not: the maps are read and
// written through file descriptors the agent already holds, the ring buffer is
// mapped already, the pinned links are removed (which detaches them) by
// unlinking files the agent owns, and GeoIP files are plain files. So the agent
// drops every capability: effective, permitted, inheritable and ambient sets
// empty, the bounding set emptied too when it is allowed to (CAP_SETPCAP), and
// no_new_privs set so nothing it could execute gains privilege back. The one
// exception: CAP_NET_BIND_SERVICE when the metrics port is below 1024, because
// the web server binds after the drop. With --user the agent also switches to an
// unprivileged account, given its pins first (agent.cpp).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace darkscope {

// --user: the account the agent switches to once attached.
struct RunAsUser {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
};
// Looks the account up; throws std::invalid_argument "unknown user 'x' (--user)".
RunAsUser lookup_user(const std::string& name);

// Gives each path (a file or directory of the BPF filesystem, the state directory)
// to the user, so it can remove them later without privilege. Throws on failure.
void give_to_user(const std::vector<std::string>& paths, const RunAsUser& user);

// Capabilities are per thread: this must run while the process has one thread
// (before the web server starts). Throws std::runtime_error if it has more, or if
// a step fails. Returns the capability sets as /proc/self/status shows them
// afterwards ("CapEff: 0000000000000000 ..."), for the log.
// With `user`, it also switches to that user's uid and gid (supplementary groups:
// its gid alone) before emptying the sets.
std::string drop_capabilities(bool keep_net_bind_service, const RunAsUser* user = nullptr);

}  // namespace darkscope
