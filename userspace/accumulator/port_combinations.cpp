#include "accumulator/port_combinations.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace darkscope {
namespace {

constexpr uint8_t kTcp = 6, kUdp = 17;

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; });
}

void sort_unique(std::vector<ProtoPort>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

ProtoPort parse_proto_port(const std::string& text) {
    const size_t slash = text.find('/');
    const std::string num = text.substr(0, slash);
    const std::string proto = slash == std::string::npos ? "tcp" : text.substr(slash + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), port);
    if (num.empty() || ec != std::errc() || end != num.data() + num.size() || port > 65535)
        throw std::invalid_argument("'" + text + "' is not a port (0-65535, optionally /tcp or /udp)");
    if (proto == "tcp") return proto_port(kTcp, static_cast<uint16_t>(port));
    if (proto == "udp") return proto_port(kUdp, static_cast<uint16_t>(port));
    throw std::invalid_argument("'" + text + "': the protocol must be tcp or udp");
}

std::string proto_port_text(ProtoPort p) {
    const std::string port = std::to_string(p & 0xffff);
    return (p >> 16) == kTcp ? port : port + "/udp";
}

std::string ports_text(const std::vector<ProtoPort>& ports) {
    std::string s;
    for (ProtoPort p : ports) s += (s.empty() ? "" : ",") + proto_port_text(p);
    return s;
}

NamedCombination parse_named_combination(const std::string& text) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos)
        throw std::invalid_argument("port combination '" + text + "' is not NAME=PORT,PORT,...");
    NamedCombination c;
    c.name = text.substr(0, eq);
    if (!valid_name(c.name))
        throw std::invalid_argument("port combination name '" + c.name +
                                    "' must be 1-64 letters, digits, '_' or '-'");
    std::string rest = text.substr(eq + 1);
    size_t start = 0;
    while (start <= rest.size()) {
        size_t comma = rest.find(',', start);
        if (comma == std::string::npos) comma = rest.size();
        c.ports.push_back(parse_proto_port(rest.substr(start, comma - start)));
        start = comma + 1;
    }
    sort_unique(c.ports);
    return c;
}

const std::vector<std::string>& default_port_combinations() {
    static const std::vector<std::string> list = {
        // Symantec AntiVirus exploit bots: 2967/tcp together with the Windows RPC,
        // NetBIOS and SMB ports (the TSUBAME/TALOT reports).
        "symantec-av-bot=2967,135,139,445",
        // SMB over NetBIOS and direct SMB together: Windows worms try both.
        "smb-netbios=445,139",
    };
    return list;
}

PortCombinations::PortCombinations(PortCombinationConfig config) : config_(std::move(config)) {
    for (size_t i = 0; i < config_.named.size(); ++i)
        for (size_t j = 0; j < i; ++j)
            if (config_.named[i].name == config_.named[j].name)
                throw std::invalid_argument("port combination '" + config_.named[i].name + "' is given twice");
    for (const NamedCombination& c : config_.named) interest_.insert(interest_.end(), c.ports.begin(), c.ports.end());
    for (uint16_t p : config_.tracked_ports) {
        interest_.push_back(proto_port(kTcp, p));
        interest_.push_back(proto_port(kUdp, p));
    }
    sort_unique(interest_);
    named_sources_.assign(config_.named.size(), 0);
}

bool PortCombinations::of_interest(ProtoPort p) const {
    return std::binary_search(interest_.begin(), interest_.end(), p);
}

// A source's set grows: it leaves the count of its old exact set and joins the new
// one, and each named combination it now covers gains it (sets only grow in a day,
// so a covered combination stays covered).
void PortCombinations::count(const std::vector<ProtoPort>& set, int64_t delta) {
    if (set.empty()) return;
    auto it = exact_.try_emplace(set, 0).first;
    it->second += static_cast<uint64_t>(delta);
    if (it->second == 0) exact_.erase(it);
    for (size_t i = 0; i < config_.named.size(); ++i) {
        const auto& want = config_.named[i].ports;
        if (std::includes(set.begin(), set.end(), want.begin(), want.end()))
            named_sources_[i] += static_cast<uint64_t>(delta);
    }
}

void PortCombinations::add_probe(SourceCombination& source, ProtoPort port) {
    if (source.slot == kScanner) return;
    auto pos = std::lower_bound(source.ports.begin(), source.ports.end(), port);
    if (pos == source.ports.end() || *pos != port) source.ports.insert(pos, port);
    if (config_.max_ports == 0 || source.ports.size() <= config_.max_ports) {
        source.slot = add(source.slot, port);
        return;
    }
    // A scanner from now on: its set (if it has one) leaves the counts for good.
    decltype(source.ports)().swap(source.ports);
    scanners_++;
    if (source.slot >= 0) {
        std::vector<ProtoPort>& set = sets_[static_cast<size_t>(source.slot)];
        count(set, -1);
        std::vector<ProtoPort>().swap(set);
        scanners_with_set_++;
    } else if (source.slot == kUntracked) {
        untracked_--;  // counted as a scanner instead: each source in one figure
    }
    source.slot = kScanner;
}

int32_t PortCombinations::add(int32_t slot, ProtoPort port) {
    if (slot == kUntracked || !of_interest(port)) return slot;
    if (slot == kNoSlot) {
        if (sets_.size() >= config_.max_sources) {
            untracked_++;
            return kUntracked;
        }
        slot = static_cast<int32_t>(sets_.size());
        sets_.emplace_back();
    }
    std::vector<ProtoPort>& set = sets_[static_cast<size_t>(slot)];
    auto pos = std::lower_bound(set.begin(), set.end(), port);
    if (pos != set.end() && *pos == port) return slot;
    count(set, -1);
    set.insert(pos, port);
    count(set, +1);
    return slot;
}

void PortCombinations::new_day() {
    sets_.clear();
    exact_.clear();
    named_sources_.assign(config_.named.size(), 0);
    untracked_ = 0;
    scanners_ = scanners_with_set_ = 0;
}

PortCombinationSnapshot PortCombinations::snapshot(size_t top_n) const {
    PortCombinationSnapshot s;
    for (size_t i = 0; i < config_.named.size(); ++i) s.named.emplace_back(config_.named[i], named_sources_[i]);
    // Most sources first; equal counts in set order (the map's), so the order is
    // stable. Only the top_n sets are copied: a scrape does not copy every set.
    using Entry = std::map<std::vector<ProtoPort>, uint64_t>::const_iterator;
    std::vector<Entry> ranked;
    ranked.reserve(exact_.size());
    for (auto it = exact_.begin(); it != exact_.end(); ++it) ranked.push_back(it);
    const size_t n = std::min(top_n, ranked.size());
    std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end(),
                      [](Entry a, Entry b) { return a->second != b->second ? a->second > b->second : a->first < b->first; });
    for (size_t i = 0; i < n; ++i) s.top.emplace_back(ranked[i]->first, ranked[i]->second);
    s.tracked_sources = sets_.size() - scanners_with_set_;
    s.untracked_sources = untracked_;
    s.scanner_sources = scanners_;
    return s;
}

}  // namespace darkscope
