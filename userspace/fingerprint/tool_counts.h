// Per-tool numbers from the kernel's tool_stats array (SYNs by tool-rule mask):
// what each SYN was attributed to, and how often each rule matched on its own
// (the figure the shared captures' ground truth gives). Rules: docs/fingerprints.md.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "darkscope/abi.h"

namespace darkscope {

// "unknown", "mirai", "masscan", "nmap", "zmap".
const char* tool_name(uint32_t tool);

// The tool a SYN with this rule mask is attributed to (as bpf/fingerprint.h does).
uint32_t attributed_tool(uint32_t rules);

struct ToolCounts {
    std::array<ds_counter, DS_TOOL_COUNT> attributed{};  // by enum ds_tool; sums to the SYNs seen
    std::array<ds_counter, DS_TOOL_COUNT> rule_matches{};  // by enum ds_tool; [unknown] = no rule matched
};

// tool_stats: DS_RULE_MASKS entries (DataPlane::read_tool_stats()); anything else gives zeros.
ToolCounts tool_counts(const std::vector<ds_counter>& tool_stats);

}  // namespace darkscope
