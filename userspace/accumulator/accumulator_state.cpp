// Accumulator::save / Accumulator::load: the agent's own figures (per-country
// packets, today's distinct sources and their ports, countries and tools,
// admitted ports, past days) in a binary file, so a restarted agent continues them as the
// pinned maps continue the kernel's counters. Host byte order: the file never
// leaves the machine (it lives in /run, like the pins in /sys/fs/bpf, until reboot).
#include <cstring>
#include <istream>
#include <ostream>
#include <stdexcept>

#include "accumulator/accumulator.h"
#include "hashing/keyed_hash.h"

namespace darkscope {
namespace {

constexpr char kMagic[8] = {'D', 'S', 'A', 'C', 'C', 0, 0, 4};  // format version 4: + sketches, their key, estimate flags
// Version 3 (before --day-max-sources) lacks the sketches and estimate flags; an agent
// upgraded mid-day still loads it, so a package upgrade keeps the day's sources.
constexpr char kVersion3 = 3;
constexpr uint64_t kMaxCount = 1ull << 32;  // no map in a sane file is larger

class Writer {
public:
    explicit Writer(std::ostream& out) : out_(out) {}
    template <typename T>
    void pod(const T& v) {
        out_.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void str(const std::string& s) {
        pod<uint64_t>(s.size());
        out_.write(s.data(), static_cast<std::streamsize>(s.size()));
    }

private:
    std::ostream& out_;
};

class Reader {
public:
    explicit Reader(std::istream& in) : in_(in) {}
    template <typename T>
    T pod() {
        T v{};
        if (!in_.read(reinterpret_cast<char*>(&v), sizeof v)) throw std::runtime_error("truncated");
        return v;
    }
    uint64_t count() {
        const auto n = pod<uint64_t>();
        if (n > kMaxCount) throw std::runtime_error("implausible size");
        return n;
    }
    std::string str() {
        const uint64_t n = count();
        if (n > (1u << 20)) throw std::runtime_error("implausible size");
        std::string s(n, '\0');
        if (!in_.read(s.data(), static_cast<std::streamsize>(s.size()))) throw std::runtime_error("truncated");
        return s;
    }

private:
    std::istream& in_;
};

void write_counter(Writer& w, const DistinctCounter& c) {
    const DistinctCounter::State st = c.state();
    w.pod<uint64_t>(st.hashes.size());
    for (uint64_t h : st.hashes) w.pod(h);
    w.pod<uint64_t>(st.registers.size());
    for (uint8_t r : st.registers) w.pod(r);
    w.pod(st.hashes_seen);
}

DistinctCounter read_counter(Reader& r) {
    DistinctCounter::State st;
    for (uint64_t n = r.count(); n--;) st.hashes.push_back(r.pod<uint64_t>());
    for (uint64_t n = r.count(); n--;) st.registers.push_back(r.pod<uint8_t>());
    st.hashes_seen = r.pod<uint64_t>();
    return DistinctCounter::restore(std::move(st));
}

// Today's sketches (accumulator/source_sketches.h): each counter with its key.
void write_sketches(Writer& w, const SourceSketches& s) {
    write_counter(w, s.all());
    w.pod<uint64_t>(s.countries().size());
    for (const auto& [c, counter] : s.countries()) w.pod(c), write_counter(w, counter);
    w.pod<uint64_t>(s.labels().size());
    for (const auto& [l, counter] : s.labels()) w.pod(l), write_counter(w, counter);
    for (const DistinctCounter& counter : s.tools()) write_counter(w, counter);
}

void read_sketches(Reader& r, SourceSketches& s) {
    s.all() = read_counter(r);
    for (uint64_t n = r.count(); n--;) {
        const auto c = r.pod<uint16_t>();
        s.countries()[c] = read_counter(r);
    }
    for (uint64_t n = r.count(); n--;) {
        const auto l = r.pod<uint32_t>();
        s.labels()[l] = read_counter(r);
    }
    for (DistinctCounter& counter : s.tools()) counter = read_counter(r);
}

// What the saved figures depend on: a file from another configuration is not used.
std::string fingerprint(const AccumulatorConfig& c) {
    std::string f = c.day_timezone + "|" + std::to_string(c.auto_admit_packets) + "|" + std::to_string(c.max_auto_ports);
    for (uint16_t p : c.tracked_ports) f += "," + std::to_string(p);
    return f;
}

}  // namespace

// A version 3 file has no sketches: they are built again from the exact sets it holds
// (no set in it ever overflowed, there was no cap), under this process's hash key.
void Accumulator::sketch_loaded_sets() {
    today_sources_.for_each([&](const SourceAddr& addr, uint32_t index) {
        const SourceDay& day = today_days_[index];
        const uint64_t h = sketch_key_.hash(&addr, sizeof addr);
        today_sketches_.add_source(h, day.country);
        for (uint32_t l : day.labels) today_sketches_.add_label(h, l);
        for (uint32_t t = 0; t < DS_TOOL_COUNT; ++t)
            if (day.tools & (1u << t)) today_sketches_.add_tool(h, t);
    });
    yesterday_sources_.for_each(
        [&](const SourceAddr& addr, uint32_t) { yesterday_sketch_.add_hash(sketch_key_.hash(&addr, sizeof addr)); });
}

void Accumulator::save(std::ostream& out) const {
    std::lock_guard lock(mu_);
    Writer w(out);
    out.write(kMagic, sizeof kMagic);
    w.str(fingerprint(config_));
    w.str(today_);
    w.pod<uint64_t>(countries_.size());
    for (const std::string& c : countries_) w.str(c);
    w.pod<uint64_t>(country_packets_.size());
    for (const auto& [c, v] : country_packets_) w.str(c), w.pod(v);
    w.pod<uint64_t>(admitted_.size());
    for (const auto& [slot, ports] : admitted_) {
        w.pod(slot);
        w.pod<uint64_t>(ports.size());
        for (const auto& [port, base] : ports) w.pod(port), w.pod(base);
    }
    w.pod<uint64_t>(today_sources_.size());
    today_sources_.for_each([&](const SourceAddr& addr, uint32_t index) {
        const SourceDay& day = today_days_[index];
        w.pod(addr);
        w.pod(day.country);
        w.pod(day.tools);
        w.pod<uint64_t>(day.labels.size());
        for (uint32_t l : day.labels) w.pod(l);
    });
    w.pod<uint64_t>(label_sources_.size());
    for (const auto& [l, n] : label_sources_) w.pod(l), w.pod(n);
    w.pod<uint64_t>(country_sources_.size());
    for (const auto& [c, n] : country_sources_) w.pod(c), w.pod(n);
    w.pod(tool_sources_);
    w.pod<uint64_t>(labels_seen_.size());
    for (uint32_t l : labels_seen_) w.pod(l);
    w.pod<uint64_t>(countries_seen_.size());
    for (uint16_t c : countries_seen_) w.pod(c);
    w.pod<uint64_t>(days_.size());
    for (const auto& [d, t] : days_) w.str(d), w.pod(t);
    w.str(yesterday_);
    w.pod<uint64_t>(yesterday_sources_.size());
    yesterday_sources_.for_each([&](const SourceAddr& a, uint32_t) { w.pod(a); });
    w.pod(sketch_key_.bytes);  // the sketches' hashes are under it
    write_sketches(w, today_sketches_);
    w.pod<uint8_t>(today_estimated_);
    write_counter(w, yesterday_sketch_);
    w.pod<uint8_t>(yesterday_estimated_);
    // Today's per-port and per-country probe packets (the *_today gauges), sparse.
    uint64_t ports = 0;
    for (uint64_t n : ports_today_) ports += n != 0;
    w.pod(ports);
    for (uint32_t i = 0; i < ports_today_.size(); ++i)
        if (ports_today_[i]) w.pod(i), w.pod(ports_today_[i]);
    w.pod<uint64_t>(country_packets_today_.size());
    for (const auto& [c, n] : country_packets_today_) w.pod(c), w.pod(n);
}

void Accumulator::load(std::istream& in) {
    char magic[sizeof kMagic];
    if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic - 1) != 0 ||
        (magic[7] != kMagic[7] && magic[7] != kVersion3))
        throw std::runtime_error("not a darkscope state file (or another version)");
    const bool has_sketches = magic[7] != kVersion3;
    Accumulator s(config_);  // filled aside, swapped in whole
    try {
        Reader r(in);
        if (r.str() != fingerprint(config_))
            throw std::runtime_error("written with other --track-port or --day-boundary-timezone settings");
        s.today_ = r.str();
        s.countries_.clear();
        for (uint64_t n = r.count(); n--;) s.countries_.push_back(r.str());
        if (s.countries_.empty() || s.countries_.size() > 65536) throw std::runtime_error("bad country table");
        for (size_t i = 0; i < s.countries_.size(); ++i) s.country_index_[s.countries_[i]] = static_cast<uint16_t>(i);
        const auto country_ok = [&](uint16_t c) {
            if (c >= s.countries_.size()) throw std::runtime_error("country index out of range");
            return c;
        };
        const auto source_ok = [](const SourceAddr& a) {
            if (a.family != DS_FAMILY_IPV4 && a.family != DS_FAMILY_IPV6) throw std::runtime_error("bad source family");
            return a;
        };
        for (uint64_t n = r.count(); n--;) {
            std::string c = r.str();
            s.country_packets_[c] = r.pod<ds_counter>();
        }
        for (uint64_t n = r.count(); n--;) {
            auto& ports = s.admitted_[r.pod<uint32_t>()];
            for (uint64_t m = r.count(); m--;) {
                const auto port = r.pod<uint16_t>();
                ports[port] = r.pod<ds_counter>();
            }
        }
        for (uint64_t n = r.count(); n--;) {
            const auto addr = source_ok(r.pod<SourceAddr>());
            SourceDay day;
            day.country = country_ok(r.pod<uint16_t>());
            day.tools = r.pod<uint8_t>();
            for (uint64_t m = r.count(); m--;) day.labels.push_back(r.pod<uint32_t>());
            if (s.today_sources_.insert(addr, static_cast<uint32_t>(s.today_days_.size())))
                s.today_days_.push_back(std::move(day));
        }
        for (uint64_t n = r.count(); n--;) {
            const auto l = r.pod<uint32_t>();
            s.label_sources_[l] = r.pod<uint64_t>();
        }
        for (uint64_t n = r.count(); n--;) {
            const auto c = country_ok(r.pod<uint16_t>());
            s.country_sources_[c] = r.pod<uint64_t>();
        }
        s.tool_sources_ = r.pod<decltype(s.tool_sources_)>();
        for (uint64_t n = r.count(); n--;) s.labels_seen_.insert(r.pod<uint32_t>());
        for (uint64_t n = r.count(); n--;) s.countries_seen_.insert(country_ok(r.pod<uint16_t>()));
        for (uint64_t n = r.count(); n--;) {
            std::string d = r.str();
            s.days_[d] = r.pod<DayTotals>();
        }
        s.yesterday_ = r.str();
        for (uint64_t n = r.count(); n--;) s.yesterday_sources_.insert(source_ok(r.pod<SourceAddr>()), 0);
        if (has_sketches) {
            s.sketch_key_.bytes = r.pod<decltype(s.sketch_key_.bytes)>();
            read_sketches(r, s.today_sketches_);
            s.today_estimated_ = r.pod<uint8_t>() != 0;
            s.yesterday_sketch_ = read_counter(r);
            s.yesterday_estimated_ = r.pod<uint8_t>() != 0;
        } else {
            s.sketch_loaded_sets();
        }
        for (const auto& [c, _] : s.today_sketches_.countries()) country_ok(c);
        for (uint64_t n = r.count(); n--;) {
            const auto i = r.pod<uint32_t>();
            if (i >= s.ports_today_.size()) throw std::runtime_error("port index out of range");
            s.ports_today_[i] = r.pod<uint64_t>();
        }
        for (uint64_t n = r.count(); n--;) {
            const auto c = country_ok(r.pod<uint16_t>());
            s.country_packets_today_[c] = r.pod<uint64_t>();
        }
    } catch (const std::bad_alloc&) {
        throw std::runtime_error("implausible size");
    }
    std::lock_guard lock(mu_);
    std::swap(today_, s.today_);
    std::swap(countries_, s.countries_);
    std::swap(country_index_, s.country_index_);
    std::swap(country_packets_, s.country_packets_);
    country_packets_at_.clear();  // pointed into the map just replaced
    std::swap(admitted_, s.admitted_);
    std::swap(today_sources_, s.today_sources_);
    std::swap(today_days_, s.today_days_);
    std::swap(label_sources_, s.label_sources_);
    std::swap(country_sources_, s.country_sources_);
    std::swap(tool_sources_, s.tool_sources_);
    std::swap(labels_seen_, s.labels_seen_);
    std::swap(countries_seen_, s.countries_seen_);
    std::swap(days_, s.days_);
    std::swap(yesterday_, s.yesterday_);
    std::swap(yesterday_sources_, s.yesterday_sources_);
    std::swap(sketch_key_, s.sketch_key_);  // the saved key, or the one s sketched a version 3 file with
    std::swap(today_sketches_, s.today_sketches_);
    std::swap(today_estimated_, s.today_estimated_);
    std::swap(yesterday_sketch_, s.yesterday_sketch_);
    std::swap(yesterday_estimated_, s.yesterday_estimated_);
    std::swap(ports_today_, s.ports_today_);
    std::swap(country_packets_today_, s.country_packets_today_);
    ports_today_used_.clear();
    for (uint32_t i = 0; i < ports_today_.size(); ++i)
        if (ports_today_[i]) ports_today_used_.push_back(i);
    rebuild_port_views();  // other admitted ports
    rebuild_ports_ = true;  // and every port a candidate for admission again
}

}  // namespace darkscope
