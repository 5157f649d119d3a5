// The build's identity: a source tree without git says "unknown", and
// SOURCE_DATE_EPOCH fixes the build date (a reproducible build), by running the
// very CMake script the build runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include <bpf/libbpf.h>

#include "buildinfo/build_info.h"
#include "support/run_command.h"

namespace darkscope {
namespace {

TEST(BuildInfo, TarballWithoutGitAndSourceDateEpoch) {
    const std::string dir = "/tmp/darkscope-build-info-" + std::to_string(getpid());
    const std::string script = std::string(DARKSCOPE_SOURCE_DIR) + "/userspace/buildinfo/build_info.cmake";
    int status = -1;
    const std::string out = test::run_out("mkdir -p " + dir + " && cd " + dir + " && SOURCE_DATE_EPOCH=1700000000 " +
                                              "GIT_DIR=" + dir + "/none cmake -DPROJECT_SOURCE_DIR=" + dir +
                                              " -DPROJECT_VERSION=9.8.7 -P " + script,
                                          &status);
    ASSERT_EQ(status, 0) << out;
    std::ifstream in(dir + "/build_info.cpp");
    std::stringstream text;
    text << in.rdbuf();
    test::run_out("rm -rf " + dir);
    EXPECT_NE(text.str().find("{\"9.8.7\", \"unknown\", \"20231114-22:13:20\"}"), std::string::npos) << text.str();
}

TEST(BuildInfo, VersionTextNamesEverything) {
    const std::string v = version_text();
    EXPECT_EQ(v.rfind("darkscope, version " + build_info().version + " (revision: " + build_info().revision + ")\n", 0),
              0u)
        << v;
    EXPECT_NE(v.find("\n  build date:       " + build_info().build_date + "\n"), std::string::npos) << v;
    EXPECT_NE(v.find(std::string("\n  libbpf version:   ") + libbpf_version_string() + "\n"), std::string::npos) << v;
    EXPECT_NE(v.find("\n  running kernel:   Linux "), std::string::npos) << v;
}

}  // namespace
}  // namespace darkscope
