// The Prometheus view: the real text serializer on the collector's families,
// checked by `promtool check metrics`, and the series rules (pre-set zeros,
// sensible protocol/class pairs, series that never vanish).
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "exposition/collector.h"

namespace darkscope {
namespace {

std::string serialize(const Collector& c) {
    std::ostringstream out;
    prometheus::TextSerializer().Serialize(out, c.Collect());
    return out.str();
}

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line) return true;
    return false;
}

// Runs promtool on the text; returns what it printed (empty: no complaint) and its status.
std::pair<std::string, int> promtool(const std::string& text) {
    char path[] = "/tmp/darkscope-exposition-XXXXXX";
    int fd = mkstemp(path);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    close(fd);
    const std::string cmd = std::string(DARKSCOPE_PROMTOOL) + " check metrics < " + path + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    int status = p ? pclose(p) : -1;
    unlink(path);
    return {out, status};
}

struct Exposition : ::testing::Test {
    Snapshot snap;
    AgentHealth health;
    Collector collector{[this] { return snap; }, [this] { return health; }, {22, 445}};

    void SetUp() override {
        snap.stats.assign(DS_STATS_ENTRIES, ds_counter{});
        health.attachments = {{"veth0", 3, "native"}};
        health.maps = {{"sources", 12, 262144}};
        health.poll_duration_seconds = 0.002;
        health.polls = 7;
        health.geoip = {{"/usr/share/test.mmdb", "country", "test-Country", "maxmind", 1700000000}};
    }
};

TEST_F(Exposition, EmptySensorPassesPromtoolWithPresetZeros) {
    const std::string text = serialize(collector);
    auto [out, status] = promtool(text);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(out, "") << text;
    EXPECT_TRUE(has_line(text, "darkscope_packets_total{class=\"syn\",protocol=\"tcp\"} 0"));
    EXPECT_TRUE(has_line(text, "darkscope_packets_total{class=\"echo_request\",protocol=\"icmpv6\"} 0"));
    EXPECT_FALSE(text.find("class=\"echo_request\",protocol=\"tcp\"") != std::string::npos);
    EXPECT_FALSE(text.find("class=\"syn\",protocol=\"udp\"") != std::string::npos);
    EXPECT_TRUE(has_line(text, "darkscope_port_packets_total{port=\"445\",protocol=\"udp\"} 0"));
    EXPECT_TRUE(has_line(text, "darkscope_port_sources{port=\"22\",protocol=\"tcp\"} 0"));
    EXPECT_TRUE(has_line(text, "darkscope_passed_packets_total{reason=\"allowlisted\"} 0"));
    EXPECT_TRUE(has_line(text, "darkscope_malformed_packets_total{reason=\"tcp_truncated\"} 0"));
    EXPECT_TRUE(has_line(text, "darkscope_unattributed_packets_total 0"));
    EXPECT_TRUE(has_line(text, "darkscope_sources 0"));
    EXPECT_TRUE(has_line(text, "darkscope_xdp_attached{interface=\"veth0\",mode=\"native\"} 1"));
    EXPECT_TRUE(has_line(text, "darkscope_bpf_map_max_entries{map=\"sources\"} 262144"));
    EXPECT_TRUE(has_line(text, "darkscope_polls_total 7"));
    EXPECT_TRUE(has_line(text, "darkscope_geoip_database_build_timestamp_seconds{path=\"/usr/share/test.mmdb\","
                               "role=\"country\"} 1700000000"));
    EXPECT_NE(text.find("darkscope_build_info{"), std::string::npos);
}

TEST_F(Exposition, CountsAndSeriesThatNeverVanish) {
    snap.stats[DS_STATS_CLASS(DS_PROTO_TCP, DS_CLASS_TCP_SYN)] = {5, 300};
    snap.stats[DS_STATS_CLASS(DS_PROTO_OTHER, DS_CLASS_ICMP_ECHO_REQUEST)] = {1, 60};  // odd, but counted
    snap.stats[DS_STATS_PASS(DS_PASS_NOT_DARK)] = {9, 900};
    snap.port_packets[{"tcp", "445"}] = {3, 180};
    snap.port_packets[{"tcp", "other"}] = {2, 120};
    snap.port_sources[{"tcp", "445"}] = 2;
    snap.country_packets["XA"] = {5, 300};
    snap.country_sources["XA"] = 2;
    snap.sources_today = 2;
    std::string text = serialize(collector);
    EXPECT_EQ(promtool(text).first, "") << text;
    EXPECT_TRUE(has_line(text, "darkscope_packets_total{class=\"syn\",protocol=\"tcp\"} 5"));
    EXPECT_TRUE(has_line(text, "darkscope_bytes_total{class=\"syn\",protocol=\"tcp\"} 300"));
    EXPECT_TRUE(has_line(text, "darkscope_packets_total{class=\"echo_request\",protocol=\"other\"} 1"));
    EXPECT_TRUE(has_line(text, "darkscope_port_packets_total{port=\"445\",protocol=\"tcp\"} 3"));
    EXPECT_TRUE(has_line(text, "darkscope_port_packets_total{port=\"other\",protocol=\"tcp\"} 2"));
    EXPECT_TRUE(has_line(text, "darkscope_port_sources{port=\"445\",protocol=\"tcp\"} 2"));
    EXPECT_TRUE(has_line(text, "darkscope_country_packets_total{country=\"XA\"} 5"));
    EXPECT_TRUE(has_line(text, "darkscope_country_sources{country=\"XA\"} 2"));
    EXPECT_TRUE(has_line(text, "darkscope_passed_packets_total{reason=\"not_dark\"} 9"));

    // A new day: the per-day gauges drop to 0, and no series disappears.
    snap.port_sources.clear();
    snap.country_sources.clear();
    snap.sources_today = 0;
    snap.stats[DS_STATS_CLASS(DS_PROTO_OTHER, DS_CLASS_ICMP_ECHO_REQUEST)] = {};
    text = serialize(collector);
    EXPECT_EQ(promtool(text).first, "") << text;
    EXPECT_TRUE(has_line(text, "darkscope_port_sources{port=\"445\",protocol=\"tcp\"} 0"));
    EXPECT_TRUE(has_line(text, "darkscope_country_sources{country=\"XA\"} 0"));
    EXPECT_TRUE(has_line(text, "darkscope_packets_total{class=\"echo_request\",protocol=\"other\"} 0"));
    EXPECT_TRUE(has_line(text, "darkscope_sources 0"));
}

TEST_F(Exposition, PromtoolCatchesBadOutput) {
    // The check itself works: a counter without _total is reported.
    auto [out, status] = promtool("# HELP bad_counter x\n# TYPE bad_counter counter\nbad_counter 1\n");
    EXPECT_NE(out, "");
}

TEST_F(Exposition, PortCombinationsByNameOnly) {
    snap.combinations.named = {{parse_named_combination("symantec-av-bot=2967,135,139,445"), 3},
                               {parse_named_combination("smb-netbios=445,139"), 5}};
    snap.combinations.top = {{parse_named_combination("x=2967,135,139,445").ports, 3}};
    snap.combinations.untracked_sources = 4;
    const std::string text = serialize(collector);
    EXPECT_EQ(promtool(text).first, "") << text;
    EXPECT_TRUE(has_line(text, "darkscope_port_combination_sources{combination=\"symantec-av-bot\"} 3"));
    EXPECT_TRUE(has_line(text, "darkscope_port_combination_sources{combination=\"smb-netbios\"} 5"));
    EXPECT_TRUE(has_line(text, "darkscope_port_combination_untracked_sources 4"));
    EXPECT_EQ(text.find("2967,135"), std::string::npos);  // exact sets are never labels
    EXPECT_TRUE(has_line(text, "darkscope_scanners_active 0"));
    EXPECT_TRUE(has_line(text, "darkscope_scan_events_total 0"));
}

}  // namespace
}  // namespace darkscope
