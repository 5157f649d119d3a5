// GeoIP lookups on the small databases tests/unit/make_test_geoip.pl writes.
#include <arpa/inet.h>
#include <gtest/gtest.h>

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

TEST(GeoIp, CountryLookupFunction) {
    auto lookup = make_country_lookup({kDir + "/country-maxmind.mmdb"});
    uint8_t a[16] = {};
    inet_pton(AF_INET, "198.51.100.1", a);
    EXPECT_EQ(lookup(4, a), "XC");
}

}  // namespace
}  // namespace darkscope
