#include "agent/write_failures.h"

#include <spdlog/spdlog.h>

namespace darkscope {

void WriteFailures::record(const std::string& error) {
    if (error.empty()) {
        if (streak_ > 0) spdlog::info("{} written again after {} failed attempt(s)", path_, streak_);
        streak_ = 0;
        return;
    }
    total_.fetch_add(1, std::memory_order_relaxed);
    if (streak_++ == 0)
        spdlog::warn("{} (counted in darkscope_state_file_write_failures_total; not logged again until a write succeeds)",
                     error);
}

}  // namespace darkscope
