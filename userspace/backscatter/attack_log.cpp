#include "backscatter/attack_log.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <stdexcept>

#include "backscatter/attack_json.h"

namespace darkscope {

std::string AttackLog::absolute_path(const std::string& path) {
    std::error_code ec;
    const std::filesystem::path abs = std::filesystem::absolute(path, ec);
    return ec ? path : abs.lexically_normal().string();
}

AttackLog::AttackLog(const std::string& path, size_t max_bytes, size_t max_files) {
    std::shared_ptr<spdlog::sinks::rotating_file_sink_mt> sink;
    try {
        sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(absolute_path(path), max_bytes, max_files);
    } catch (const spdlog::spdlog_ex& e) {
        throw std::runtime_error("cannot open the attack log " + path + ": " + e.what());
    }
    // Not registered globally: each log is its own, and several may exist in tests.
    logger_ = std::make_shared<spdlog::logger>("attacks", sink);
    logger_->set_pattern("%v");
    logger_->set_level(spdlog::level::info);
    logger_->flush_on(spdlog::level::info);
    auto errors = errors_;
    logger_->set_error_handler([errors](const std::string&) { ++*errors; });
}

AttackLog::~AttackLog() = default;

void AttackLog::write(const AttackEvent& ev) { logger_->info(attack_to_json(ev).dump()); }

}  // namespace darkscope
