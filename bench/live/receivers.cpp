#include "live/receivers.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "live/shell.h"

namespace darkscope::bench {
namespace {

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

// Waits (bounded) until `needle` appears in a child's log; throws if it exits first.
void wait_for_log(pid_t pid, const std::string& log, const std::string& needle, const std::string& what) {
    for (int i = 0; i < 200; ++i) {
        if (read_file(log).find(needle) != std::string::npos) return;
        if (kill(pid, 0) != 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error(what + " did not start: " + read_file(log));
}

// The agent's --poll-interval (its default).
constexpr std::chrono::milliseconds kPollInterval{1000};

std::string tmp_path(const std::string& what) { return "/tmp/live_bench-" + std::to_string(getpid()) + "-" + what; }

}  // namespace

std::vector<std::string> Receiver::on_receiver_core() const {
    auto argv = words(tb_.in_sensor());
    for (const std::string& w : {std::string("taskset"), std::string("-c"), std::to_string(where_.cpu), std::string("nice"),
                                 std::string("-n"), std::to_string(where_.nice)})
        argv.push_back(w);
    return argv;
}

// --- bare XDP_DROP ---
void BareDrop::setup() {
    run_checked("ip -n " + tb_.sensor_ns + " link set dev " + tb_.sensor_if + " xdpdrv obj " + object() + " sec xdp");
}
void BareDrop::begin() { start_ = tb_.counters().xdp_drops; }
uint64_t BareDrop::end() { return tb_.counters().xdp_drops - start_; }
void BareDrop::teardown() { run_out("ip -n " + tb_.sensor_ns + " link set dev " + tb_.sensor_if + " xdpdrv off"); }

// --- kernel stack ---
void KernelStack::begin() { start_ = tb_.ip_in_receives(); }
uint64_t KernelStack::end() { return tb_.ip_in_receives() - start_; }

// --- tcpdump ---
void Tcpdump::begin() {
    log_ = tmp_path("tcpdump.log");
    auto argv = on_receiver_core();
    for (const char* w : {"tcpdump", "-n", "-i"}) argv.push_back(w);
    argv.push_back(tb_.sensor_if);
    for (const char* w : {"-w", "/dev/null"}) argv.push_back(w);
    pid_ = spawn(argv, log_);
    wait_for_log(pid_, log_, "listening on", "tcpdump");
}
uint64_t Tcpdump::end() {
    stop(pid_, SIGINT, 10);
    const std::string log = read_file(log_);
    unlink(log_.c_str());
    std::smatch m;
    if (!std::regex_search(log, m, std::regex("(\\d+) packets captured")))
        throw std::runtime_error("tcpdump printed no count: " + log);
    return std::stoull(m[1]);
}

// --- pmacctd ---
void Pmacctd::begin() {
    log_ = tmp_path("pmacctd.log");
    csv_ = tmp_path("pmacctd.csv");
    conf_ = tmp_path("pmacctd.conf");
    unlink(csv_.c_str());
    // Aggregated as an operator would for a darknet. The table is printed when pmacctd
    // stops (refresh longer than any run) and whenever its cache fills up (a million
    // sources do not fit the default cache): appended, so every purge is counted.
    std::ofstream(conf_) << "pcap_interface: " << tb_.sensor_if << "\n"
                         << "aggregate: src_host, dst_port, proto\n"
                         << "plugins: print\n"
                         << "print_output: csv\n"
                         << "print_output_file: " << csv_ << "\n"
                         << "print_output_file_append: true\n"
                         << "print_refresh_time: 3600\n";
    auto argv = on_receiver_core();
    for (const char* w : {"pmacctd", "-f"}) argv.push_back(w);
    argv.push_back(conf_);
    pid_ = spawn(argv, log_);
    wait_for_log(pid_, log_, "link type is", "pmacctd");
}
uint64_t Pmacctd::end() {
    stop(pid_, SIGINT, 30);
    std::ifstream in(csv_);
    std::string line;
    if (!std::getline(in, line)) throw std::runtime_error("pmacctd wrote no table: " + read_file(log_));
    // The PACKETS column of the header.
    int column = -1, k = 0;
    std::istringstream header(line);
    for (std::string f; std::getline(header, f, ','); ++k)
        if (f == "PACKETS") column = k;
    if (column < 0) throw std::runtime_error("pmacctd table has no PACKETS column: " + line);
    uint64_t total = 0;
    while (std::getline(in, line)) {
        if (line.rfind("SRC_IP", 0) == 0) continue;  // a title repeated by a later purge
        std::istringstream row(line);
        std::string f;
        for (int i = 0; i <= column && std::getline(row, f, ','); ++i) {
        }
        if (!f.empty()) total += std::stoull(f);
    }
    for (const std::string& f : {csv_, log_, conf_}) unlink(f.c_str());
    return total;
}

// --- darkscope ---
void DarkscopeAgent::setup() {
    sensor_name_ = "lb" + std::to_string(getpid());
    at_cleanup("rm -rf /sys/fs/bpf/darkscope/" + sensor_name_ + "; rmdir /sys/fs/bpf/darkscope 2>/dev/null");
    log_ = tmp_path("darkscope.log");
    auto argv = on_receiver_core();
    argv.push_back(DARKSCOPE_BIN);
    for (const char* w :
         {"run", "--interface", tb_.sensor_if.c_str(), "--xdp-mode", "native", "--dark-prefix", "198.51.100.0/24",
          "--dark-prefix", "2001:db8:dead::/48", "--sensor-name", sensor_name_.c_str(), "--poll-interval", "1s",
          "--source-map-entries"})
        argv.push_back(w);
    argv.push_back(std::to_string(source_map_entries_));
    argv.push_back("--source-cache-slots");
    argv.push_back(table_slots_);
    pid_ = spawn(argv, log_);
    for (int i = 0; i < 300; ++i) {
        if (scrape().count("darkscope_polls_total")) return;
        if (kill(pid_, 0) != 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("darkscope run did not start: " + read_file(log_));
}

std::map<std::string, double> DarkscopeAgent::scrape(double* seconds) const {
    const std::string file = tmp_path("metrics.txt");
    const std::string t =
        run_out(tb_.in_sensor() + "curl -s --max-time 20 -o " + file + " -w '%{time_total}' http://127.0.0.1:9817/metrics");
    if (seconds) *seconds = std::atof(t.c_str());
    std::map<std::string, double> m;
    std::istringstream in(read_file(file));
    unlink(file.c_str());
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        const size_t sp = line.rfind(' ');
        if (sp == std::string::npos) continue;
        m[line.substr(0, sp)] = std::atof(line.c_str() + sp + 1);
        m["series"] += 1;
        // Every frame the data plane saw lands in exactly one of these families.
        for (const char* family : {"darkscope_packets_total{", "darkscope_passed_packets_total{",
                                   "darkscope_malformed_packets_total{"})
            if (line.rfind(family, 0) == 0) m["frames"] += std::atof(line.c_str() + sp + 1);
    }
    return m;
}

double DarkscopeAgent::cpu_seconds() const {
    // Nanoseconds on a CPU, summed over the agent's threads (/proc/PID/task/*/schedstat,
    // first field): exact where /proc/PID/stat counts whole clock ticks.
    double ns = 0;
    if (DIR* d = opendir(("/proc/" + std::to_string(pid_) + "/task").c_str())) {
        while (dirent* e = readdir(d))
            if (e->d_name[0] != '.')
                ns += std::atof(read_file("/proc/" + std::to_string(pid_) + "/task/" + e->d_name + "/schedstat").c_str());
        closedir(d);
    }
    return ns * 1e-9;
}

void DarkscopeAgent::begin() {
    start_ = scrape();
    cpu_start_ = cpu_seconds();
    wall_start_ = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

uint64_t DarkscopeAgent::end() {
    // The agent drains what the program counted at its next poll: wait for one that
    // began after the send, so the CPU read below includes the work for these packets.
    std::this_thread::sleep_for(kPollInterval + std::chrono::milliseconds(150));
    const double cpu = cpu_seconds();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    double scrape_seconds = 0;
    auto now = scrape(&scrape_seconds);
    figures_.clear();
    figures_["unattributed"] = now["darkscope_unattributed_packets_total"] - start_["darkscope_unattributed_packets_total"];
    figures_["poll_seconds"] = now["darkscope_poll_duration_seconds"];
    figures_["poll_entries"] = now["darkscope_bpf_map_entries{map=\"sources\"}"];
    figures_["sources_today"] = now["darkscope_sources"];
    figures_["cpu_share"] = wall > wall_start_ ? (cpu - cpu_start_) / (wall - wall_start_) : 0;
    figures_["scrape_seconds"] = scrape_seconds;
    figures_["series"] = now["series"];
    std::istringstream status(read_file("/proc/" + std::to_string(pid_) + "/status"));
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) figures_["rss_mib"] = std::atof(line.c_str() + 6) / 1024;
    const double frames = now["frames"] - start_["frames"];
    // The agent's CPU time per packet (polls, scrapes by Prometheus excluded: the
    // bench's own two scrapes fall outside the CPU readings).
    figures_["cpu_ns_per_packet"] = frames > 0 ? (cpu - cpu_start_) * 1e9 / frames : 0;
    return static_cast<uint64_t>(frames);
}

void DarkscopeAgent::teardown() {
    if (pid_ > 0) stop(pid_, SIGTERM, 30);
    pid_ = -1;
    unlink(log_.c_str());
}

}  // namespace darkscope::bench
