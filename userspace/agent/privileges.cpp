#include "agent/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace darkscope {
namespace {

std::runtime_error failed(const std::string& step) {
    return std::runtime_error("cannot drop capabilities: " + step + ": " + std::strerror(errno));
}

// The lines of /proc/self/status that start with one of the prefixes.
std::string status_lines(std::initializer_list<const char*> prefixes) {
    std::ifstream in("/proc/self/status");
    std::string out;
    for (std::string line; std::getline(in, line);)
        for (const char* p : prefixes)
            if (line.rfind(p, 0) == 0) out += (out.empty() ? "" : ", ") + line;
    return out;
}

}  // namespace

RunAsUser lookup_user(const std::string& name) {
    passwd pw{}, *found = nullptr;
    std::vector<char> buf(16384);
    if (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) || !found)
        throw std::invalid_argument("unknown user '" + name + "' (--user)");
    return {name, pw.pw_uid, pw.pw_gid};
}

void give_to_user(const std::vector<std::string>& paths, const RunAsUser& user) {
    for (const std::string& p : paths)
        if (lchown(p.c_str(), user.uid, user.gid))
            throw std::runtime_error("cannot give " + p + " to user " + user.name + ": " + std::strerror(errno));
}

std::string drop_capabilities(bool keep_net_bind_service, const RunAsUser* user) {
    const std::string threads = status_lines({"Threads:"});
    if (threads != "Threads:\t1")
        throw std::runtime_error("cannot drop capabilities: more than one thread runs (" + threads + ")");

    std::unique_ptr<_cap_struct, decltype(&cap_free)> caps(cap_get_proc(), &cap_free);
    if (!caps) throw failed("cap_get_proc");
    cap_flag_value_t setpcap = CAP_CLEAR;
    cap_get_flag(caps.get(), CAP_SETPCAP, CAP_EFFECTIVE, &setpcap);
    cap_flag_value_t bind = CAP_CLEAR;
    cap_get_flag(caps.get(), CAP_NET_BIND_SERVICE, CAP_PERMITTED, &bind);
    const bool keep_bind = keep_net_bind_service && bind == CAP_SET;
    if (setpcap == CAP_SET) {
        for (cap_value_t c = 0; c <= cap_max_bits() - 1; ++c)
            if (!(keep_bind && c == CAP_NET_BIND_SERVICE) && cap_drop_bound(c) && errno != EINVAL)
                throw failed("cap_drop_bound");
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL) throw failed("clearing ambient");
    if (user) {
        // Keep the permitted set across setuid only for CAP_NET_BIND_SERVICE.
        if (keep_bind && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)) throw failed("keepcaps");
        const gid_t gid = user->gid;
        if (setgroups(1, &gid)) throw failed("setgroups");
        if (setresgid(gid, gid, gid)) throw failed("setresgid");
        if (setresuid(user->uid, user->uid, user->uid)) throw failed("setresuid");
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) throw failed("no_new_privs");
    std::unique_ptr<_cap_struct, decltype(&cap_free)> kept(cap_init(), &cap_free);
    if (!kept) throw failed("cap_init");
    if (keep_bind) {
        const cap_value_t list[] = {CAP_NET_BIND_SERVICE};
        cap_set_flag(kept.get(), CAP_EFFECTIVE, 1, list, CAP_SET);
        cap_set_flag(kept.get(), CAP_PERMITTED, 1, list, CAP_SET);
    }
    if (cap_set_proc(kept.get())) throw failed("cap_set_proc");
    return status_lines({"Uid:", "Gid:", "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"});
}

}  // namespace darkscope
