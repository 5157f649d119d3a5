#include "cli/logging_options.h"

#include <nlohmann/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <memory>

namespace darkscope {
namespace {

// %* in the pattern: the message quoted for the format (spdlog's %v would let a
// quote or a newline in a message break the line apart).
class QuotedMessage : public spdlog::custom_flag_formatter {
public:
    explicit QuotedMessage(bool json) : json_(json) {}
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        const std::string text(msg.payload.data(), msg.payload.size());
        // Invalid UTF-8 (a name from the network, say) is replaced, never a broken document.
        const std::string quoted =
            json_ ? nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  : logfmt_quote(text);
        dest.append(quoted.data(), quoted.data() + quoted.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<QuotedMessage>(json_); }

private:
    bool json_;
};

// %& in the pattern: the level as the Prometheus exporters name it ("warn", where
// spdlog says "warning").
class LevelName : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        const char* name = msg.level == spdlog::level::warn ? "warn" : spdlog::level::to_string_view(msg.level).data();
        dest.append(name, name + std::char_traits<char>::length(name));
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<LevelName>(); }
};

spdlog::level::level_enum level_of(const std::string& name) {
    return name == "warn" ? spdlog::level::warn : spdlog::level::from_str(name);
}

}  // namespace

std::string logfmt_quote(const std::string& text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default: out += c;
        }
    }
    return out + "\"";
}

void configure_logging(const LogSettings& s) {
    auto logger = spdlog::get("darkscope");
    if (!logger) logger = spdlog::stderr_logger_mt("darkscope");
    const bool json = s.format == "json";
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<QuotedMessage>('*', json).add_flag<LevelName>('&');
    formatter->set_pattern(json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%&","msg":%*})"
                                : "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%& msg=%*");
    logger->set_formatter(std::move(formatter));
    spdlog::set_default_logger(logger);
    spdlog::set_level(level_of(s.level));
}

void add_logging_options(CLI::App& cmd) {
    auto settings = std::make_shared<LogSettings>();
    // Each option sets its field and applies the settings as soon as it is parsed.
    const auto setting = [&](const std::string& names, std::string LogSettings::*field, const std::string& help,
                             std::vector<std::string> allowed) {
        cmd.add_option_function<std::string>(
               names,
               [settings, field](const std::string& value) {
                   (*settings).*field = value;
                   configure_logging(*settings);
               },
               help)
            ->default_str((*settings).*field)
            ->check(CLI::IsMember(std::move(allowed)));
    };
    setting("--log.level,--log-level", &LogSettings::level,
            "Only log messages at this level or above: trace, debug, info, warn, error (--log-level: the same)",
            {"trace", "debug", "info", "warn", "error"});
    setting("--log.format", &LogSettings::format,
            "Format of the log lines on stderr: logfmt (ts=... level=... msg=\"...\") or json (one object per line)",
            {"logfmt", "json"});
}

}  // namespace darkscope
