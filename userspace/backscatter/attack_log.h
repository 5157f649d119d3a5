// The attack log: one JSON line per attack when it ends (attack_json.h), in a
// file rotated by size with spdlog's rotating file sink: FILE.EXT grows to
// max_bytes, then becomes FILE.1.EXT, FILE.1.EXT becomes FILE.2.EXT, ... and the
// oldest beyond max_files is removed.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "backscatter/victims.h"

namespace spdlog {
class logger;
}

namespace darkscope {

class AttackLog {
public:
    // Opens (creates, appends to) path; throws std::runtime_error with one line. A
    // relative path is taken from the working directory now: the agent changes it later.
    AttackLog(const std::string& path, size_t max_bytes, size_t max_files);
    static std::string absolute_path(const std::string& path);
    ~AttackLog();

    // Appends the event and flushes it. A write that fails is counted, not thrown.
    void write(const AttackEvent& ev);
    uint64_t write_errors() const { return *errors_; }

private:
    std::shared_ptr<spdlog::logger> logger_;
    std::shared_ptr<std::atomic<uint64_t>> errors_ = std::make_shared<std::atomic<uint64_t>>(0);
};

}  // namespace darkscope
