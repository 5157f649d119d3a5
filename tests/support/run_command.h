// Runs a shell command and returns what it printed (stdout and stderr together) and,
// optionally, its exit status: for tests and benchmarks that drive ip, nsenter, curl.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace darkscope::test {

inline std::string run_out(const std::string& cmd, int* status = nullptr) {
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    std::string out;
    char buf[4096];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    const int st = p ? pclose(p) : -1;
    if (status) *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out;
}

// Runs a shell command for its exit status alone.
inline int run_status(const std::string& cmd) {
    int st = 0;
    run_out(cmd, &st);
    return st;
}

}  // namespace darkscope::test
