#include "exposition/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "exposition/metric_families.h"

namespace darkscope {
namespace {

uint64_t boot_time_seconds() {
    std::ifstream in("/proc/stat");
    for (std::string key; in >> key;) {
        if (key == "btime") {
            uint64_t t = 0;
            in >> t;
            return t;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

uint64_t entries_in(const std::string& dir) {
    DIR* d = opendir(dir.c_str());
    if (!d) return 0;
    uint64_t n = 0;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n;
}

}  // namespace

std::optional<ProcessFigures> read_process_figures() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    // The command name (field 2) is in parentheses and may hold spaces: fields
    // are counted from the last ')'. proc(5): utime 14, stime 15, starttime 22,
    // vsize 23, rss 24 (pages).
    const size_t close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::vector<std::string> f;  // f[0] is field 3
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.size() < 22) return std::nullopt;
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
    ProcessFigures p;
    p.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
    p.start_time_seconds = static_cast<double>(boot_time_seconds()) + std::stod(f[19]) / ticks;
    p.virtual_bytes = std::stoull(f[20]);
    p.resident_bytes = std::stoull(f[21]) * page;
    p.open_fds = entries_in("/proc/self/fd");
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) p.max_fds = lim.rlim_cur;
    return p;
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out;
    const std::optional<ProcessFigures> p = read_process_figures();
    if (!p) return out;
    auto one = [&](const char* name, const char* help, MetricType type, double value) {
        auto f = family(name, help, type);
        add(f, {}, value);
        out.push_back(std::move(f));
    };
    one("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", MetricType::Counter,
        p->cpu_seconds);
    one("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
        static_cast<double>(p->resident_bytes));
    one("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
        static_cast<double>(p->virtual_bytes));
    one("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, static_cast<double>(p->open_fds));
    one("process_max_fds", "Maximum number of open file descriptors.", MetricType::Gauge,
        static_cast<double>(p->max_fds));
    one("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", MetricType::Gauge,
        p->start_time_seconds);
    return out;
}

}  // namespace darkscope
