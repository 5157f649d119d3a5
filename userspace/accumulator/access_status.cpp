#include "accumulator/access_status.h"

#include <cstdio>
#include <ctime>
#include <iostream>

#include "dataplane/names.h"

namespace darkscope {
namespace {

std::string utc_seconds(int64_t ns) {
    const time_t t = static_cast<time_t>(ns / 1'000'000'000);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

nlohmann::json scanner_json(const ScannerRow& row, const std::function<std::string(int64_t)>& time_text) {
    return {{"source", source_text(row.source)},
            {"ports", row.ports},
            {"ports_capped", row.ports_capped},
            {"packets", row.packets},
            {"start", time_text(row.start_ns)},
            {"last", time_text(row.last_ns)}};
}

nlohmann::json access_status(const Snapshot& s, size_t top_combinations) {
    using nlohmann::json;
    json tools = json::array();
    for (uint32_t t = 0; t < DS_TOOL_COUNT; ++t)
        tools.push_back({{"tool", tool_name(t)},
                         {"packets", s.tools.attributed[t].packets},
                         {"sources_today", s.tool_sources[t]}});
    json named = json::array(), top = json::array();
    for (const auto& [c, n] : s.combinations.named)
        named.push_back({{"name", c.name}, {"ports", ports_text(c.ports)}, {"sources_today", n}});
    size_t rank = 0;
    for (const auto& [set, n] : s.combinations.top)
        if (++rank <= top_combinations) top.push_back({{"ports", ports_text(set)}, {"sources_today", n}});
    json scanners = json::array();
    for (const ScannerRow& r : s.scans.top) scanners.push_back(scanner_json(r, utc_seconds));
    return {{"day", s.today},
            {"scans",
             {{"active", s.scans.active},
              {"events", s.scans.events},
              {"untracked_entries", s.scans.untracked_entries},
              {"top", scanners}}},
            {"sources_today", s.sources_today},
            {"sources_estimated", s.sources_estimated},
            {"tools", tools},
            {"port_combinations",
             {{"named", named},
              {"top", top},
              {"untracked_sources", s.combinations.untracked_sources},
              {"scanner_sources", s.combinations.scanner_sources}}}};
}

void print_access_status(const nlohmann::json& j) {
    using nlohmann::json;
    if (!j.is_object()) return;
    char line[256];
    std::cout << "  accesses today (" << j.value("day", "?") << "): " << j.value("sources_today", 0ull)
              << " sources\n  scanning tools (TCP SYNs, docs/fingerprints.md):";
    for (const json& t : j.value("tools", json::array()))
        std::cout << " " << t.value("tool", "?") << " " << t.value("packets", 0ull) << " packets/"
                  << t.value("sources_today", 0ull) << " sources;";
    std::cout << "\n";
    const json pc = j.value("port_combinations", json::object());
    std::cout << "  port combinations (sources today that hit every port):\n";
    for (const json& c : pc.value("named", json::array())) {
        std::snprintf(line, sizeof line, "    %-20s %9llu  %s\n", c.value("name", "?").c_str(),
                      c.value("sources_today", 0ull), c.value("ports", "").c_str());
        std::cout << line;
    }
    const json top = pc.value("top", json::array());
    std::cout << "  top exact port sets today:" << (top.empty() ? " none" : "") << "\n";
    for (const json& c : top) {
        std::snprintf(line, sizeof line, "    %9llu sources  %s\n", c.value("sources_today", 0ull),
                      c.value("ports", "").c_str());
        std::cout << line;
    }
    if (pc.value("untracked_sources", 0ull))
        std::cout << "    " << pc.value("untracked_sources", 0ull)
                  << " sources not tracked (--port-combination-max-sources)\n";
    if (pc.value("scanner_sources", 0ull))
        std::cout << "    " << pc.value("scanner_sources", 0ull)
                  << " scanners left out (more ports than --port-combination-max-ports)\n";
    const json sc = j.value("scans", json::object());
    std::cout << "  scanners: " << sc.value("active", 0ull) << " active, " << sc.value("events", 0ull)
              << " scan events since the agent started";
    if (sc.value("untracked_entries", 0ull))
        std::cout << ", " << sc.value("untracked_entries", 0ull) << " entries not judged (--scan-max-sources)";
    std::cout << "\n";
    for (const json& r : sc.value("top", json::array())) {
        std::snprintf(line, sizeof line, "    %-40s %5llu%s ports %10llu packets\n", r.value("source", "?").c_str(),
                      r.value("ports", 0ull), r.value("ports_capped", false) ? "+" : " ", r.value("packets", 0ull));
        std::cout << line;
    }
}

}  // namespace darkscope
