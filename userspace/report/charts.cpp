#include "report/charts.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "report/tables.h"

extern char** environ;

namespace darkscope::report {
namespace {

namespace fs = std::filesystem;

struct Line {
    std::string title;
    bool right_axis = false;  // its own scale on the right (sources beside packets)
    std::map<std::string, double> points;  // "YYYY-MM-DD" (or "YYYY-MM") -> value
};

struct Chart {
    std::string name, title, ylabel, y2label;
    bool monthly = false;
    std::vector<Line> lines;
};

// A day (or month) label moved by `n` days (months), for the x range's margins.
std::string shift(const std::string& label, int n, bool monthly) {
    struct tm tm {};
    tm.tm_year = std::stoi(label.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(label.substr(5, 2)) - 1 + (monthly ? n : 0);
    tm.tm_mday = monthly ? 1 : std::stoi(label.substr(8, 2)) + n;
    const time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    char buf[16];
    strftime(buf, sizeof buf, monthly ? "%Y-%m" : "%Y-%m-%d", &tm);
    return buf;
}

// Gnuplot quotes: a title must not close its string.
std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' || c == '\\' ? std::string("'") : std::string(1, c);
    return out + "\"";
}

std::string script(const Chart& c, const std::string& timezone, const std::vector<std::string>& x_labels) {
    std::ostringstream o;
    const char* fmt = c.monthly ? "%Y-%m" : "%Y-%m-%d";
    o << "set terminal svg size 900,420 dynamic enhanced font 'sans,11' background rgb 'white'\n"
      << "set output " << quoted(c.name + ".svg") << "\n"
      << "set title " << quoted(c.title) << "\nset xdata time\nset timefmt " << quoted(fmt) << "\n"
      << "set format x " << quoted(c.monthly ? "%Y-%m" : "%m-%d") << "\n"
      << "set xlabel " << quoted(std::string(c.monthly ? "month" : "day") + " (" + timezone + ")") << "\n"
      << "set ylabel " << quoted(c.ylabel) << "\nset yrange [0:*]\nset grid\nset key outside right top\n"
      << "set xrange [" << quoted(shift(x_labels.front(), -1, c.monthly)) << ":"
      << quoted(shift(x_labels.back(), 1, c.monthly)) << "]\n";
    if (!c.monthly && x_labels.size() <= 31) o << "set xtics 86400\n";  // one tic a day, each labelled once
    if (!c.y2label.empty())
        o << "set ytics nomirror\nset y2tics\nset y2range [0:*]\nset y2label " << quoted(c.y2label) << "\n";
    for (size_t i = 0; i < c.lines.size(); ++i) {
        o << "$d" << i << " << EOD\n";
        for (const std::string& x : x_labels) {
            auto it = c.lines[i].points.find(x);
            o << x << " " << (it == c.lines[i].points.end() ? 0.0 : it->second) << "\n";
        }
        o << "EOD\n";
    }
    o << "plot ";
    for (size_t i = 0; i < c.lines.size(); ++i)
        o << (i ? ", " : "") << "$d" << i << " using 1:2" << (c.lines[i].right_axis ? " axes x1y2" : "")
          << " with linespoints lw 2 title " << quoted(c.lines[i].title);
    o << "\n";
    return o.str();
}

void run_gnuplot(const fs::path& dir, const std::string& text, const std::string& name) {
    const fs::path script_file = dir / (name + ".gnuplot"), log_file = dir / (name + ".gnuplot.log");
    std::ofstream(script_file) << text;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());  // output files are relative to the directory
    const std::string script_name = script_file.filename();
    char* argv[] = {const_cast<char*>("gnuplot"), const_cast<char*>(script_name.c_str()), nullptr};
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    int status = 0;
    if (rc == 0) waitpid(pid, &status, 0);
    std::string log;
    if (std::ifstream in(log_file); in) std::getline(in, log);
    fs::remove(script_file);
    fs::remove(log_file);
    if (rc != 0) throw std::runtime_error("cannot run gnuplot for the charts (install gnuplot-nox)");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fs::exists(dir / (name + ".svg")))
        throw std::runtime_error("gnuplot failed to draw " + name + ".svg" + (log.empty() ? "" : ": " + log));
}

// The top five of a ranking, each with its per-day packets per sensor.
template <typename Key, typename Text>
std::vector<Line> top_lines(const std::vector<RankedRow>& ranked, const std::map<Key, std::map<std::string, uint64_t>>& days,
                            double sensors, Text key_of) {
    std::vector<Line> lines;
    for (size_t i = 0; i < ranked.size() && i < kChartRows; ++i) {
        Line l;
        const auto key = key_of(ranked[i]);
        l.title = ranked[i].protocol.empty() ? ranked[i].name : ranked[i].protocol + "/" + std::to_string(ranked[i].port);
        if (auto it = days.find(key); it != days.end())
            for (auto& [day, n] : it->second) l.points[day] = n / sensors;
        lines.push_back(l);
    }
    return lines;
}

}  // namespace

std::map<std::string, std::string> write_charts(const Figures& f, const fs::path& dir) {
    const PeriodFigures& p = f.current;
    const double sensors = static_cast<double>(std::max<size_t>(1, p.sensors.size()));
    std::vector<Chart> charts;
    const std::vector<TrendRow> rows = trend(p);
    Chart t{"trend", "Accesses and unique sources per sensor per day", "accesses (packets) per sensor per day",
            "unique sources per sensor per day", p.days.size() > kMonthlyTrendDays, {}};
    Line accesses{"accesses (packets, left)", false, {}}, sources{"unique sources (right)", true, {}};
    for (const TrendRow& r : rows) accesses.points[r.label] = r.packets_per_sensor, sources.points[r.label] = r.sources_per_sensor;
    t.lines = {accesses, sources};
    charts.push_back(t);
    Chart ports{"ports", "Top 5 destination ports", "packets per sensor per day", "", false,
                top_lines(rank_ports(f), p.port_days, sensors, [](const RankedRow& r) { return PortKey{r.protocol, r.port}; })};
    Chart countries{"countries", "Top 5 source countries", "packets per sensor per day", "", false,
                    top_lines(rank_countries(f), p.country_days, sensors, [](const RankedRow& r) { return r.name; })};
    if (!ports.lines.empty()) charts.push_back(ports);
    if (!countries.lines.empty()) charts.push_back(countries);

    std::vector<std::string> days;
    for (auto& [day, _] : p.days) days.push_back(day);
    std::map<std::string, std::string> out;
    if (days.empty()) return out;
    for (const Chart& c : charts) {
        std::vector<std::string> x;
        for (const TrendRow& r : rows) x.push_back(r.label);
        run_gnuplot(dir, script(c, f.timezone, c.monthly ? x : days), c.name);
        out[c.name] = c.name + ".svg";
    }
    return out;
}

}  // namespace darkscope::report
