#include "accumulator/cross_tab.h"

#include <algorithm>
#include <vector>

namespace darkscope {

void CrossTab::add(uint32_t row, uint32_t column, uint64_t packets) {
    Row& r = rows_[row];
    uint64_t& n = r.counts[column];
    r.before_batch.try_emplace(column, n);
    n += packets;
}

void CrossTab::add_total(uint32_t row, uint32_t column, uint64_t total) {
    auto r = rows_.find(row);
    uint64_t now = 0;
    if (r != rows_.end())
        if (auto c = r->second.counts.find(column); c != r->second.counts.end()) now = c->second;
    if (total > now) add(row, column, total - now);
}

void CrossTab::admit() {
    for (auto& [_, r] : rows_) {
        if (r.before_batch.empty()) continue;
        // Busiest first, so the cap keeps the columns that matter; ties by column.
        std::vector<std::pair<uint64_t, uint32_t>> busy;
        for (const auto& [column, before] : r.before_batch) {
            const uint64_t n = r.counts[column];
            if (n >= config_.min_packets && !r.admitted.count(column)) busy.emplace_back(n, column);
        }
        std::sort(busy.begin(), busy.end(), [](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : a.second < b.second;
        });
        for (const auto& [n, column] : busy) {
            if (r.admitted.size() >= config_.max_columns) break;
            r.admitted[column] = r.before_batch[column];
        }
        r.before_batch.clear();
    }
}

std::map<uint32_t, CrossTabRow> CrossTab::exported() const {
    std::map<uint32_t, CrossTabRow> out;
    for (const auto& [row, r] : rows_) {
        CrossTabRow& x = out[row];
        for (const auto& [column, n] : r.counts) {
            const auto a = r.admitted.find(column);
            if (a == r.admitted.end()) {
                x.other += n;
            } else {
                x.columns[column] = n;
                x.other += a->second;
            }
        }
    }
    return out;
}

}  // namespace darkscope
