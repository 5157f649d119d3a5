#include "fingerprint/signatures.h"

#include <algorithm>
#include <netinet/in.h>

namespace darkscope {

namespace {

const char* option_name(uint32_t code) {
    switch (code) {
        case DS_OPT_EOL: return "eol";
        case DS_OPT_NOP: return "nop";
        case DS_OPT_MSS: return "mss";
        case DS_OPT_WS: return "ws";
        case DS_OPT_SOK: return "sok";
        case DS_OPT_SACK: return "sack";
        case DS_OPT_TS: return "ts";
        case DS_OPT_OTHER: return "?";
        case DS_OPT_MORE: return "+";
        default: return "bad";
    }
}

void add_to(ds_counter& to, const ds_counter& c) {
    to.packets += c.packets;
    to.bytes += c.bytes;
}

template <class Key>
std::vector<Ranked<Key>> ranked(const std::map<Key, ds_counter>& view) {
    std::vector<Ranked<Key>> out;
    for (const auto& [key, c] : view) out.push_back({key, c});
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.counter.packets > b.counter.packets;
    });
    return out;
}

template <class Key>
void top_of(const std::map<Key, ds_counter>& view, size_t n, std::vector<Ranked<Key>>& rows, ds_counter& other) {
    rows = ranked(view);
    for (size_t i = n; i < rows.size(); ++i) add_to(other, rows[i].counter);
    if (rows.size() > n) rows.resize(n);
}

template <class Key>
void admit(const std::map<Key, ds_counter>& view, const SignatureConfig& cfg, std::map<Key, ds_counter>& admitted) {
    for (const auto& row : ranked(view)) {
        if (admitted.size() >= cfg.max_labels || row.counter.packets < cfg.admit_packets) break;
        admitted.try_emplace(row.key, row.counter);
    }
}

// other_of(key): the "other" counter a key's unexported packets go to.
template <class Key, class OtherOf>
void export_of(const std::map<Key, ds_counter>& view, const std::map<Key, ds_counter>& admitted,
               std::map<Key, ds_counter>& labels, OtherOf other_of) {
    for (const auto& [key, c] : view) {
        auto it = admitted.find(key);
        if (it == admitted.end()) {
            add_to(other_of(key), c);
            continue;
        }
        // Every packet from the label's first; what came before admission stays in
        // "other" too, which never goes back (docs/metrics.md, "Admitted labels").
        labels[key] = c;
        add_to(other_of(key), it->second);
    }
    for (const auto& [key, _] : admitted) labels.try_emplace(key);
}

}  // namespace

std::string option_layout_name(uint32_t options) {
    if (!options) return "none";
    std::string out;
    for (unsigned i = 0; i < DS_OPT_SLOTS; ++i) {
        uint32_t code = (options >> (4 * i)) & 0xf;
        if (code == DS_OPT_NONE) break;
        if (!out.empty()) out += ',';
        out += option_name(code);
    }
    return out;
}

void SignatureBook::update(const std::vector<SignatureEntry>& entries) {
    by_signature_.clear();
    by_port_.clear();
    for (const SignatureEntry& e : entries) {
        if (e.key.proto == IPPROTO_TCP) add_to(by_signature_[{e.key.window, e.key.ttl, e.key.options}], e.counter);
        add_to(by_port_[{e.key.proto, e.key.sport}], e.counter);
    }
    admit(by_signature_, config_, admitted_signatures_);
    admit(by_port_, config_, admitted_ports_);
}

SignatureTop SignatureBook::top() const {
    SignatureTop t;
    top_of(by_signature_, config_.top, t.signatures, t.other_signatures);
    top_of(by_port_, config_.top, t.source_ports, t.other_source_ports);
    return t;
}

SignatureExport SignatureBook::exported() const {
    SignatureExport x;
    export_of(by_signature_, admitted_signatures_, x.signatures,
              [&x](const HeaderSignature&) -> ds_counter& { return x.other_signatures; });
    x.other_source_ports[IPPROTO_TCP];
    x.other_source_ports[IPPROTO_UDP];
    export_of(by_port_, admitted_ports_, x.source_ports,
              [&x](const SourcePort& p) -> ds_counter& { return x.other_source_ports[p.proto]; });
    return x;
}

}  // namespace darkscope
