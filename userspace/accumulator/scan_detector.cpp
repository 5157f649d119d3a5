#include "accumulator/scan_detector.h"

#include <arpa/inet.h>

#include <algorithm>

namespace darkscope {

std::string source_text(const SourceAddr& a) {
    char buf[INET6_ADDRSTRLEN] = "?";
    inet_ntop(a.family == DS_FAMILY_IPV6 ? AF_INET6 : AF_INET, a.addr, buf, sizeof buf);
    return buf;
}

namespace {

bool bigger(const ScannerRow& a, const ScannerRow& b) {
    if (a.ports != b.ports) return a.ports > b.ports;
    if (a.packets != b.packets) return a.packets > b.packets;
    return std::lexicographical_compare(a.source.addr, a.source.addr + 16, b.source.addr, b.source.addr + 16);
}

}  // namespace

ScannerRow ScanDetector::row_of(const SourceAddr& addr, const Watch& w) {
    return {addr, w.start_ns, w.last_ns, w.packets, static_cast<uint32_t>(w.ports.size()), w.capped};
}

void ScanDetector::keep_biggest(ScannerRow row) {
    biggest_ended_.push_back(row);
    std::sort(biggest_ended_.begin(), biggest_ended_.end(), bigger);
    if (biggest_ended_.size() > kBiggestKept) biggest_ended_.resize(kBiggestKept);
}

bool ScanDetector::is_scan(const Watch& w) const {
    return (config_.min_ports && w.ports.size() >= config_.min_ports) ||
           (config_.min_packets && w.packets >= config_.min_packets);
}

void ScanDetector::add(const SourceAddr& source, size_t hash, bool has_port, ProtoPort port, uint64_t packets,
                       int64_t ts_ns) {
    const HashedSourceAddr hashed{source, hash};
    SourceMap<Watch>::iterator it;
    if (watched_.size() >= config_.max_sources) {
        it = watched_.find(hashed);
        if (it == watched_.end()) {
            untracked_++;
            return;
        }
    } else {
        // One probe, under the caller's hash: try_emplace(source) would hash it again.
        it = watched_.lazy_emplace(hashed, [&](const auto& construct) { construct(source, Watch::starting(ts_ns)); });
    }
    Watch& w = it->second;
    if (w.scanner && ts_ns - w.last_ns > config_.window_ns) {
        // Silent for a window before this packet (expire() had not run since): that
        // event ended; this packet starts a new window.
        scanners_.erase(it->first);
        keep_biggest(row_of(it->first, w));
        w = Watch::starting(ts_ns);
    } else if (!w.scanner && ts_ns - w.start_ns > config_.window_ns) {
        w = Watch::starting(ts_ns);  // a window that ended without a scan starts again
    }
    w.last_ns = std::max(w.last_ns, ts_ns);
    w.packets += packets;
    if (has_port) {
        auto pos = std::lower_bound(w.ports.begin(), w.ports.end(), port);
        if (pos == w.ports.end() || *pos != port) {
            if (w.ports.size() < kMaxPortsKept)
                w.ports.insert(pos, port);
            else
                w.capped = true;
        }
    }
    oldest_last_ns_ = std::min(oldest_last_ns_, w.last_ns);
    if (!w.scanner && is_scan(w)) {
        w.scanner = true;
        scanners_.insert(it->first);
        events_++;
    }
}

void ScanDetector::expire(int64_t now_ns) {
    // Every source's last_ns is at least oldest_last_ns_: none is silent for a window yet.
    if (watched_.empty() || now_ns - oldest_last_ns_ <= config_.window_ns) return;
    int64_t oldest = INT64_MAX;
    for (auto it = watched_.begin(); it != watched_.end();) {
        const Watch& w = it->second;
        if (now_ns - w.last_ns > config_.window_ns) {
            if (w.scanner) {
                scanners_.erase(it->first);
                keep_biggest(row_of(it->first, w));
            }
            watched_.erase(it++);  // a flat table's erase leaves the other iterators valid
        } else {
            oldest = std::min(oldest, w.last_ns);
            ++it;
        }
    }
    oldest_last_ns_ = oldest;
}

ScanSnapshot ScanDetector::snapshot(size_t top_n) const {
    ScanSnapshot s;
    s.active = scanners_.size();
    s.events = events_;
    s.untracked_entries = untracked_;
    s.watched = watched_.size();
    s.top.reserve(scanners_.size());
    for (const SourceAddr& addr : scanners_) s.top.push_back(row_of(addr, watched_.at(addr)));
    std::sort(s.top.begin(), s.top.end(), bigger);
    s.biggest = s.top;
    s.biggest.insert(s.biggest.end(), biggest_ended_.begin(), biggest_ended_.end());
    std::sort(s.biggest.begin(), s.biggest.end(), bigger);
    if (s.top.size() > top_n) s.top.resize(top_n);
    if (s.biggest.size() > top_n) s.biggest.resize(top_n);
    return s;
}

}  // namespace darkscope
