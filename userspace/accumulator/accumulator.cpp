#include "accumulator/accumulator.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include "accumulator/prefetch.h"
#include "accumulator/time_zone.h"
#include "dataplane/names.h"
#include "hashing/keyed_hash.h"

namespace darkscope {
namespace {

constexpr uint32_t kOtherBit = 1u << 31;

// The port-array slots exported as darkscope_port_* (probe traffic only).
constexpr uint32_t kProbeSlots[] = {DS_SLOT_TCP_DST, DS_SLOT_UDP_DST, DS_SLOT_ICMP, DS_SLOT_ICMPV6};

bool is_icmp_slot(uint32_t slot) { return slot == DS_SLOT_ICMP || slot == DS_SLOT_ICMPV6; }

// The port slot a per-source key falls in, or DS_PORT_SLOTS for none.
uint32_t key_slot(const ds_source_key& k) {
    if ((k.info & DS_KEY_BACKSCATTER) || !DS_KEY_HAS_PORT(k.info)) return DS_PORT_SLOTS;
    switch (k.proto) {
    case 6: return DS_SLOT_TCP_DST;
    case 17: return DS_SLOT_UDP_DST;
    case 1: return DS_KEY_FAMILY(k.info) == DS_FAMILY_IPV4 ? DS_SLOT_ICMP : DS_PORT_SLOTS;
    case 58: return DS_KEY_FAMILY(k.info) == DS_FAMILY_IPV6 ? DS_SLOT_ICMPV6 : DS_PORT_SLOTS;
    }
    return DS_PORT_SLOTS;
}

ds_counter plus(ds_counter a, const ds_counter& b) {
    a.packets += b.packets;
    a.bytes += b.bytes;
    return a;
}

// Exact in unsigned arithmetic whenever the sum it undoes included b.
ds_counter minus(ds_counter a, const ds_counter& b) {
    a.packets -= b.packets;
    a.bytes -= b.bytes;
    return a;
}

}  // namespace

Accumulator::Accumulator(AccumulatorConfig config)
    : config_(std::move(config)),
      combinations_({.named = config_.port_combinations,
                     .tracked_ports = config_.tracked_ports,
                     .max_sources = config_.port_combination_max_sources,
                     .max_ports = config_.port_combination_max_ports}),
      scans_(config_.scans),
      port_countries_(config_.port_countries),
      source_port_dests_(config_.source_port_dests) {
    const std::string& tz = config_.day_timezone;
    if (!time_zone_exists(tz))
        throw std::invalid_argument("unknown time zone '" + tz + "' (use an IANA name such as UTC or Asia/Tokyo)");
    setenv("TZ", tz.c_str(), 1);
    tzset();
    stats_.assign(DS_STATS_ENTRIES, ds_counter{});
    port_stats_.assign(DS_PORT_SLOTS * DS_PORTS_PER_SLOT, ds_counter{});
    ports_today_.assign(DS_PORT_SLOTS * DS_PORTS_PER_SLOT, 0);
    rebuild_port_views();  // the tracked ports are labelled before any update
    countries_.push_back("");  // index 0: not looked up
    signatures_ = SignatureBook(config_.signatures);
}

std::string Accumulator::day_of(int64_t unix_ns) const {
    time_t t = static_cast<time_t>(unix_ns / 1000000000);
    if (unix_ns < 0 && unix_ns % 1000000000) --t;
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[16];
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

bool Accumulator::is_labelled(uint32_t slot, uint16_t port) const {
    if (is_icmp_slot(slot)) return true;  // ICMP types are a small fixed set: all labelled
    return labelled_[DS_PORT_INDEX(slot, port)];
}

uint32_t Accumulator::label_id(uint32_t slot, uint16_t port) const {
    if (is_icmp_slot(slot)) return (slot << 16) | (port >> 8);  // by type, codes summed
    return is_labelled(slot, port) ? (slot << 16) | port : (kOtherBit | slot);
}

PortLabel Accumulator::label_of(uint32_t id) const {
    const uint32_t slot = (id & ~kOtherBit) >> 16;
    if (id & kOtherBit) return {slot_protocol_name(id & ~kOtherBit), "other"};
    return {slot_protocol_name(slot), std::to_string(id & 0xffff)};
}

void Accumulator::admit_busy_ports(const std::vector<std::pair<uint32_t, ds_counter>>& candidates) {
    // Only a port whose count moved can have become busy: at the last update every
    // busy port was admitted, unless the cap was reached (and then nothing is).
    for (uint32_t slot : {DS_SLOT_TCP_DST, DS_SLOT_UDP_DST}) {
        auto& admitted = admitted_[slot];
        if (admitted.size() >= config_.max_auto_ports) continue;
        // Busiest first, so the cap keeps the ports that matter.
        std::vector<std::pair<uint64_t, uint16_t>> busy;
        std::map<uint16_t, ds_counter> exported;
        for (const auto& [index, before] : candidates) {
            const uint16_t port = static_cast<uint16_t>(index % DS_PORTS_PER_SLOT);
            if (index / DS_PORTS_PER_SLOT != slot || is_labelled(slot, port)) continue;
            const ds_counter& c = port_stats_[index];
            if (c.packets < config_.auto_admit_packets) continue;
            busy.emplace_back(c.packets, port);
            exported[port] = before;
        }
        std::sort(busy.rbegin(), busy.rend());
        for (auto& [packets, port] : busy) {
            if (admitted.size() >= config_.max_auto_ports) break;
            // What "other" already carried of the port stays there (it never shrinks).
            admitted[port] = exported[port];
            const uint32_t index = DS_PORT_INDEX(slot, port);
            labelled_[index] = true;
            unlabelled_[slot] = minus(unlabelled_[slot], port_stats_[index]);
        }
    }
}

void Accumulator::rebuild_port_views() {
    labelled_.assign(port_stats_.size(), false);
    for (uint32_t slot = 0; slot < DS_PORT_SLOTS; ++slot) {
        if (is_icmp_slot(slot)) continue;
        for (uint16_t port : config_.tracked_ports) labelled_[DS_PORT_INDEX(slot, port)] = true;
        if (const auto it = admitted_.find(slot); it != admitted_.end())
            for (const auto& [port, _] : it->second) labelled_[DS_PORT_INDEX(slot, port)] = true;
    }
    unlabelled_.fill(ds_counter{});
    icmp_types_.clear();
    for (uint32_t i = 0; i < port_stats_.size(); ++i) {
        const uint32_t slot = i / DS_PORTS_PER_SLOT;
        const ds_counter& c = port_stats_[i];
        if (is_icmp_slot(slot)) {
            ds_counter& t = icmp_types_[label_id(slot, static_cast<uint16_t>(i % DS_PORTS_PER_SLOT))];
            t = plus(t, c);
        } else if (!labelled_[i]) {
            unlabelled_[slot] = plus(unlabelled_[slot], c);
        }
    }
}

void Accumulator::update_ports(const std::vector<ds_counter>& ports, const std::vector<uint32_t>& changed) {
    if (ports.size() != port_stats_.size()) return;
    // The first time (and after load()) every port is a candidate for admission.
    std::vector<uint32_t> every;
    const bool rebuild = rebuild_ports_;
    if (rebuild) {
        rebuild_port_views();
        rebuild_ports_ = false;
        every.resize(ports.size());
        for (uint32_t i = 0; i < every.size(); ++i) every[i] = i;
    }
    // The counts "other" was last exported with: a port admitted now keeps only
    // those there, so a burst within one scrape interval is in its series alone.
    std::vector<std::pair<uint32_t, ds_counter>> candidates;
    for (uint32_t i : rebuild ? every : changed) {
        const ds_counter before = port_stats_[i], now = ports[i];
        const bool moved = before.packets != now.packets || before.bytes != now.bytes;
        if (!moved && !rebuild) continue;
        port_stats_[i] = now;
        const uint32_t slot = i / DS_PORTS_PER_SLOT;
        if (is_icmp_slot(slot)) {
            ds_counter& t = icmp_types_[label_id(slot, static_cast<uint16_t>(i % DS_PORTS_PER_SLOT))];
            t = plus(minus(t, before), now);
        } else if (!labelled_[i]) {
            unlabelled_[slot] = plus(minus(unlabelled_[slot], before), now);
        }
        if (slot == DS_SLOT_TCP_DST || slot == DS_SLOT_UDP_DST) candidates.emplace_back(i, before);
    }
    admit_busy_ports(candidates);  // only new port counts can make a port busy
}

void Accumulator::update_counters(const KernelCounters& k) {
    if (k.stats.size() == stats_.size()) stats_ = k.stats;
    tools_ = tool_counts(k.tool_stats);
    signatures_.update(k.signatures);
    for (const SourcePortDestEntry& e : k.source_port_dests)
        source_port_dests_.add_total(uint32_t{e.key.proto} << 16 | e.key.sport, e.key.dport, e.counter.packets);
    source_port_dests_.admit();
}

void Accumulator::update(const KernelCounters& k) {
    std::lock_guard lock(mu_);
    if (k.port_stats.size() == port_stats_.size()) {
        std::vector<uint32_t> changed;
        for (uint32_t i = 0; i < port_stats_.size(); ++i)
            if (k.port_stats[i].packets != port_stats_[i].packets || k.port_stats[i].bytes != port_stats_[i].bytes)
                changed.push_back(i);
        update_ports(k.port_stats, changed);
    }
    update_counters(k);
}

void Accumulator::update(const KernelCounters& k, const std::vector<ds_counter>& ports,
                         const std::vector<uint32_t>& changed) {
    std::lock_guard lock(mu_);
    update_ports(ports, changed);
    update_counters(k);
}

void Accumulator::update_signatures(const std::vector<SignatureEntry>& signatures) {
    std::lock_guard lock(mu_);
    signatures_.update(signatures);
}

std::vector<ds_source_port_key> Accumulator::watched_source_ports() const {
    std::lock_guard lock(mu_);
    std::vector<ds_source_port_key> out;
    for (const auto& [port, _] : signatures_.exported().source_ports)
        out.push_back({.sport = port.port, .proto = port.proto, .pad = 0});
    return out;
}

uint64_t Accumulator::country_sources_today(uint16_t ci) const {
    const auto it = country_sources_.find(ci);
    return today_figure(it == country_sources_.end() ? 0 : it->second, today_sketches_.country(ci));
}

void Accumulator::roll_day(const std::string& day) {
    // The closing day's figures, estimated if its set overflowed.
    if (!today_.empty()) days_[today_].sources = sources_today();
    previous_country_sources_.clear();
    for (uint16_t ci : countries_seen_)
        if (const uint64_t n = country_sources_today(ci)) previous_country_sources_[ci] = n;
    // Keep yesterday's set so that entries drained just after midnight still count
    // as distinct sources of the day they arrived in. Moved, not copied: a copy of
    // a full set would double the agent's memory at every boundary.
    yesterday_sources_ = std::move(today_sources_);
    today_sources_.clear();
    today_days_.clear();
    yesterday_sketch_ = std::move(today_sketches_.all());
    yesterday_estimated_ = today_estimated_;
    today_sketches_ = SourceSketches();
    today_estimated_ = false;
    yesterday_ = today_;
    label_sources_.clear();
    country_sources_.clear();
    tool_sources_.fill(0);
    for (uint32_t i : ports_today_used_) ports_today_[i] = 0;
    ports_today_used_.clear();
    country_packets_today_.clear();
    combinations_.new_day();
    today_ = day;
    days_[day];
}

void Accumulator::advance_to(int64_t unix_ns) {
    std::lock_guard lock(mu_);
    std::string day = day_of(unix_ns);
    if (today_.empty() || day > today_) roll_day(day);
    scans_.expire(unix_ns);
}

void Accumulator::add_sources(const std::vector<SourceEntry>& entries,
                              const std::function<int64_t(uint64_t)>& to_unix_ns, const CountryLookup& country) {
    std::lock_guard lock(mu_);
    // The day of an entry depends only on its day_block(), and a drain's entries share
    // one or two blocks: localtime_r and the day's totals are looked up when it
    // changes. Keyed by the second, they were looked up for most entries, which come
    // in table order, not time order (perf of the live agent: 4.5 % of its time).
    int64_t last_block = INT64_MIN;
    std::string day;
    DayTotals* day_totals = nullptr;
    // Each entry's source is hashed once, ahead of its turn: its slots in the scan
    // detector and today's index are prefetched kAhead entries before it, and its
    // state in today_days_ half as far, so that the cache misses of several entries
    // overlap instead of coming one after the other (a drain's sources are mostly
    // out of cache; issue #20). Prefetches are hints: each entry still finds its own.
    constexpr size_t kAhead = 8;
    const size_t n = entries.size();
    entry_hashes_.resize(n);
    for (size_t i = 0; i < n; ++i) entry_hashes_[i] = SourceAddrHash{}(SourceAddr::of(entries[i].key));
    auto prefetch_tables = [&](size_t i) {
        const SourceAddr a = SourceAddr::of(entries[i].key);
        scans_.prefetch(a, entry_hashes_[i]);
        today_sources_.prefetch(entry_hashes_[i]);
    };
    auto prefetch_state = [&](size_t i) {
        const SourceAddr a = SourceAddr::of(entries[i].key);
        if (const uint32_t* index = today_sources_.find(a, entry_hashes_[i])) __builtin_prefetch(&today_days_[*index], 1);
        keep_prefetches();
    };
    for (size_t i = 0; i < std::min(n, kAhead); ++i) prefetch_tables(i);
    for (size_t i = 0; i < std::min(n, kAhead / 2); ++i) prefetch_state(i);
    for (size_t i = 0; i < n; ++i) {
        if (i + kAhead < n) prefetch_tables(i + kAhead);
        if (i + kAhead / 2 < n) prefetch_state(i + kAhead / 2);
        const SourceEntry& e = entries[i];
        if (e.key.info & DS_KEY_BACKSCATTER) continue;  // accesses exclude backscatter
        const int64_t ts = to_unix_ns(e.value.last_seen_ns);
        if (const int64_t block = day_block(ts); block != last_block) {
            last_block = block;
            if (std::string d = day_of(ts); d != day || !day_totals) {
                day = std::move(d);
                if (today_.empty() || day > today_) roll_day(day);
                day_totals = &days_[day];  // a std::map: the pointer stays valid
            }
        }
        day_totals->packets += e.value.packets;

        const AddrKey addr = SourceAddr::of(e.key);
        const bool has_port = (e.key.proto == 6 || e.key.proto == 17) && DS_KEY_HAS_PORT(e.key.info);
        const size_t addr_hash = entry_hashes_[i];  // one SipHash for both tables
        scans_.add(addr, addr_hash, has_port, has_port ? proto_port(e.key.proto, e.key.port) : 0, e.value.packets, ts);
        if (day < today_) {  // late: only yesterday's distinct set is kept
            if (day == yesterday_) add_late_source(addr);
            continue;
        }
        const uint32_t* found = today_sources_.find(addr, addr_hash);
        const bool kept = found != nullptr;
        const uint64_t hash = kept ? 0 : sketch_key_.hash(&addr, sizeof addr);
        SourceDay scratch;
        // source_today() is the step's last insert into today_days_, so sd stays valid.
        SourceDay& sd = kept ? today_days_[*found] : source_today(addr, addr_hash, hash, *day_totals, country, scratch);
        const bool counted = kept || &sd != &scratch;  // its exact figures are kept
        ds_counter& cp = country_packets_of(sd.country);
        cp.packets += e.value.packets;
        cp.bytes += e.value.bytes;
        country_packets_today_[sd.country] += e.value.packets;

        if (e.key.proto == 6 && DS_KEY_IS_SYN(e.key.info)) {
            const uint32_t tool = DS_KEY_SYN_TOOL(e.key.info);
            if (tool < DS_TOOL_COUNT && !(sd.tools & (1u << tool))) {
                sd.tools |= static_cast<uint8_t>(1u << tool);
                if (counted) tool_sources_[tool]++;
                today_sketches_.add_tool(kept ? sketch_key_.hash(&addr, sizeof addr) : hash, tool);
            }
        }
        const uint32_t slot = key_slot(e.key);
        if (slot == DS_PORT_SLOTS) continue;
        // ICMP by type (codes summed), as the port families label it.
        const uint32_t today_index = DS_PORT_INDEX(slot, is_icmp_slot(slot) ? e.key.port >> 8 : e.key.port);
        if (!ports_today_[today_index] && e.value.packets) ports_today_used_.push_back(today_index);
        ports_today_[today_index] += e.value.packets;
        // A source past day_max_sources is in no combination: the per-source set is
        // what it would need (docs/metrics.md says so of the combination figures).
        if (counted && (slot == DS_SLOT_TCP_DST || slot == DS_SLOT_UDP_DST))
            combinations_.add_probe(sd.combination, proto_port(e.key.proto, e.key.port));
        const uint32_t id = label_id(slot, e.key.port);
        port_countries_.add(id, sd.country, e.value.packets);
        if (std::find(sd.labels.begin(), sd.labels.end(), id) == sd.labels.end()) {
            sd.labels.push_back(id);
            if (counted) label_sources_[id]++;
            today_sketches_.add_label(kept ? sketch_key_.hash(&addr, sizeof addr) : hash, id);
            labels_seen_.insert(id);
        }
    }
    port_countries_.admit();
}

ds_counter& Accumulator::country_packets_of(uint16_t ci) {
    if (ci >= country_packets_at_.size()) country_packets_at_.resize(ci + 1, nullptr);
    if (!country_packets_at_[ci]) country_packets_at_[ci] = &country_packets_[countries_[ci]];
    return *country_packets_at_[ci];
}

Accumulator::SourceDay& Accumulator::source_today(const AddrKey& addr, size_t addr_hash, uint64_t hash, DayTotals& day,
                                                  const CountryLookup& country, SourceDay& scratch) {
    std::string cc = country ? country(addr.family, addr.addr) : std::string("ZZ");
    auto [ci, added] = country_index_.try_emplace(cc, static_cast<uint16_t>(countries_.size()));
    if (added) countries_.push_back(cc);
    countries_seen_.insert(ci->second);
    today_sketches_.add_source(hash, ci->second);
    if (today_sources_.size() >= config_.day_max_sources) {
        today_estimated_ = true;
        scratch.country = ci->second;
        return scratch;
    }
    today_sources_.insert(addr, addr_hash, static_cast<uint32_t>(today_days_.size()));
    SourceDay& sd = today_days_.emplace_back();
    sd.country = ci->second;
    country_sources_[sd.country]++;
    day.sources++;
    return sd;
}

void Accumulator::add_late_source(const AddrKey& addr) {
    if (yesterday_sources_.find(addr)) return;
    yesterday_sketch_.add_hash(sketch_key_.hash(&addr, sizeof addr));
    DayTotals& totals = days_[yesterday_];
    if (!yesterday_estimated_ && yesterday_sources_.size() < config_.day_max_sources) {
        yesterday_sources_.insert(addr, 0);
        totals.sources++;
        return;
    }
    yesterday_estimated_ = true;
    totals.sources = std::max<uint64_t>(totals.sources, yesterday_sketch_.count());
}

void Accumulator::fill_summary(Snapshot& s) const {
    s.sources_today = sources_today();
    s.sources_estimated = today_estimated_;
    s.tools = tools_;
    for (uint32_t t = 0; t < DS_TOOL_COUNT; ++t) s.tool_sources[t] = tool_sources_today(t);
    s.today = today_;
    s.combinations = combinations_.snapshot(kTopCombinations);
    s.scans = scans_.snapshot(kTopCombinations);
}

Snapshot Accumulator::summary() const {
    std::lock_guard lock(mu_);
    Snapshot s;
    fill_summary(s);
    return s;
}

Snapshot Accumulator::snapshot() const {
    std::lock_guard lock(mu_);
    Snapshot s;
    s.stats = stats_;
    s.signature_top = signatures_.top();
    s.signature_export = signatures_.exported();
    for (uint32_t slot : {DS_SLOT_TCP_DST, DS_SLOT_UDP_DST}) {
        // The port's series carries every packet from its first; what came before its
        // admission also stays in "other" (already exported there), so no counter
        // ever goes back (docs/metrics.md, "Admitted labels").
        ds_counter other = unlabelled_[slot];
        for (uint16_t port : config_.tracked_ports)
            s.port_packets[label_of(label_id(slot, port))] = port_stats_[DS_PORT_INDEX(slot, port)];
        if (const auto it = admitted_.find(slot); it != admitted_.end())
            for (const auto& [port, base] : it->second) {
                other = plus(other, base);
                s.port_packets[label_of(label_id(slot, port))] = port_stats_[DS_PORT_INDEX(slot, port)];
            }
        s.port_packets[{slot_protocol_name(slot), "other"}] = other;
    }
    for (const auto& [id, c] : icmp_types_)
        if (c.packets) s.port_packets[label_of(id)] = c;
    for (uint32_t id : labels_seen_) {
        auto it = label_sources_.find(id);
        s.port_sources[label_of(id)] =
            today_figure(it == label_sources_.end() ? 0 : it->second, today_sketches_.label(id));
        s.port_packets.try_emplace(label_of(id));
    }
    for (const auto& [label, _] : s.port_packets) s.port_sources.try_emplace(label, 0);
    s.country_packets = country_packets_;
    for (uint16_t ci : countries_seen_) s.country_sources[countries_[ci]] = country_sources_today(ci);
    for (const auto& [id, row] : port_countries_.exported()) {
        auto& countries = s.port_country_packets[label_of(id)];
        for (const auto& [ci, n] : row.columns) countries[countries_[ci]] = n;
        countries["other"] = row.other;
    }
    for (const auto& [id, row] : source_port_dests_.exported()) {
        auto& ports = s.source_port_dest_packets[SourcePort{static_cast<uint8_t>(id >> 16), static_cast<uint16_t>(id)}];
        for (const auto& [port, n] : row.columns) ports[std::to_string(port)] = n;
        ports["other"] = row.other;
    }
    s.days = days_;
    if (!today_.empty()) s.days[today_].sources = sources_today();
    if (const auto it = days_.find(yesterday_); !yesterday_.empty() && it != days_.end()) {
        s.previous_day = yesterday_;
        s.previous_day_totals = it->second;  // late entries included
        s.previous_day_sources_estimated = yesterday_estimated_;
        for (const auto& [ci, n] : previous_country_sources_) s.previous_day_country_sources[countries_[ci]] = n;
    }
    fill_ports_today(s);
    for (const auto& [ci, packets] : country_packets_today_) s.country_packets_today[countries_[ci]] = packets;
    fill_summary(s);
    return s;
}

void Accumulator::fill_ports_today(Snapshot& s) const {
    for (uint32_t slot : kProbeSlots) {
        std::vector<PortToday> rows;
        for (uint32_t i : ports_today_used_)
            if (i / DS_PORTS_PER_SLOT == slot)
                rows.push_back({slot_protocol_name(slot), static_cast<uint16_t>(i % DS_PORTS_PER_SLOT), ports_today_[i]});
        // Busiest first, then by port, so that equal counts keep a stable order.
        const auto busier = [](const PortToday& a, const PortToday& b) {
            return a.packets != b.packets ? a.packets > b.packets : a.port < b.port;
        };
        const size_t keep = is_icmp_slot(slot) ? rows.size() : std::min(rows.size(), config_.top_today);
        std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end(), busier);
        s.ports_today.insert(s.ports_today.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep));
    }
}

}  // namespace darkscope
