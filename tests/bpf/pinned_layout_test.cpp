// Pinned maps left by another version or other options: the next data plane that
// would reuse them says which map differs and what to do, in one line, instead of
// libbpf's bare EINVAL for the whole load ("are you root?").
#include <bpf/bpf.h>
#include <dirent.h>
#include <sys/stat.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

#include "dataplane/data_plane.h"
#include "dataplane/unique_fd.h"

using namespace darkscope;

namespace {

// The pin directory of one test, emptied and removed however the test ends.
struct PinDir {
    std::string path = "/sys/fs/bpf/darkscope-layout-test-" + std::to_string(getpid());
    ~PinDir() {
        if (DIR* d = opendir(path.c_str())) {
            while (dirent* e = readdir(d))
                if (e->d_name[0] != '.') unlink((path + "/" + e->d_name).c_str());
            closedir(d);
        }
        rmdir(path.c_str());
    }
};

DataPlaneConfig pinned_config(const std::string& dir, uint32_t table_slots) {
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("198.51.100.0/24")};
    cfg.source_map_entries = 64;
    cfg.source_cache_slots = table_slots;
    cfg.pin_dir = dir;
    return cfg;
}

TEST(PinnedLayout, AnotherTableSizeIsAOneLineErrorNamingTheMap) {
    PinDir pins;
    { DataPlane first(pinned_config(pins.path, 8)); }  // leaves its maps pinned
    { DataPlane same(pinned_config(pins.path, 8)); }   // the same layout: reused
    try {
        DataPlane other(pinned_config(pins.path, 16));
        FAIL() << "reused a pinned table of another size";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("the pinned map " + pins.path + "/source_table has max entries"), std::string::npos) << what;
        EXPECT_NE(what.find("darkscope cleanup"), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
}

// The per-CPU table of versions before #20's shared one was pinned as source_cache:
// an agent finding it says to clean up, in one line, instead of reusing the counters
// beside it and leaving that table's counts undrained.
TEST(PinnedLayout, AnEarlierPerCpuTableIsAOneLineError) {
    PinDir pins;
    ASSERT_EQ(mkdir(pins.path.c_str(), 0700), 0) << pins.path;
    const UniqueFd old_table(bpf_map_create(BPF_MAP_TYPE_ARRAY, "source_cache", 4, 64, 8, nullptr));
    ASSERT_TRUE(old_table.valid());
    ASSERT_EQ(bpf_obj_pin(old_table.get(), (pins.path + "/source_cache").c_str()), 0);
    try {
        DataPlane dp(pinned_config(pins.path, 8));
        FAIL() << "started beside an earlier version's per-CPU table";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("the pinned map " + pins.path + "/source_cache is an earlier darkscope's per-CPU source table"),
                  std::string::npos) << what;
        EXPECT_NE(what.find("darkscope cleanup"), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
}

}  // namespace
