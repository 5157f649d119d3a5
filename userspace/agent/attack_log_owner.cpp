#include "agent/attack_log_owner.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <stdexcept>

namespace darkscope {

std::vector<std::string> attack_log_paths_for_user(const std::string& log, size_t max_files, const RunAsUser& user) {
    namespace fs = std::filesystem;
    // The names spdlog's rotation uses (its own function, so that they always agree).
    std::set<std::string> ours = {log};
    for (size_t i = 1; i <= max_files; ++i) ours.insert(spdlog::sinks::rotating_file_sink_mt::calc_filename(log, i));
    const std::string dir = fs::path(log).parent_path().string();

    std::vector<std::string> paths;
    struct stat st {};
    if (stat(dir.c_str(), &st)) throw std::runtime_error("cannot read the attack log's directory " + dir);
    if (st.st_uid != user.uid) {
        std::error_code ec;
        for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
            if (!ours.count(e.path().string()))
                throw std::runtime_error("the attack log's directory " + dir + " holds other files (" +
                                         e.path().filename().string() + "): with --user the log needs a directory "
                                         "of its own, given to " + user.name +
                                         " so that it can rotate the log (e.g. /var/log/darkscope)");
        if (ec) throw std::runtime_error("cannot read the attack log's directory " + dir + ": " + ec.message());
        paths.push_back(dir);
    }
    for (const std::string& f : ours)
        if (fs::exists(fs::symlink_status(f))) paths.push_back(f);
    return paths;
}

}  // namespace darkscope
