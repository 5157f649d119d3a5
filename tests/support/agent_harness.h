// What the agent's integration tests share: a sensor namespace and a scanner
// namespace joined by a veth pair, `darkscope run` started in the sensor namespace
// with nsenter (so the host's bpffs stays visible), scrapes of its /metrics with
// curl, and guards that remove namespaces and pins whatever happens.
// The including target defines DARKSCOPE_BIN and DARKSCOPE_TEST_GEOIP_DIR.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <dirent.h>
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

const std::string kBin = DARKSCOPE_BIN;
const std::string kGeo = DARKSCOPE_TEST_GEOIP_DIR;

inline int run(const std::string& cmd) {
    int st = 0;
    run_out(cmd, &st);
    return st;
}

inline bool exists(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0;
}

// Two namespaces joined by a veth pair; the scanner routes the dark prefixes to the sensor.
struct Netns {
    std::string tag, sensor, scanner, sif, pif;
    Netns() {
        static int n = 0;
        tag = std::to_string(getpid()) + "n" + std::to_string(n++);
        sensor = "dsS" + tag;
        scanner = "dsP" + tag;
        sif = "dsa" + tag;
        pif = "dsb" + tag;
        const std::vector<std::string> setup = {
            "ip netns add " + sensor,
            "ip netns add " + scanner,
            "ip link add " + sif + " netns " + sensor + " type veth peer name " + pif + " netns " + scanner,
            "ip -n " + sensor + " link set lo up",
            "ip -n " + scanner + " link set lo up",
            "ip -n " + sensor + " addr add 192.0.2.1/24 dev " + sif,
            "ip -n " + sensor + " addr add 2001:db8:1::1/64 dev " + sif + " nodad",
            "ip -n " + scanner + " addr add 192.0.2.2/24 dev " + pif,
            "ip -n " + scanner + " addr add 2001:db8:1::2/64 dev " + pif + " nodad",
            "ip -n " + sensor + " link set " + sif + " up",
            "ip -n " + scanner + " link set " + pif + " up",
            "ip -n " + scanner + " route add 198.51.100.0/24 via 192.0.2.1",
            "ip -n " + scanner + " route add 2001:db8:dead::/48 via 2001:db8:1::1",
        };
        for (const auto& c : setup) EXPECT_EQ(run(c), 0) << c;
    }
    ~Netns() {
        run("ip netns del " + sensor);
        run("ip netns del " + scanner);
    }
    std::string in_scanner(const std::string& cmd) const { return "ip netns exec " + scanner + " " + cmd; }
    std::string in_sensor(const std::string& cmd) const { return "ip netns exec " + sensor + " " + cmd; }
    bool xdp_on_sensor_if() const { return run_out("ip -n " + sensor + " link show " + sif).find("xdp") != std::string::npos; }
};

using Metrics = std::map<std::string, double>;

inline std::string pin_dir(const std::string& sensor) { return "/sys/fs/bpf/darkscope/" + sensor; }

// Removes a sensor's pins whatever happens (a failed test may kill its agent).
struct PinGuard {
    std::string sensor;
    ~PinGuard() {
        if (!sensor.empty()) run("rm -rf " + pin_dir(sensor) + " && rmdir /sys/fs/bpf/darkscope 2>/dev/null");
    }
};

// One darkscope process in the sensor namespace (nsenter keeps the host's bpffs).
struct Agent {
    std::string netns;  // where it runs and is scraped
    pid_t pid = -1;
    std::string err_file;
    std::string path = "/metrics";
    std::string url = "http://127.0.0.1:9817";  // scheme, host and port of the endpoint
    std::string curl_args;                      // e.g. credentials, CA file
    int exit_status = -1;                       // once wait_ready saw it exit

    // bin: the darkscope binary to run (a copy placed elsewhere, say).
    Agent(const Netns& n, std::vector<std::string> args, const std::string& prefix_cmd = "",
          const std::string& bin = kBin)
        : Agent(n.sensor, std::move(args), prefix_cmd, bin) {}
    Agent(const std::string& sensor_netns, std::vector<std::string> args, const std::string& prefix_cmd = "",
          const std::string& bin = kBin)
        : netns(sensor_netns) {
        err_file = "/tmp/darkscope-agent-" + netns + "-" + std::to_string(counter()++) + ".err";
        std::vector<std::string> argv = {"nsenter", "--net=/run/netns/" + netns};
        if (!prefix_cmd.empty()) {
            std::istringstream in(prefix_cmd);
            for (std::string w; in >> w;) argv.push_back(w);
        }
        argv.push_back(bin);
        argv.push_back("run");
        argv.insert(argv.end(), args.begin(), args.end());
        pid = fork();
        if (pid == 0) {
            FILE* f = std::freopen(err_file.c_str(), "w", stderr);
            (void)f;
            std::vector<char*> cargv;
            for (auto& a : argv) cargv.push_back(a.data());
            cargv.push_back(nullptr);
            execvp(cargv[0], cargv.data());
            _exit(127);
        }
    }
    ~Agent() {
        stop(SIGKILL);
        unlink(err_file.c_str());
    }
    static int& counter() {
        static int c = 0;
        return c;
    }
    // Sends sig and waits (bounded) for the exit; returns the exit status.
    int stop(int sig = SIGTERM) {
        if (pid <= 0) return -1;
        kill(pid, sig);
        return wait_exit(30);
    }
    int wait_exit(int seconds) {
        if (pid <= 0) return exit_status;
        int st = 0;
        for (int i = 0; i < seconds * 10; ++i) {
            if (waitpid(pid, &st, WNOHANG) == pid) {
                pid = -1;
                return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        pid = -1;
        return -1;
    }
    std::string stderr_text() const {
        std::ifstream f(err_file);
        return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    }
    std::string scrape_text() const {
        return run_out("ip netns exec " + netns + " curl -s --max-time 5 " + curl_args + " " + url + path);
    }
    Metrics scrape() const {
        Metrics m;
        std::istringstream in(scrape_text());
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
    // Waits until the agent serves its metrics with the program attached.
    // False when it exits first (its status is then in exit_status).
    bool wait_ready() {
        for (int i = 0; i < 300; ++i) {
            for (const auto& [k, v] : scrape())
                if (k.rfind("darkscope_xdp_attached{", 0) == 0) return true;
            int st = 0;
            if (pid > 0 && waitpid(pid, &st, WNOHANG) == pid) {
                pid = -1;
                exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                return false;
            }
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
        ADD_FAILURE() << "the agent stopped polling";
        return scrape();
    }
};

inline std::vector<std::string> base_args(const Netns& ns, const std::string& sensor) {
    return {"--interface", ns.sif, "--dark-prefix", "198.51.100.0/24", "--dark-prefix", "2001:db8:dead::/48",
            "--geoip", kGeo + "/country-maxmind.mmdb", "--poll-interval", "200ms", "--sensor-name", sensor};
}

// Runs nmap with --packet-trace and counts the probes it reports sending, per port.
inline std::map<int, int> nmap_probes(const Netns& ns, const std::string& args) {
    const std::string out = run_out(ns.in_scanner("nmap -n -Pn -sS --max-retries 0 --packet-trace " + args));
    std::map<int, int> sent;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("SENT", 0) != 0 || line.find(" TCP ") == std::string::npos) continue;
        const size_t gt = line.find(" > ");
        const size_t end = line.find(' ', gt + 3);
        const std::string dst = line.substr(gt + 3, end - gt - 3);
        sent[std::stoi(dst.substr(dst.rfind(':') + 1))]++;
    }
    return sent;
}

// Runs hping3 in the scanner namespace; true when it reports sending exactly count packets.
inline bool hping(const Netns& ns, const std::string& args, int count) {
    const std::string out = run_out(ns.in_scanner("hping3 -q -i u10000 -c " + std::to_string(count) + " " + args));
    return out.find(std::to_string(count) + " packets transmitted") != std::string::npos;
}

inline std::string series(const std::string& name, const std::string& labels) { return name + "{" + labels + "}"; }

// A bad start: one line "darkscope: error: ..." naming the problem, a non-zero
// exit, and nothing attached or pinned.
struct BadStart {
    int status;
    std::string err;
};
inline BadStart bad_start(const Netns& ns, std::vector<std::string> args, const std::string& prefix = "",
                          const std::string& bin = kBin) {
    Agent a(ns, std::move(args), prefix, bin);
    const int st = a.wait_exit(60);
    return {st, a.stderr_text()};
}

inline void expect_one_error_line(const BadStart& r, const std::string& needle) {
    EXPECT_NE(r.status, 0);
    const std::string marker = "darkscope: error: ";
    const size_t at = r.err.find(marker);
    ASSERT_NE(at, std::string::npos) << r.err;
    const std::string line = r.err.substr(at, r.err.find('\n', at) - at);
    EXPECT_NE(line.find(needle), std::string::npos) << line;
    EXPECT_EQ(r.err.find(marker, at + 1), std::string::npos) << r.err;
}

// "CapEff" -> "0000000000000000" and so on, for each thread of a process.
inline std::vector<std::map<std::string, std::string>> thread_credentials(pid_t pid) {
    std::vector<std::map<std::string, std::string>> out;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream in(dir + "/" + e->d_name + "/status");
        std::map<std::string, std::string> fields;
        for (std::string line; std::getline(in, line);) {
            const size_t colon = line.find(':');
            if (line.rfind("Cap", 0) == 0 || line.rfind("NoNewPrivs", 0) == 0 || line.rfind("Name", 0) == 0 ||
                line.rfind("Uid", 0) == 0 || line.rfind("Gid", 0) == 0)
                fields[line.substr(0, colon)] = line.substr(line.find_first_not_of(" \t", colon + 1));
        }
        out.push_back(fields);
    }
    closedir(d);
    return out;
}

// Every thread's capability sets are `effective` (effective, permitted, bounding),
// inheritable and ambient empty, and no_new_privs is on (SECURITY.md).
inline void expect_capabilities(pid_t pid, const std::string& effective) {
    const auto threads = thread_credentials(pid);
    ASSERT_GE(threads.size(), 3u);  // main, civetweb's listener and workers, the DNS event reader
    for (const auto& t : threads) {
        EXPECT_EQ(t.at("CapEff"), effective) << t.at("Name");
        EXPECT_EQ(t.at("CapPrm"), effective) << t.at("Name");
        EXPECT_EQ(t.at("CapInh"), "0000000000000000") << t.at("Name");
        EXPECT_EQ(t.at("CapAmb"), "0000000000000000") << t.at("Name");
        EXPECT_EQ(t.at("CapBnd"), effective) << t.at("Name");
        EXPECT_EQ(t.at("NoNewPrivs"), "1") << t.at("Name");
    }
}

}  // namespace darkscope::test
