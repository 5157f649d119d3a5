// GeoIP lookups on the small databases tests/unit/make_test_geoip.pl writes.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "geoip/geoip.h"

namespace darkscope {
namespace {

const std::string kDir = DARKSCOPE_TEST_GEOIP_DIR;

std::string country(const GeoIp& g, const char* text) {
    uint8_t addr[16] = {};
    const bool v6 = std::string(text).find(':') != std::string::npos;
    EXPECT_EQ(inet_pton(v6 ? AF_INET6 : AF_INET, text, addr), 1) << text;
    return g.country(v6 ? 6 : 4, addr);
}

TEST(GeoIp, MaxMindLayout) {
    GeoIp g({kDir + "/country-maxmind.mmdb"});
    ASSERT_EQ(g.databases().size(), 1u);
    EXPECT_EQ(g.databases()[0].role, "country");
    EXPECT_EQ(g.databases()[0].layout, "maxmind");
    EXPECT_EQ(g.databases()[0].database_type, "darkscope-test-Country");
    EXPECT_GT(g.databases()[0].build_epoch, 0u);
    EXPECT_EQ(country(g, "192.0.2.1"), "XA");
    EXPECT_EQ(country(g, "192.0.2.200"), "XB");
    EXPECT_EQ(country(g, "198.51.100.7"), "XC");
    EXPECT_EQ(country(g, "198.19.255.1"), "XD");
    EXPECT_EQ(country(g, "2001:db8:1::5"), "XE");
}

TEST(GeoIp, FlatLayout) {
    GeoIp g({kDir + "/country-flat.mmdb"});
    EXPECT_EQ(g.databases()[0].layout, "flat");
    EXPECT_EQ(country(g, "192.0.2.1"), "XA");
    EXPECT_EQ(country(g, "198.18.0.1"), "XD");
    EXPECT_EQ(country(g, "2001:db8::1"), "XE");
}

TEST(GeoIp, UnknownAndPrivateSourcesAreZZ) {
    GeoIp g({kDir + "/country-flat.mmdb"});
    EXPECT_EQ(country(g, "203.0.113.9"), kUnknownCountry);
    EXPECT_EQ(country(g, "10.1.2.3"), "ZZ");
    EXPECT_EQ(country(g, "fe80::1"), "ZZ");
    // Cached answers are the same answers.
    EXPECT_EQ(country(g, "203.0.113.9"), "ZZ");
    EXPECT_EQ(country(g, "192.0.2.1"), "XA");
    EXPECT_EQ(country(g, "192.0.2.1"), "XA");
}

TEST(GeoIp, NoDatabaseMeansZZ) {
    GeoIp g(std::vector<std::string>{});
    EXPECT_FALSE(g.has_country());
    EXPECT_EQ(country(g, "192.0.2.1"), "ZZ");
}

TEST(GeoIp, CountryAndAsnTogether) {
    GeoIp g({kDir + "/asn.mmdb", kDir + "/country-maxmind.mmdb"});
    ASSERT_EQ(g.databases().size(), 2u);
    EXPECT_EQ(g.databases()[0].role, "asn");
    EXPECT_EQ(g.databases()[0].layout, "maxmind");
    EXPECT_EQ(country(g, "192.0.2.1"), "XA");
    uint8_t a[16] = {};
    inet_pton(AF_INET, "198.18.3.4", a);
    EXPECT_EQ(g.asn(4, a), std::optional<uint32_t>(64501));
    inet_pton(AF_INET, "203.0.113.1", a);
    EXPECT_EQ(g.asn(4, a), std::nullopt);
}

TEST(GeoIp, BadFilesAreOneLineErrors) {
    try {
        GeoIp g({kDir + "/does-not-exist.mmdb"});
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("does-not-exist.mmdb"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos);
    }
    const std::string text = kDir + "/not-a-database.mmdb";
    std::ofstream(text) << "country_code,XA\n";
    try {
        GeoIp g({text});
        FAIL() << "no error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("not a MaxMind DB"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
}

// The cache keeps an answer for a block of addresses when the database answered
// for a network around that block: a smaller network inside a larger one must still
// get its own country, whichever address of the two was looked up first.
TEST(GeoIp, NetworksInsideNetworksGetTheirOwnCountryInAnyOrder) {
    const std::vector<std::pair<const char*, const char*>> want = {
        {"198.18.0.1", "XD"},           {"198.18.0.200", "XD"},       {"198.18.5.17", "XF"},
        {"198.18.5.30", "XF"},          {"198.18.5.1", "XD"},         {"198.18.5.32", "XD"},
        {"198.18.6.1", "XD"},           {"198.19.1.1", "XD"},         {"198.19.200.9", "XD"},
        {"198.17.255.255", "ZZ"},       {"203.0.113.1", "ZZ"},        {"2001:db8:1::1", "XE"},
        {"2001:db8:ffff::1", "XE"},     {"2001:db8:ab12::1", "XH"},   {"2001:db8:abff:1::1", "XH"},
        {"2001:db8:0:1::5", "XG"},      {"2001:db8:0:1:ffff::1", "XG"}, {"2001:db8:0:1::42", "XI"},
        {"2001:db8:0:1::43", "XI"},     {"2001:db8:0:1::44", "XG"},   {"2001:db8:0:2::1", "XE"},
        {"2001:db9::1", "ZZ"},
    };
    for (bool reversed : {false, true}) {
        GeoIp g({kDir + "/country-nested.mmdb"});
        std::vector<std::pair<const char*, const char*>> order = want;
        if (reversed) std::reverse(order.begin(), order.end());
        for (int pass = 0; pass < 2; ++pass)
            for (const auto& [addr, cc] : order) EXPECT_EQ(country(g, addr), cc) << addr << (reversed ? " (reversed)" : "");
    }
}

// One entry for every address of one network, however many of them send.
TEST(GeoIp, AddressesOfOneNetworkShareOneCacheEntry) {
    GeoIp g({kDir + "/country-nested.mmdb"});
    uint8_t a[16] = {};
    inet_pton(AF_INET6, "2001:db8:ab00::", a);
    for (unsigned i = 0; i < 10000; ++i) {
        a[14] = static_cast<uint8_t>(i >> 8);
        a[15] = static_cast<uint8_t>(i);
        ASSERT_EQ(g.country(6, a), "XH");
    }
    for (unsigned i = 0; i < 1000; ++i) {
        const uint8_t v4[4] = {198, 19, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
        ASSERT_EQ(g.country(4, v4), "XD");
    }
    // 2001:db8:ab00::/40 is answered at /40 and kept for its /48 block; 198.18.0.0/15
    // at /16 for 198.19.0.0/16, kept at that level.
    EXPECT_EQ(g.cached_networks(), 2u);
}

TEST(GeoIp, CountryLookupFunction) {
    auto lookup = make_country_lookup({kDir + "/country-maxmind.mmdb"});
    uint8_t a[16] = {};
    inet_pton(AF_INET, "198.51.100.1", a);
    EXPECT_EQ(lookup(4, a), "XC");
}

}  // namespace
}  // namespace darkscope
