// A two-way table of packet counts (port x country, source port x destination port)
// whose rows are already bounded labels and whose columns are admitted per row the
// way ports are (docs/metrics.md, "Admitted labels"): a column gets a series of its
// own in a row once it has min_packets there, at most max_columns per row, busiest
// first; the rest of the row is its "other" column. An admitted column carries every
// packet it had in the row; what it had before admission stays in "other" too, so no
// exported count ever goes back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <absl/container/flat_hash_map.h>

namespace darkscope {

struct CrossTabConfig {
    size_t max_columns = 10;   // columns with a series of their own, per row
    uint64_t min_packets = 10; // packets a column needs in a row to be admitted
};

// What one row exports: its admitted columns and "other".
struct CrossTabRow {
    std::map<uint32_t, uint64_t> columns;
    uint64_t other = 0;
};

class CrossTab {
public:
    explicit CrossTab(CrossTabConfig config = {}) : config_(config) {}

    void add(uint32_t row, uint32_t column, uint64_t packets);
    // The same from a cumulative count (a kernel counter): adds what it grew by.
    void add_total(uint32_t row, uint32_t column, uint64_t total);
    // After a batch of add(): admits the columns that became busy. What the row's
    // "other" was last exported with is each column's count before the batch.
    void admit();
    // Every row that has had a packet, with its admitted columns (at least 0 packets).
    std::map<uint32_t, CrossTabRow> exported() const;
    const CrossTabConfig& config() const { return config_; }

private:
    // Flat tables: add() runs for every drained entry, and std::unordered_map's
    // bucket division and node walk were about 5 % of the live agent (issue #20).
    struct Row {
        absl::flat_hash_map<uint32_t, uint64_t> counts;        // every column, exact
        std::map<uint32_t, uint64_t> admitted;                 // column -> count left in "other"
        absl::flat_hash_map<uint32_t, uint64_t> before_batch;  // columns touched since admit()
    };
    CrossTabConfig config_;
    absl::flat_hash_map<uint32_t, Row> rows_;
};

}  // namespace darkscope
