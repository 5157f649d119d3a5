// Failed writes of one of the agent's files (status, state): counted for the
// metrics, and logged once per streak, since a full disk would otherwise log the
// same line at every poll; a line again when writing works once more.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

namespace darkscope {

class WriteFailures {
public:
    explicit WriteFailures(std::string path) : path_(std::move(path)) {}
    // error: what write_private_file() returned ("" for success).
    void record(const std::string& error);
    uint64_t total() const { return total_.load(std::memory_order_relaxed); }

private:
    std::string path_;
    std::atomic<uint64_t> total_{0};  // read by scrapes on the web server's threads
    uint64_t streak_ = 0;             // failures since the last success
};

}  // namespace darkscope
