// The agent's maps keyed by spoofable addresses and names hash with a key drawn
// when the process starts: the same value hashes alike within a process and
// differently in the next one, so no one can precompute colliding sources.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "dataplane/source_addr.h"
#include "hashing/keyed_hash.h"

namespace {

constexpr const char* kPrintEnv = "DARKSCOPE_TEST_PRINT_KEYED_HASH";
const std::string kValue = "198.51.100.7";

// A copy of this test binary started with kPrintEnv prints its hash of kValue and
// exits before any test runs.
const bool printed_and_exited = [] {
    if (!std::getenv(kPrintEnv)) return false;
    std::printf("%llu\n", static_cast<unsigned long long>(darkscope::keyed_hash(kValue.data(), kValue.size())));
    std::fflush(stdout);
    std::_Exit(0);
}();

std::string hash_in_new_process() {
    const std::string cmd = std::string(kPrintEnv) + "=1 /proc/" + std::to_string(getpid()) + "/exe";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return "";
    char line[64] = {};
    const bool got = std::fgets(line, sizeof line, p) != nullptr;
    pclose(p);
    return got ? line : "";
}

TEST(KeyedHash, DiffersFromOneProcessToTheNext) {
    const std::string a = hash_in_new_process(), b = hash_in_new_process();
    ASSERT_FALSE(a.empty());
    ASSERT_FALSE(b.empty());
    EXPECT_NE(a, b);
    EXPECT_NE(a, std::to_string(darkscope::keyed_hash(kValue.data(), kValue.size())) + "\n");
}

TEST(KeyedHash, StableWithinAProcessAndOverEveryByte) {
    darkscope::SourceAddr x;
    x.family = DS_FAMILY_IPV4;
    x.addr[0] = 198, x.addr[1] = 51, x.addr[2] = 100, x.addr[3] = 7;
    darkscope::SourceAddr y = x;
    const darkscope::SourceAddrHash h;
    EXPECT_EQ(h(x), h(y));
    EXPECT_EQ(h(x), darkscope::keyed_hash(&x, sizeof x));
    // Every byte of the key counts, the family too.
    y.addr[15] = 1;
    EXPECT_NE(h(x), h(y));
    y = x;
    y.family = DS_FAMILY_IPV6;
    EXPECT_NE(h(x), h(y));
    EXPECT_EQ(darkscope::KeyedStringHash{}("example.com"), darkscope::KeyedStringHash{}(std::string("example.com")));
}

}  // namespace
