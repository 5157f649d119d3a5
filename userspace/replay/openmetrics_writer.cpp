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
    if (!staged_.empty() && ms > staged_ms_) commit();
    if (staged_.empty()) staged_ms_ = ms;
    for (const prometheus::MetricFamily& f : families_(snapshot)) {
        if (f.type != prometheus::MetricType::Counter && f.type != prometheus::MetricType::Gauge) continue;
        Family& fam = out_[family_name(f.name, f.type)];
        fam.type = f.type;
        fam.help = f.help;
        for (const prometheus::ClientMetric& m : f.metric) {
            std::string labels = label_text(m.label);
            Series& s = fam.series[labels];
            s.labels = std::move(labels);
            staged_[&s] = value_of(m, f.type);
        }
    }
}

void OpenMetricsWriter::commit() {
    ++intervals_;
    for (auto& [s, value] : staged_) {
        const bool first = s->seen_at == 0;
        const bool changed = !first && value != s->latest.second;
        // The sample before a change, so that rate() and increase() see the change
        // happen in this interval and not spread over the unchanged ones before.
        if (changed && !s->latest_written) s->samples.push_back(s->latest);
        const bool write = first || changed || staged_ms_ - s->samples.back().first >= refresh_ms_;
        if (write) s->samples.emplace_back(staged_ms_, value);
        s->latest = {staged_ms_, value};
        s->latest_written = write;
        s->seen_at = intervals_;
    }
    staged_.clear();
    // A series missing from this interval ends at its last sample, as it would with
    // a sample at every interval.
    write_latest(intervals_);
}

void OpenMetricsWriter::write_latest(uint64_t unless_seen_at) {
    for (auto& [name, fam] : out_)
        for (auto& [labels, s] : fam.series)
            if (s.seen_at != unless_seen_at && !s.latest_written) {
                s.samples.push_back(s.latest);
                s.latest_written = true;
            }
}

void OpenMetricsWriter::write(const std::string& path) {
    if (!staged_.empty()) commit();
    write_latest(/*unless_seen_at=*/0);  // every series' last sample (seen_at is never 0)
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
