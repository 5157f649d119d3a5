#include "replay/openmetrics_writer.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace darkscope {
namespace {

std::string escape(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

std::string label_text(const std::vector<prometheus::ClientMetric::Label>& labels) {
    if (labels.empty()) return "";
    std::string s = "{";
    for (size_t i = 0; i < labels.size(); ++i) {
        if (i) s += ",";
        s += labels[i].name + "=\"" + escape(labels[i].value) + "\"";
    }
    return s + "}";
}

double value_of(const prometheus::ClientMetric& m, prometheus::MetricType type) {
    switch (type) {
    case prometheus::MetricType::Counter: return m.counter.value;
    case prometheus::MetricType::Gauge: return m.gauge.value;
    case prometheus::MetricType::Untyped: return m.untyped.value;
    default: return 0;
    }
}

// OpenMetrics names a counter family without its _total suffix; samples keep it.
std::string family_name(const std::string& name, prometheus::MetricType type) {
    if (type == prometheus::MetricType::Counter && name.size() > 6 && name.ends_with("_total"))
        return name.substr(0, name.size() - 6);
    return name;
}

}  // namespace

void OpenMetricsWriter::sample(int64_t unix_ns, const Snapshot& snapshot) {
    const int64_t ms = unix_ns / 1000000;
    for (const prometheus::MetricFamily& f : families_(snapshot)) {
        if (f.type != prometheus::MetricType::Counter && f.type != prometheus::MetricType::Gauge) continue;
        Family& fam = out_[family_name(f.name, f.type)];
        fam.type = f.type;
        fam.help = f.help;
        for (const prometheus::ClientMetric& m : f.metric) {
            Series& s = fam.series[label_text(m.label)];
            s.labels = label_text(m.label);
            // Several flushes can share a timestamp (a day change inside an
            // interval): OpenMetrics wants strictly increasing times per series.
            if (!s.samples.empty() && s.samples.back().first >= ms)
                s.samples.back().second = value_of(m, f.type);
            else
                s.samples.emplace_back(ms, value_of(m, f.type));
        }
    }
}

void OpenMetricsWriter::write(const std::string& path) const {
    std::ofstream out(path);
    if (!out) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    for (const auto& [name, fam] : out_) {
        const bool counter = fam.type == prometheus::MetricType::Counter;
        out << "# TYPE " << name << (counter ? " counter" : " gauge") << "\n";
        if (!fam.help.empty()) out << "# HELP " << name << " " << fam.help << "\n";
        for (const auto& [_, s] : fam.series)
            for (const auto& [ms, v] : s.samples) {
                std::ostringstream val;
                val.precision(17);
                val << v;
                out << name << (counter ? "_total" : "") << s.labels << " " << val.str() << " " << ms / 1000 << "."
                    << (ms % 1000 < 100 ? (ms % 1000 < 10 ? "00" : "0") : "") << ms % 1000 << "\n";
            }
    }
    out << "# EOF\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

}  // namespace darkscope
