// Denial-of-service attacks inferred from backscatter, the classic telescope way
// (Moore, Voelker, Savage: "Inferring Internet Denial-of-Service Activity"): an
// attacked host answers packets spoofed with random sources, and the answers that
// reach dark addresses (SYN-ACKs, RSTs, ICMP errors, ...) come from the victim.
// Backscatter is grouped per victim (its source prefix) into flows; a flow ends
// when the victim has sent nothing for `timeout`. A flow is an attack once it has
// at least min_packets packets, lasts at least min_duration, and has at least
// window_packets packets within some `window`.
//
// Time comes from the caller, once per poll: every packet drained at a poll is
// dated within that poll (live: the wall clock; replay: capture time), so the
// numbers do not depend on when the code runs.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backscatter/backscatter_ports.h"
#include "dataplane/country_lookup.h"
#include "dataplane/entries.h"
#include "dataplane/prefix.h"
#include "dataplane/source_addr.h"

namespace darkscope {

constexpr int64_t kNsPerSecond = 1'000'000'000;

struct VictimConfig {
    uint64_t min_packets = 25;
    int64_t min_duration_ns = 60 * kNsPerSecond;
    uint64_t window_packets = 30;
    int64_t window_ns = 60 * kNsPerSecond;
    int64_t timeout_ns = 300 * kNsPerSecond;  // Moore et al.'s flow timeout: 5 minutes
    size_t max_victims = 100000;              // flows tracked at once; more: untracked_packets
    // 2^32 / number of dark IPv4 addresses: how much of the address space the sensor
    // watches, to scale an IPv4 attack's observed rate to the victim's. 0: no estimate.
    double ipv4_scale = 0;
    uint8_t source_prefix_v4 = 32;  // victims are source prefixes of these lengths
    uint8_t source_prefix_v6 = 64;
    BackscatterPortConfig ports;
};

// The victim's port and kind of backscatter, as the data plane keys it.
struct VictimPort {
    uint8_t proto = 0;   // 6, 17, 1, 58
    uint16_t port = 0;   // TCP/UDP source port; ICMP type << 8 | code
    uint32_t cls = 0;    // ds_class
    uint64_t packets = 0;
};

// One attack: while it lasts (active) and when it has ended.
struct AttackEvent {
    std::string victim;  // address, or prefix/len when sources are aggregated
    uint8_t family = DS_FAMILY_IPV4;
    int64_t start_ns = 0, end_ns = 0;  // first and last packet, Unix time
    uint64_t packets = 0, bytes = 0;
    std::vector<VictimPort> ports;     // busiest first
    uint64_t other_port_packets = 0;   // beyond the ports kept per victim
    uint64_t peak_window_packets = 0;  // most packets within one window
    std::optional<double> observed_pps;   // packets / duration (none for a zero duration)
    std::optional<double> estimated_pps;  // observed_pps scaled to the whole IPv4 space
    std::string country;
    std::string ended;  // "" while active; "timeout", "capture_end" or "shutdown"
};

struct BackscatterSnapshot {
    std::map<BackscatterLabel, uint64_t> packets;  // by kind and victim port
    // By kind and victim country (ISO code, ZZ unknown): every victim, tracked or not.
    std::map<std::pair<std::string, std::string>, uint64_t> country_packets;
    uint64_t attacks_active = 0;
    uint64_t attacks_started = 0;
    uint64_t victims_tracked = 0;    // flows held now
    uint64_t untracked_packets = 0;  // backscatter from new victims while max_victims were held
};

class VictimTracker {
public:
    explicit VictimTracker(VictimConfig config);

    // Folds the entries drained at one poll at poll_ns (only backscatter is used).
    // to_unix_ns dates an entry's first/last seen; the result is kept within the
    // poll. Flows idle for longer than the timeout end first.
    void add(const std::vector<SourceEntry>& entries, int64_t poll_ns,
             const std::function<int64_t(uint64_t)>& to_unix_ns, const CountryLookup& country);
    // Ends flows idle for longer than the timeout at now_ns (every poll, packets or not).
    void expire(int64_t now_ns);
    // Ends every flow (end of a capture, agent shutdown); attacks end with `reason`.
    void finish(const std::string& reason);

    // Attacks that ended since the last call, in the order they ended.
    std::vector<AttackEvent> take_ended();
    // The attacks going on, busiest first.
    std::vector<AttackEvent> active_attacks() const;
    BackscatterSnapshot snapshot() const;

private:
    using AddrKey = SourceAddr;
    struct Flow {
        int64_t start_ns = 0, end_ns = 0;
        int64_t last_poll_ns = 0;  // the last poll that brought packets
        uint64_t packets = 0, bytes = 0;
        std::vector<VictimPort> ports;
        uint64_t other_port_packets = 0;
        std::deque<std::pair<int64_t, uint64_t>> window;  // (poll, packets) within the window
        uint64_t window_sum = 0, peak_window = 0;
        bool attack = false;
        std::string country;
    };
    void expire_locked(int64_t now_ns);
    void end_flow(const AddrKey& addr, const Flow& flow, const std::string& reason);
    AttackEvent event_of(const AddrKey& addr, const Flow& flow) const;

    VictimConfig config_;
    mutable std::mutex mu_;  // the poller adds, scrapes read
    std::unordered_map<AddrKey, Flow, SourceAddrHash> flows_;
    BackscatterPorts ports_;
    std::vector<AttackEvent> ended_;
    std::map<std::pair<std::string, std::string>, uint64_t> country_packets_;  // (kind, country)
    uint64_t active_ = 0, started_ = 0, untracked_packets_ = 0;
};

// 2^32 / the number of IPv4 addresses the dark prefixes cover (overlaps counted
// once); 0 when no IPv4 prefix is dark.
double ipv4_scale(const std::vector<Prefix>& dark_prefixes);

}  // namespace darkscope
