#include "agent/status.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstring>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "agent/pins.h"
#include "accumulator/access_status.h"
#include "agent/status_file.h"
#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "dataplane/names.h"
#include "dataplane/mapped_array.h"
#include "dataplane/signature_slots.h"
#include "dataplane/unique_fd.h"
#include "fingerprint/signature_report.h"

namespace darkscope {
namespace {

// The pinned per-CPU stats array, summed over CPUs; empty if not pinned.
std::vector<ds_counter> read_pinned_stats(const std::string& path) {
    const UniqueFd fd(bpf_obj_get(path.c_str()));
    if (!fd.valid()) return {};
    try {
        return read_stats_map(fd.get());
    } catch (const std::exception&) {
        return {};  // unreadable: shown as not pinned, as before
    }
}

// The busiest header signatures and source ports, from the pinned signatures map and
// its slots (dir/signatures, dir/signature_slots).
void show_signatures(const std::string& dir, uint64_t overflow) {
    const UniqueFd fd(bpf_obj_get((dir + "/signatures").c_str()));
    if (!fd.valid()) return;
    const UniqueFd slots(bpf_obj_get((dir + "/signature_slots").c_str()));
    SignatureBook book;
    try {
        std::unique_ptr<MappedArray> mapped;
        if (slots.valid()) mapped = std::make_unique<MappedArray>(slots.get(), sizeof(ds_signature_slot));
        book.update(read_signatures(fd.get(), mapped.get()));
    } catch (const std::exception& e) {
        std::cout << "  header signatures: " << e.what() << "\n";
    }
    print_signature_tables(std::cout, book.top(), overflow, "  ");
}

// "      names: a.example.com, b.example.com": a zone's sample query names.
void print_zone_samples(const nlohmann::json& samples) {
    if (samples.empty()) return;
    std::cout << "      names:";
    for (size_t i = 0; i < samples.size(); ++i)
        std::cout << (i ? ", " : " ") << (samples[i].is_string() ? samples[i].get<std::string>() : "?");
    std::cout << "\n";
}

// What the agent wrote last (status_file.h): attacks going on and DNS zones today.
void show_backscatter(const std::string& name) {
    const std::string path = status_file_path(name);
    const std::optional<nlohmann::json> st = read_status_file(path);
    if (!st) {
        std::cout << "  no agent state in " << path << " (no agent running)\n";
        return;
    }
    const nlohmann::json& j = *st;
    char line[256];
    std::cout << "  backscatter (agent state of " << j.value("updated", "?") << "): "
              << j.value("attacks_active", 0) << " attacks active, " << j.value("attacks_started", 0)
              << " started since the agent started, " << j.value("victims_tracked", 0) << " victims tracked\n";
    for (const nlohmann::json& a : j.value("attacks", nlohmann::json::array())) {
        std::string ports;
        for (const nlohmann::json& p : a["ports"]) {
            if (!ports.empty()) ports += ",";
            ports += p.value("protocol", "?") + "/" +
                     (p.contains("port") ? std::to_string(p["port"].get<int>())
                                         : std::to_string(p["type"].get<int>()) + ":" +
                                               std::to_string(p["code"].get<int>()));
        }
        const std::string rate = a["estimated_pps"].is_number()
                                     ? std::to_string(static_cast<long long>(a["estimated_pps"].get<double>())) + " pps"
                                     : std::string("unknown");
        std::snprintf(line, sizeof line, "    attack on %s (%s) ports %s since %s: %llu packets, est. rate %s\n",
                      a.value("victim", "?").c_str(), a.value("country", "ZZ").c_str(), ports.c_str(),
                      a.value("start", "?").c_str(), static_cast<unsigned long long>(a.value("packets", 0ull)),
                      rate.c_str());
        std::cout << line;
    }
    print_access_status(j.value("accesses", nlohmann::json()));
    const nlohmann::json dns = j.value("dns", nlohmann::json::object());
    const nlohmann::json zones = dns.value("zones", nlohmann::json::array());
    std::cout << "  DNS backscatter zones today (" << dns.value("day", "?") << ", " << dns.value("messages", 0)
              << " messages read):" << (zones.empty() ? " none" : "") << "\n";
    for (const nlohmann::json& z : zones) {
        std::snprintf(line, sizeof line, "    %-40s %10llu messages %8llu names %6llu resolvers%s%s\n",
                      z.value("zone", "?").c_str(), static_cast<unsigned long long>(z.value("messages_today", 0ull)),
                      static_cast<unsigned long long>(z.value("names_today", 0ull)),
                      static_cast<unsigned long long>(z.value("resolvers_today", 0ull)),
                      z.value("counts_exact", true) ? "" : " (estimated)",
                      z.value("random_subdomain", false) ? "  RANDOM-SUBDOMAIN ATTACK" : "");
        std::cout << line;
        // The names of a flagged zone, as TSUBAME's tables list them (a few of today's).
        if (z.value("random_subdomain", false)) print_zone_samples(z.value("samples", nlohmann::json::array()));
    }
}

void show_sensor(const std::string& root, const std::string& name) {
    const std::string dir = root + "/" + name;
    std::cout << "sensor " << name << " (" << kPinRoot << "/" << name << ")\n";
    int links = 0;
    for (const std::string& f : list_dir(dir)) {
        if (f.rfind("link_", 0) != 0) continue;
        ++links;
        std::string ifname = f.substr(5), state = "pinned link, not attached";
        const UniqueFd fd(bpf_obj_get((dir + "/" + f).c_str()));
        bpf_link_info info{};
        uint32_t len = sizeof info;
        if (!fd.valid()) {
            // not a link we can open: shown as not attached, as before
        } else if (int err = bpf_obj_get_info_by_fd(fd.get(), &info, &len)) {
            state = std::string("pinned link, unreadable (reading its link info: ") + std::strerror(-err) + ")";
        } else if (info.xdp.ifindex) {
            LIBBPF_OPTS(bpf_xdp_query_opts, q);
            bpf_xdp_query(static_cast<int>(info.xdp.ifindex), 0, &q);
            const char* mode = q.attach_mode == XDP_ATTACHED_SKB ? "generic"
                               : q.attach_mode == XDP_ATTACHED_HW ? "offload"
                                                                   : "native";
            state = std::string("attached, ") + mode + " mode, program id " + std::to_string(info.prog_id);
        }
        std::cout << "  interface " << ifname << ": " << state << "\n";
    }
    if (!links) std::cout << "  no interface attached\n";

    const std::vector<ds_counter> s = read_pinned_stats(dir + "/stats");
    if (s.empty()) {
        std::cout << "  no counters pinned\n";
        return;
    }
    uint64_t dark = 0, bytes = 0, backscatter = 0;
    std::string by_class;
    for (uint32_t p = 0; p < DS_PROTO_COUNT; ++p)
        for (uint32_t c = 0; c < DS_CLASS_COUNT; ++c) {
            const ds_counter& v = s[DS_STATS_CLASS(p, c)];
            if (!v.packets) continue;
            dark += v.packets;
            bytes += v.bytes;
            if (class_is_backscatter(c)) backscatter += v.packets;
            by_class += std::string(by_class.empty() ? "" : ", ") + proto_name(p) + "/" + class_name(c) + " " +
                        std::to_string(v.packets);
        }
    std::cout << "  dark packets: " << dark << " (" << bytes << " bytes; backscatter " << backscatter << ")\n";
    if (!by_class.empty()) std::cout << "    " << by_class << "\n";
    std::cout << "  passed:";
    for (uint32_t r = 0; r < DS_PASS_COUNT; ++r)
        std::cout << (r ? ", " : " ") << pass_reason_name(r) << " " << s[DS_STATS_PASS(r)].packets;
    uint64_t malformed = 0;
    for (uint32_t r = 0; r < DS_MAL_COUNT; ++r) malformed += s[DS_STATS_MALFORMED(r)].packets;
    std::cout << "\n  malformed: " << malformed << ", unattributed: " << s[DS_STATS_MISC(DS_MISC_UNATTRIBUTED)].packets
              << "\n";
    show_signatures(dir, s[DS_STATS_MISC(DS_MISC_SIGNATURE_FULL)].packets);
    show_backscatter(name);
}

}  // namespace

void add_status_command(CLI::App& app) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand(
        "status", std::string("Show each sensor pinned under ") + kPinRoot +
                      ": interfaces, XDP mode and totals, read from the pinned maps");
    cmd->add_option("--sensor-name", *name, "Only this sensor");
    cmd->callback([name] {
        const std::string root = pin_root();
        std::vector<std::string> sensors = list_dir(root);
        if (!name->empty()) {
            if (std::find(sensors.begin(), sensors.end(), *name) == sensors.end())
                throw std::runtime_error("no sensor '" + *name + "' pinned under " + kPinRoot);
            sensors = {*name};
        }
        if (sensors.empty()) std::cout << "no darkscope sensor pinned under " << kPinRoot << "\n";
        for (const std::string& s : sensors) show_sensor(root, s);
    });
}

}  // namespace darkscope
