// `darkscope run` as a child process inside a test's network namespace (nsenter
// --net, so the host's bpffs stays visible), its /metrics scraped with curl inside
// the namespace on the default address. Killed (by pid) when the test ends.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/run_command.h"

namespace darkscope::test {

using Metrics = std::map<std::string, double>;  // "name{labels}" -> value, as served

class AgentProcess {
public:
    AgentProcess(const std::string& netns, const std::string& bin, const std::vector<std::string>& args)
        : netns_(netns) {
        static int n = 0;
        err_file_ = "/tmp/darkscope-agent-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".err";
        std::vector<std::string> argv = {"nsenter", "--net=/run/netns/" + netns, bin, "run"};
        argv.insert(argv.end(), args.begin(), args.end());
        pid_ = fork();
        if (pid_ == 0) {
            FILE* f = std::freopen(err_file_.c_str(), "w", stderr);
            (void)f;
            std::vector<char*> cargv;
            for (auto& a : argv) cargv.push_back(a.data());
            cargv.push_back(nullptr);
            execvp(cargv[0], cargv.data());
            _exit(127);
        }
    }
    ~AgentProcess() {
        stop(SIGKILL);
        unlink(err_file_.c_str());
    }
    AgentProcess(const AgentProcess&) = delete;
    AgentProcess& operator=(const AgentProcess&) = delete;

    // Sends sig and waits (at most 30 s) for the exit; returns the exit status.
    int stop(int sig = SIGTERM) {
        if (pid_ <= 0) return -1;
        kill(pid_, sig);
        int st = 0;
        for (int i = 0; i < 300; ++i) {
            if (waitpid(pid_, &st, WNOHANG) == pid_) {
                pid_ = -1;
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        kill(pid_, SIGKILL);
        waitpid(pid_, &st, 0);
        pid_ = -1;
        return -1;
    }
    std::string stderr_text() const {
        std::ifstream f(err_file_);
        return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    }
    Metrics scrape() const {
        Metrics m;
        std::istringstream in(run_out("ip netns exec " + netns_ + " curl -s --max-time 5 http://127.0.0.1:9817/metrics"));
        for (std::string line; std::getline(in, line);) {
            if (line.empty() || line[0] == '#') continue;
            const size_t sp = line.rfind(' ');
            if (sp == std::string::npos) continue;
            try {
                m[line.substr(0, sp)] = std::stod(line.substr(sp + 1));
            } catch (...) {
            }
        }
        return m;
    }
    // Waits (at most 30 s) until the agent serves metrics with the program attached.
    bool wait_ready() const {
        for (int i = 0; i < 300; ++i) {
            for (const auto& [k, v] : scrape())
                if (k.rfind("darkscope_xdp_attached{", 0) == 0) return true;
            if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == pid_) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }
    // Waits for two complete polls after now, so everything sent before is folded in.
    Metrics settle() const {
        const double start = scrape()["darkscope_polls_total"];
        for (int i = 0; i < 300; ++i) {
            Metrics m = scrape();
            if (m["darkscope_polls_total"] >= start + 2) return m;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return scrape();
    }

private:
    std::string netns_;
    std::string err_file_;
    pid_t pid_ = -1;
};

}  // namespace darkscope::test
