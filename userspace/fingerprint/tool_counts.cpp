#include "fingerprint/tool_counts.h"

#include <iterator>

namespace darkscope {

const char* tool_name(uint32_t tool) {
    static constexpr const char* names[] = {"unknown", "mirai", "masscan", "nmap", "zmap"};
    static_assert(std::size(names) == DS_TOOL_COUNT, "a name for every tool");
    return tool < DS_TOOL_COUNT ? names[tool] : "invalid";
}

uint32_t attributed_tool(uint32_t rules) {
    for (uint32_t tool = 1; tool < DS_TOOL_COUNT; ++tool)
        if (rules & DS_RULE_BIT(tool)) return tool;
    return DS_TOOL_UNKNOWN;
}

ToolCounts tool_counts(const std::vector<ds_counter>& tool_stats) {
    ToolCounts t;
    if (tool_stats.size() != DS_RULE_MASKS) return t;
    for (uint32_t rules = 0; rules < DS_RULE_MASKS; ++rules) {
        const ds_counter& c = tool_stats[rules];
        ds_counter& a = t.attributed[attributed_tool(rules)];
        a.packets += c.packets;
        a.bytes += c.bytes;
        for (uint32_t tool = 1; tool < DS_TOOL_COUNT; ++tool) {
            if (!(rules & DS_RULE_BIT(tool))) continue;
            t.rule_matches[tool].packets += c.packets;
            t.rule_matches[tool].bytes += c.bytes;
        }
        if (rules == 0) t.rule_matches[DS_TOOL_UNKNOWN] = c;
    }
    return t;
}

}  // namespace darkscope
