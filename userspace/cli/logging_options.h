// --log.level and --log.format, registered on every subcommand (the flags of
// node_exporter and the other Prometheus exporters). The log goes to stderr, one
// line per message: logfmt (ts=... level=... msg="...") or one JSON object.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace darkscope {

struct LogSettings {
    std::string level = "info";     // trace, debug, info, warn, error
    std::string format = "logfmt";  // logfmt or json
};

// Registers --log.level (alias --log-level, the flag's earlier name) and
// --log.format on cmd; each takes effect as soon as it is parsed (flag or
// --config key), before the subcommand runs.
void add_logging_options(CLI::App& cmd);

// Makes spdlog's default logger write to stderr at that level in that format.
void configure_logging(const LogSettings& settings);

// A message as a logfmt value: always in double quotes, with \ " and line breaks escaped.
std::string logfmt_quote(const std::string& text);

}  // namespace darkscope
