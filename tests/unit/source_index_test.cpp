// The accumulator's index of today's sources (accumulator/source_index.h): every
// source inserted is found with its value, across the growths, whatever slots
// its hash shares with others; none is found twice or after clear().
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "accumulator/source_index.h"

using namespace darkscope;

namespace {

SourceAddr v4(uint32_t n) {
    SourceAddr a;
    a.family = DS_FAMILY_IPV4;
    a.addr[0] = 198;
    a.addr[1] = static_cast<uint8_t>(18 + (n >> 16));
    a.addr[2] = static_cast<uint8_t>(n >> 8);
    a.addr[3] = static_cast<uint8_t>(n);
    return a;
}

SourceAddr v6(uint32_t n) {  // 2001:db8::/32
    SourceAddr a;
    a.family = DS_FAMILY_IPV6;
    a.addr[0] = 0x20, a.addr[1] = 0x01, a.addr[2] = 0x0d, a.addr[3] = 0xb8;
    for (int b = 0; b < 4; ++b) a.addr[4 + b] = static_cast<uint8_t>(n >> (8 * b));
    return a;
}

}  // namespace

TEST(SourceIndex, FindsEverySourceAcrossGrowthsAndNoneTwice) {
    SourceIndex index;
    EXPECT_EQ(index.find(v4(1)), nullptr);  // empty: nothing to probe
    constexpr uint32_t kSources = 100000;   // grows from 1,024 slots to 262,144
    for (uint32_t i = 0; i < kSources; ++i) {
        ASSERT_TRUE(index.insert(v4(i), i));
        ASSERT_TRUE(index.insert(v6(i), kSources + i));
    }
    EXPECT_EQ(index.size(), 2 * kSources);
    for (uint32_t i = 0; i < kSources; ++i) {
        const uint32_t* a = index.find(v4(i));
        const uint32_t* b = index.find(v6(i));
        ASSERT_NE(a, nullptr) << i;
        ASSERT_NE(b, nullptr) << i;
        EXPECT_EQ(*a, i);
        EXPECT_EQ(*b, kSources + i);
    }
    // Present: refused, the value kept. The same bytes as another family: another source.
    EXPECT_FALSE(index.insert(v4(7), 99));
    EXPECT_EQ(*index.find(v4(7)), 7u);
    SourceAddr other_family = v4(kSources + 1);
    other_family.family = DS_FAMILY_IPV6;
    EXPECT_EQ(index.find(other_family), nullptr);
    EXPECT_EQ(index.find(v4(kSources + 1)), nullptr);

    std::set<uint32_t> values;
    size_t visited = 0;
    index.for_each([&](const SourceAddr& a, uint32_t v) {
        ++visited;
        values.insert(v);
        EXPECT_TRUE(a.family == DS_FAMILY_IPV4 || a.family == DS_FAMILY_IPV6);
    });
    EXPECT_EQ(visited, 2 * kSources);
    EXPECT_EQ(values.size(), 2 * kSources);

    index.clear();
    EXPECT_EQ(index.size(), 0u);
    EXPECT_EQ(index.find(v4(7)), nullptr);
    EXPECT_TRUE(index.insert(v4(7), 1));
}

TEST(SourceIndex, SourcesSharingAHomeSlotProbeOnAndAreAllFound) {
    // The hash given decides the first slot: 64 sources that all claim slot 5 form
    // one run, and each is still found, also after the run wraps past the last slot.
    SourceIndex index;
    for (uint32_t i = 0; i < 64; ++i) ASSERT_TRUE(index.insert(v4(i), 5, i));
    for (uint32_t i = 0; i < 64; ++i) ASSERT_TRUE(index.insert(v6(i), 1023, 100 + i));
    for (uint32_t i = 0; i < 64; ++i) {
        ASSERT_NE(index.find(v4(i), 5), nullptr);
        EXPECT_EQ(*index.find(v4(i), 5), i);
        ASSERT_NE(index.find(v6(i), 1023), nullptr);
        EXPECT_EQ(*index.find(v6(i), 1023), 100 + i);
    }
    EXPECT_FALSE(index.insert(v4(3), 5, 0));
    EXPECT_EQ(index.size(), 128u);
}
