// --log.format: every line a valid JSON object, or logfmt with the message
// quoted, whatever the message holds (quotes, line breaks, invalid UTF-8).
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/logging_options.h"

namespace darkscope {
namespace {

// The lines the default logger writes to stderr while fn runs.
template <class Fn>
std::vector<std::string> stderr_lines(Fn fn) {
    const std::string path = "/tmp/darkscope-logging-test-" + std::to_string(getpid());
    std::fflush(stderr);
    const int saved = dup(2);
    FILE* f = std::fopen(path.c_str(), "w");
    dup2(fileno(f), 2);
    fn();
    spdlog::default_logger()->flush();
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    std::fclose(f);
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    unlink(path.c_str());
    return lines;
}

const std::string kAwkward = "say \"hi\"\\ to\nline two\tand \xff";

TEST(Logging, JsonLinesAreValidJson) {
    const auto lines = stderr_lines([] {
        configure_logging({"info", "json"});
        spdlog::debug("below the level");
        spdlog::info("{}", kAwkward);
        spdlog::warn("plain");
    });
    ASSERT_EQ(lines.size(), 2u);
    const auto first = nlohmann::json::parse(lines[0]);
    EXPECT_EQ(first["level"], "info");
    EXPECT_EQ(first["msg"], "say \"hi\"\\ to\nline two\tand \xef\xbf\xbd");  // U+FFFD for the bad byte
    EXPECT_TRUE(std::regex_match(first["ts"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
    const auto second = nlohmann::json::parse(lines[1]);
    EXPECT_EQ(second["level"], "warn");
    EXPECT_EQ(second["msg"], "plain");
    EXPECT_EQ(second.size(), 3u);
    configure_logging({});
}

TEST(Logging, LogfmtQuotesTheMessage) {
    const auto lines = stderr_lines([] {
        configure_logging({"debug", "logfmt"});
        spdlog::debug("{}", kAwkward);
        spdlog::error("x=1");
    });
    ASSERT_EQ(lines.size(), 2u);
    const std::regex ts(R"(ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )");
    EXPECT_TRUE(std::regex_search(lines[0], ts)) << lines[0];
    EXPECT_EQ(lines[0].substr(lines[0].find(" level=")),
              " level=debug msg=\"say \\\"hi\\\"\\\\ to\\nline two\\tand \xff\"");
    EXPECT_EQ(lines[1].substr(lines[1].find(" level=")), " level=error msg=\"x=1\"");
    configure_logging({});
}

}  // namespace
}  // namespace darkscope
