// The report's directory, written whole or not at all: every file goes into a
// temporary directory beside it, renamed into place at the end; on failure the
// temporary directory is removed and the old directory (if any) is left as it was.
#pragma once

#include <filesystem>

namespace darkscope::report {

class OutputDir {
public:
    // Throws std::runtime_error with one line when nothing can be written beside `dir`.
    explicit OutputDir(std::filesystem::path dir);
    ~OutputDir();
    OutputDir(const OutputDir&) = delete;
    OutputDir& operator=(const OutputDir&) = delete;

    const std::filesystem::path& staging() const { return staging_; }
    void write(const std::string& name, const std::string& text) const;
    // Puts the files in place of `dir` (replacing an earlier report there).
    void commit();

private:
    std::filesystem::path dir_, staging_;
    bool committed_ = false;
};

}  // namespace darkscope::report
