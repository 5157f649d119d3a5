#include "live/shell.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

namespace darkscope::bench {
namespace {

std::mutex g_mu;
std::set<pid_t> g_children;
std::vector<std::string> g_commands;

}  // namespace

void run_checked(const std::string& cmd) {
    int st = 0;
    const std::string out = run_out(cmd, &st);
    if (st) throw std::runtime_error("`" + cmd + "` failed: " + out);
}

std::string read_file(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log_file) {
    std::lock_guard lock(g_mu);
    const pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        if (!std::freopen(log_file.c_str(), "w", stdout)) _exit(126);
        dup2(STDOUT_FILENO, STDERR_FILENO);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    if (pid < 0) throw std::runtime_error("fork failed");
    g_children.insert(pid);
    return pid;
}

int stop(pid_t pid, int sig, double seconds) {
    kill(pid, sig);
    int st = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    bool exited = false;
    while (std::chrono::steady_clock::now() < until)
        if (waitpid(pid, &st, WNOHANG) == pid) {
            exited = true;
            break;
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    std::lock_guard lock(g_mu);
    g_children.erase(pid);
    return exited && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void at_cleanup(const std::string& cmd) {
    std::lock_guard lock(g_mu);
    g_commands.push_back(cmd);
}

void cleanup() {
    std::set<pid_t> children;
    std::vector<std::string> commands;
    {
        std::lock_guard lock(g_mu);
        children.swap(g_children);
        commands.swap(g_commands);
    }
    for (pid_t p : children) kill(p, SIGKILL);
    for (pid_t p : children) waitpid(p, nullptr, 0);
    for (auto it = commands.rbegin(); it != commands.rend(); ++it) run_out(*it);
}

void install_signal_cleanup() {
    static sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every thread started later
    std::thread([] {
        int sig = 0;
        sigwait(&set, &sig);
        std::fprintf(stderr, "live_bench: signal %d, cleaning up\n", sig);
        cleanup();
        _exit(128 + sig);
    }).detach();
}

}  // namespace darkscope::bench
