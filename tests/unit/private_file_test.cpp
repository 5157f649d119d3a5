// The agent's status and state files: owner-only, written whole or not at all,
// with nothing left behind when the disk is full (a 16 KiB tmpfs here).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "files/private_file.h"

namespace {

// A scratch directory with a small tmpfs mounted on it, unmounted and removed at the end.
struct SmallDisk {
    std::string root;
    bool mounted = false;
    SmallDisk() {
        char tmpl[] = "/tmp/darkscope-private-XXXXXX";
        if (mkdtemp(tmpl)) root = tmpl;
        mounted = !root.empty() && mount("tmpfs", root.c_str(), "tmpfs", 0, "size=16k,mode=0755") == 0;
    }
    ~SmallDisk() {
        if (mounted) umount2(root.c_str(), MNT_DETACH);
        if (!root.empty()) rmdir(root.c_str());
    }
};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
}

TEST(PrivateFile, OwnerOnlyInAnOwnerOnlyDirectory) {
    SmallDisk disk;
    if (!disk.mounted) GTEST_SKIP() << "needs root to mount a tmpfs";
    const std::string dir = disk.root + "/state", path = dir + "/s.json";
    const mode_t old_umask = umask(0);  // the modes must not depend on the caller's umask
    EXPECT_EQ(darkscope::write_private_file(dir, path, [](std::ostream& o) { o << "first"; }), "");
    umask(old_umask);
    EXPECT_EQ(mode_of(dir), 0700u);
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(slurp(path), "first");
    EXPECT_EQ(darkscope::write_private_file(dir, path, [](std::ostream& o) { o << "second"; }), "");
    EXPECT_EQ(slurp(path), "second");
    EXPECT_EQ(mode_of(path + ".tmp"), 0u);
}

TEST(PrivateFile, AFullDiskLeavesTheOldFileAndNoTemporary) {
    SmallDisk disk;
    if (!disk.mounted) GTEST_SKIP() << "needs root to mount a tmpfs";
    const std::string dir = disk.root + "/state", path = dir + "/s.state";
    ASSERT_EQ(darkscope::write_private_file(dir, path, [](std::ostream& o) { o << "kept"; }), "");
    const std::string big(64 * 1024, 'x');
    EXPECT_EQ(darkscope::write_private_file(dir, path, [&](std::ostream& o) { o << big; }),
              "cannot write " + path + ": No space left on device");
    EXPECT_EQ(slurp(path), "kept");
    EXPECT_EQ(mode_of(path + ".tmp"), 0u) << "the temporary file was left behind";
}

}  // namespace
