// Header signatures of probes (bpf/signature.h, docs/fingerprints.md): the kernel
// counts {source port, TCP window, TTL bucket, option layout}; here the entries are
// folded into the two views an analyst reads (by source port; by window, TTL and
// option layout), ranked, and bounded for export the way ports are: the busiest
// labels are admitted for good, the rest counted as "other".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/entries.h"

namespace darkscope {

// "mss,nop,ws,sok,ts" (p0f's names; "eol", "sack", "?" for other kinds, "bad" for a
// malformed or cut option, "+" for more than fit); "none" without options.
std::string option_layout_name(uint32_t options);

// The TCP part of a signature (UDP probes have none).
struct HeaderSignature {
    uint16_t window = 0;
    uint8_t ttl = 0;  // 32, 64, 128 or 255
    uint32_t options = 0;
    auto operator<=>(const HeaderSignature&) const = default;
};

struct SourcePort {
    uint8_t proto = 0;  // IPPROTO_TCP or IPPROTO_UDP
    uint16_t port = 0;
    auto operator<=>(const SourcePort&) const = default;
};

template <class Key>
struct Ranked {
    Key key;
    ds_counter counter;
};

// The busiest of each view (cumulative kernel counts), busiest first, ties by key.
struct SignatureTop {
    std::vector<Ranked<HeaderSignature>> signatures;  // TCP SYNs
    ds_counter other_signatures{};                   // TCP SYNs of every signature not listed
    std::vector<Ranked<SourcePort>> source_ports;     // TCP SYNs and UDP probes
    ds_counter other_source_ports{};
};

// What is exported as metrics: admitted labels carry every probe from their first;
// what they had before admission also stays in "other", so every series only grows.
struct SignatureExport {
    std::map<HeaderSignature, ds_counter> signatures;
    ds_counter other_signatures{};
    std::map<SourcePort, ds_counter> source_ports;
    std::map<uint8_t, ds_counter> other_source_ports;  // by protocol; TCP and UDP always present
};

struct SignatureConfig {
    size_t top = 10;                // rows in status and replay
    size_t max_labels = 20;         // exported labels per view
    uint64_t admit_packets = 100;   // a label is admitted once it reaches this many probes
};

class SignatureBook {
public:
    explicit SignatureBook(SignatureConfig config = {}) : config_(config) {}
    // Replaces the kernel snapshot (DataPlane::read_signatures()) and admits busy labels.
    void update(const std::vector<SignatureEntry>& entries);
    SignatureTop top() const;
    SignatureExport exported() const;

private:
    SignatureConfig config_;
    std::map<HeaderSignature, ds_counter> by_signature_;
    std::map<SourcePort, ds_counter> by_port_;
    std::map<HeaderSignature, ds_counter> admitted_signatures_;  // label -> count at admission
    std::map<SourcePort, ds_counter> admitted_ports_;
};

}  // namespace darkscope
