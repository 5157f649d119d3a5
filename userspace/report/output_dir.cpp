#include "report/output_dir.h"

#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <system_error>

namespace darkscope::report {

namespace fs = std::filesystem;

OutputDir::OutputDir(fs::path dir) : dir_(std::move(dir)) {
    if (dir_.filename().empty()) dir_ = dir_.parent_path();  // "out/" -> "out"
    if (fs::exists(dir_) && !fs::is_directory(dir_)) throw std::runtime_error("cannot write " + dir_.string() + ": not a directory");
    const fs::path parent = dir_.has_parent_path() ? dir_.parent_path() : fs::path(".");
    staging_ = parent / ("." + dir_.filename().string() + ".tmp-" + std::to_string(getpid()));
    std::error_code ec;
    fs::create_directory(staging_, ec);
    if (ec) throw std::runtime_error("cannot write " + dir_.string() + ": " + ec.message());
}

OutputDir::~OutputDir() {
    std::error_code ec;
    if (!committed_) fs::remove_all(staging_, ec);
}

void OutputDir::write(const std::string& name, const std::string& text) const {
    std::ofstream out(staging_ / name);
    out << text;
    out.close();
    if (!out) throw std::runtime_error("cannot write " + (dir_ / name).string());
}

void OutputDir::commit() {
    std::error_code ec;
    const fs::path old = staging_.string() + ".old";
    const bool replacing = fs::exists(dir_);
    if (replacing) fs::rename(dir_, old, ec);
    if (!ec) fs::rename(staging_, dir_, ec);
    if (ec) {
        if (replacing && fs::exists(old)) fs::rename(old, dir_);  // put the earlier report back
        throw std::runtime_error("cannot write " + dir_.string() + ": " + ec.message());
    }
    committed_ = true;
    if (replacing) fs::remove_all(old, ec);
}

}  // namespace darkscope::report
