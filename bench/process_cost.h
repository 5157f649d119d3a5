// Runs a command as its own process and measures it: wall time, and user and
// system CPU from wait4 (the child's own, whatever else shares the machine).
// Used by the benchmarks that time the darkscope command (backfill_bench,
// alternating_days_bench).
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace darkscope::bench {

struct Cost {
    double wall = 0, user = 0, sys = 0;
    int status = -1;
    double cpu() const { return user + sys; }
};

inline double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

// Runs argv with stdout and stderr to /dev/null and measures it.
inline Cost run(const std::vector<std::string>& argv) {
    std::fflush(stdout);  // or the child flushes our buffer again when it reopens stdout
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        if (!std::freopen("/dev/null", "w", stdout) || !std::freopen("/dev/null", "w", stderr)) _exit(126);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    Cost c;
    if (pid < 0) return c;
    int st = 0;
    rusage ru{};
    wait4(pid, &st, 0, &ru);
    c.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    c.user = seconds(ru.ru_utime);
    c.sys = seconds(ru.ru_stime);
    c.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return c;
}

}  // namespace darkscope::bench
