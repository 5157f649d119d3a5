// Today's distinct-source figures as HyperLogLog sketches (hashing/distinct_counter.h),
// kept beside the accumulator's exact per-source set. The set stops growing at
// --day-max-sources; sources past it exist only here, so every unique-source figure
// (overall, per country, per port label, per tool) goes on as an estimate instead of
// silently stopping. Each sketch is exact to 512 sources, then at most 4 KiB with a
// 1.6 % standard error. Fed with every (source, key) pair at least once: adding a
// source twice changes nothing.
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>

#include "darkscope/abi.h"
#include "hashing/distinct_counter.h"

namespace darkscope {

class SourceSketches {
public:
    // h: the source's keyed hash (keyed_hash of its SourceAddr).
    void add_source(uint64_t h, uint16_t country) {
        all_.add_hash(h);
        countries_[country].add_hash(h);
    }
    void add_label(uint64_t h, uint32_t label) { labels_[label].add_hash(h); }
    void add_tool(uint64_t h, uint32_t tool) {
        if (tool < tools_.size()) tools_[tool].add_hash(h);
    }

    uint64_t sources() const { return all_.count(); }
    uint64_t country(uint16_t c) const { return count_of(countries_, c); }
    uint64_t label(uint32_t l) const { return count_of(labels_, l); }
    uint64_t tool(uint32_t t) const { return t < tools_.size() ? tools_[t].count() : 0; }

    // The state file (accumulator_state.cpp) writes and reads the sketches whole.
    const DistinctCounter& all() const { return all_; }
    const std::unordered_map<uint16_t, DistinctCounter>& countries() const { return countries_; }
    const std::unordered_map<uint32_t, DistinctCounter>& labels() const { return labels_; }
    const std::array<DistinctCounter, DS_TOOL_COUNT>& tools() const { return tools_; }
    DistinctCounter& all() { return all_; }
    std::unordered_map<uint16_t, DistinctCounter>& countries() { return countries_; }
    std::unordered_map<uint32_t, DistinctCounter>& labels() { return labels_; }
    std::array<DistinctCounter, DS_TOOL_COUNT>& tools() { return tools_; }

private:
    template <class Map, class Key>
    static uint64_t count_of(const Map& m, Key k) {
        const auto it = m.find(k);
        return it == m.end() ? 0 : it->second.count();
    }

    DistinctCounter all_;
    std::unordered_map<uint16_t, DistinctCounter> countries_;  // country index -> sources
    std::unordered_map<uint32_t, DistinctCounter> labels_;     // port label id -> sources
    std::array<DistinctCounter, DS_TOOL_COUNT> tools_;         // enum ds_tool -> SYN sources
};

}  // namespace darkscope
