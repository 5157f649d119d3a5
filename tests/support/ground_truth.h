// Reads a ground-truth summary of ../shared/data/pcaps/summaries/<file>.txt:
// "key: value" lines, and lists ("key:" or "key (distinct=N):") whose indented
// lines are "label count".
#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace darkscope::test {

struct GroundTruth {
    std::map<std::string, std::string> values;
    std::map<std::string, std::map<std::string, long long>> lists;

    long long num(const std::string& key) const {
        auto it = values.find(key);
        return it == values.end() ? -1 : std::stoll(it->second);
    }
    const std::map<std::string, long long>& list(const std::string& key) const {
        static const std::map<std::string, long long> empty;
        auto it = lists.find(key);
        return it == lists.end() ? empty : it->second;
    }
};

inline GroundTruth read_ground_truth(const std::filesystem::path& path) {
    GroundTruth gt;
    std::ifstream in(path);
    std::string line, current;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (line[0] == ' ') {
            if (current.empty()) continue;
            std::istringstream ls(line);
            std::string label;
            long long count = 0;
            if (ls >> label >> count) gt.lists[current][label] = count;
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string key = line.substr(0, colon), value = line.substr(colon + 1);
        if (auto paren = key.find(" ("); paren != std::string::npos) key = key.substr(0, paren);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (value.empty() || value == "none") {
            current = key;
            gt.lists[key];
        } else {
            current.clear();
            gt.values[key] = value;
        }
    }
    return gt;
}

// The shared captures beside the checkout, or an empty path when absent.
inline std::filesystem::path shared_pcaps_dir(const std::filesystem::path& source_dir) {
    std::filesystem::path dir = source_dir / ".." / "shared" / "data" / "pcaps";
    return std::filesystem::is_directory(dir) ? std::filesystem::canonical(dir) : std::filesystem::path();
}

}  // namespace darkscope::test
