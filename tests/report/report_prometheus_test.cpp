// `darkscope report --prometheus`: a real Prometheus loaded with two sensors'
// captures through replay's OpenMetrics backfill; every number of report.json
// checked against the test's own PromQL (exact values of counters at the period's
// edges, not the report's raw-sample code).
#include <gtest/gtest.h>

#include "report/prometheus_server.h"
#include "report/report_fixture.h"

using namespace darkscope::test;
using nlohmann::json;

namespace {

constexpr int64_t kDaySeconds = 86400;
const int64_t kFrom = kDay0 / kSec;  // 2024-10-04, UTC
const std::string kProbe =
    "class!~\"synack|rst|dns_response|udp_reflection|echo_reply|unreachable|time_exceeded\"";

// A counter's exact increase over [from, to) summed over its series: the last sample
// before `to` less the last before `from` (none: the series began inside).
std::string increase_query(const std::string& selector, int64_t from, int64_t to) {
    const std::string to_range = std::to_string(to - from) + "s";
    return "sum(last_over_time(" + selector + "[" + to_range + "] @ " + std::to_string(to) + ")) - (sum(last_over_time(" +
           selector + "[1d] @ " + std::to_string(from) + ")) or vector(0))";
}

// The report of 2024-10-04..06 from `prom`, written to `out`: its report.json (null
// when the command failed, which is a failure of the test too).
json report_of_period(const PrometheusServer& prom, const fs::path& out) {
    int status = -1;
    const std::string said = run_darkscope("report --prometheus " + prom.url() + " --from 2024-10-04 --to 2024-10-06 --out " +
                                           out.string(), &status);
    EXPECT_EQ(status, 0) << said;
    return status == 0 ? read_json(out / "report.json") : json();
}

}  // namespace

TEST(ReportPrometheus, EveryNumberEqualsPromQL) {
    TempDir work("report-prom");
    // sensor-a: the three days twice, the previous period (2024-10-01..03) and this one;
    // sensor-b: this period only.
    std::vector<Frame> a = three_days(kDay0 - 3 * kDay), current = three_days();
    a.insert(a.end(), current.begin(), current.end());
    const PrometheusServer prom("report-prom-server",
                                {backfill(work.path(), "sensor-a", a), backfill(work.path(), "sensor-b", current)});
    const json r = report_of_period(prom, work.path() / "report");
    ASSERT_FALSE(r.is_null());
    const int64_t to = kFrom + 3 * kDaySeconds, previous_from = kFrom - 3 * kDaySeconds;
    auto q = [&](const std::string& selector, int64_t from, int64_t until) {
        return prom.number(increase_query(selector, from, until), until);
    };

    const json& s = r["period"]["summary"];
    EXPECT_EQ(s["accesses"].get<double>(), q("darkscope_packets_total{" + kProbe + "}", kFrom, to));
    EXPECT_EQ(s["accesses"], 42);  // and by hand: 21 per sensor
    EXPECT_EQ(s["backscatter_packets"].get<double>(), q("darkscope_backscatter_packets_total", kFrom, to));
    EXPECT_EQ(s["sensor_count"], 2);
    EXPECT_EQ(r["period"]["sensors"], json::array({"sensor-a", "sensor-b"}));
    EXPECT_EQ(s["day_count"], 3);
    uint64_t day_sources = 0;
    for (int d = 0; d < 3; ++d) {
        const json& day = r["period"]["days"][d];
        const int64_t b = kFrom + d * kDaySeconds, e = b + kDaySeconds;
        EXPECT_EQ(day["packets"].get<double>(), q("darkscope_packets_total{" + kProbe + "}", b, e)) << day;
        EXPECT_EQ(day["sources"].get<double>(), prom.number("sum(max_over_time(darkscope_sources[86399s] @ " +
                                                            std::to_string(e - 1) + "))", e)) << day;
        day_sources += day["sources"].get<uint64_t>();
    }
    EXPECT_EQ(s["sources"], day_sources);
    EXPECT_DOUBLE_EQ(s["per_sensor_per_day"]["accesses"].get<double>(), 42.0 / 6);

    const json& p = r["previous_period"]["summary"];
    EXPECT_EQ(p["accesses"].get<double>(), q("darkscope_packets_total{" + kProbe + "}", previous_from, kFrom));
    EXPECT_EQ(p["accesses"], 21);
    EXPECT_EQ(p["sensor_count"], 1);
    EXPECT_DOUBLE_EQ(r["change_percent"]["accesses_per_sensor_per_day"].get<double>(), 0.0);  // 7 a day per sensor both times

    // udp/161 is not a tracked port and had too few probes to be admitted: it is in port="other".
    json ports = json::array();
    for (const json& row : r["ports"]["top"]) ports.push_back(row["protocol"].get<std::string>() + "/" + std::to_string(row["port"].get<int>()));
    EXPECT_EQ(ports, json::array({"tcp/23", "tcp/445", "tcp/22", "icmp/8"}));
    for (const json& row : r["ports"]["top"]) {
        const std::string sel = "darkscope_port_packets_total{protocol=\"" + row["protocol"].get<std::string>() +
                                "\",port=\"" + std::to_string(row["port"].get<int>()) + "\"}";
        EXPECT_EQ(row["packets"].get<double>(), q(sel, kFrom, to)) << row;
        EXPECT_EQ(row["previous_rank"], row["rank"]) << "the same traffic ranks the same";
    }
    EXPECT_EQ(r["ports"]["top"][0]["packets"], 24);  // tcp/23
    for (const json& row : r["countries"]["all"])
        EXPECT_EQ(row["packets"].get<double>(),
                  q("darkscope_country_packets_total{country=\"" + row["country"].get<std::string>() + "\"}", kFrom, to)) << row;
    for (const json& row : r["scanning"]["tools"])
        EXPECT_EQ(row["packets"].get<double>(),
                  q("darkscope_tool_packets_total{tool=\"" + row["tool"].get<std::string>() + "\"}", kFrom, to)) << row;
    for (const json& row : r["backscatter"]["by_kind_port"])
        EXPECT_EQ(row["packets"].get<double>(),
                  q("darkscope_backscatter_packets_total{kind=\"" + row["kind"].get<std::string>() + "\",port=\"" +
                        row["port"].get<std::string>() + "\"}", kFrom, to)) << row;
    EXPECT_EQ(r["backscatter"]["by_kind_port"], (json::array({{{"kind", "synack"}, {"port", "80"}, {"packets", 4}}})));
    EXPECT_EQ(r["backscatter"]["attacks_started"].get<double>(),
              q("darkscope_backscatter_attacks_started_total", kFrom, to));

    // An empty period, and a Prometheus with no darkscope series at all: one line, exit 1.
    int status = -1;
    const std::string empty = run_darkscope("report --prometheus " + prom.url() + " --from 2025-01-01 --to 2025-01-02 --out " +
                                        (work.path() / "empty").string(), &status);
    EXPECT_EQ(status, 1);
    EXPECT_EQ(empty, "darkscope: error: no darkscope accesses from 2025-01-01 to 2025-01-02: an empty period\n");
    EXPECT_FALSE(fs::exists(work.path() / "empty"));
    const PrometheusServer bare("report-prom-bare", {});
    const std::string none = run_darkscope("report --prometheus " + bare.url() + " --from 2024-10-04 --to 2024-10-06 --out " +
                                       (work.path() / "none").string(), &status);
    EXPECT_EQ(status, 1);
    EXPECT_EQ(none, "darkscope: error: Prometheus at " + bare.url() + " holds no darkscope series (darkscope_packets_total)\n");
    EXPECT_FALSE(fs::exists(work.path() / "none"));
}

// The newer families (issue #16) from Prometheus: every cell of the per-port
// countries, the victims' countries, the rcodes and a source port's destination
// ports equals the test's PromQL; tcp/23's jump names its busiest country.
TEST(ReportPrometheus, NewFamiliesEqualPromQL) {
    TempDir work("report-prom-families");
    std::vector<Frame> frames = three_days(kDay0 - 3 * kDay), current = new_families();
    frames.insert(frames.end(), current.begin(), current.end());
    const PrometheusServer prom("report-prom-families-server",
                                {backfill(work.path(), "sensor-a", frames, "1h", new_families_options())});
    const fs::path out = work.path() / "report";
    const json r = report_of_period(prom, out);
    ASSERT_FALSE(r.is_null());
    const int64_t to = kFrom + 3 * kDaySeconds;
    auto q = [&](const std::string& selector) { return prom.number(increase_query(selector, kFrom, to), to); };

    size_t cells = 0;
    for (const json& row : r["ports"]["countries"])
        for (const json& c : row["countries"]) {
            ++cells;
            EXPECT_EQ(c["packets"].get<double>(),
                      q("darkscope_port_country_packets_total{protocol=\"" + row["protocol"].get<std::string>() + "\",port=\"" +
                        std::to_string(row["port"].get<int>()) + "\",country=\"" + c["country"].get<std::string>() + "\"}"))
                << row;
        }
    EXPECT_EQ(cells, 4u);
    // XD was admitted on tcp/23 and tcp/445 in the previous period (the same replay):
    // all 120 and 4 are its own; on tcp/80, new, `other` kept its first 2 probes.
    EXPECT_EQ(r["ports"]["countries"],
              (json::array({{{"protocol", "tcp"}, {"port", 23}, {"countries", {{{"country", "XD"}, {"packets", 120}}}}},
                            {{"protocol", "tcp"}, {"port", 80},
                             {"countries", {{{"country", "XD"}, {"packets", 5}}, {{"country", "other"}, {"packets", 2}}}}},
                            {{"protocol", "tcp"}, {"port", 445}, {"countries", {{{"country", "XD"}, {"packets", 4}}}}}})));
    for (auto& [cc, n] : r["backscatter"]["countries"].items())
        EXPECT_EQ(n.get<double>(), q("darkscope_backscatter_country_packets_total{country=\"" + cc + "\"}")) << cc;
    EXPECT_EQ(r["backscatter"]["countries"], (json{{"XB", 3}, {"XC", 4}}));
    for (auto& [rcode, n] : r["dns_backscatter"]["rcodes"].items())
        EXPECT_EQ(n.get<double>(), q("darkscope_dns_backscatter_rcode_total{rcode=\"" + rcode + "\"}")) << rcode;
    EXPECT_EQ(r["dns_backscatter"]["rcodes"], (json{{"NOERROR", 0}, {"SERVFAIL", 1}, {"NXDOMAIN", 3}, {"REFUSED", 0}, {"other", 0}}));
    for (auto& [cc, n] : r["dns_backscatter"]["resolver_countries"].items())
        EXPECT_EQ(n.get<double>(), q("darkscope_dns_backscatter_resolver_country_responses_total{country=\"" + cc + "\"}")) << cc;
    EXPECT_EQ(r["dns_backscatter"]["resolver_countries"], (json{{"XC", 4}}));
    ASSERT_EQ(r["dns_backscatter"]["zones"].size(), 1u);
    EXPECT_EQ(r["dns_backscatter"]["zones"][0]["samples"], json::array()) << "Prometheus holds no names";
    for (const json& row : r["scanning"]["source_port_destinations"])
        for (const json& d : row["ports"])
            EXPECT_EQ(d["packets"].get<double>(),
                      q("darkscope_source_port_destination_packets_total{protocol=\"" + row["protocol"].get<std::string>() +
                        "\",source_port=\"" + std::to_string(row["source_port"].get<int>()) + "\",port=\"" +
                        d["port"].get<std::string>() + "\"}")) << row;
    EXPECT_EQ(r["scanning"]["source_port_destinations"],
              (json::array({{{"protocol", "tcp"}, {"source_port", 6000},
                             {"ports", {{{"port", "23"}, {"packets", 120}}, {{"port", "445"}, {"packets", 4}}}}}})));
    EXPECT_EQ(r["scanning"]["source_ports"], (json::array({{{"protocol", "tcp"}, {"port", 6000},
                                                            {"packets", q("darkscope_source_port_packets_total{protocol=\"tcp\",port=\"6000\"}")}}})));

    // tcp/23: 120 on 2024-10-04 against 12 in the three days before (4 a day); its busiest country.
    json port_change;
    for (const json& c : r["notable_changes"]["rows"])
        if (c["key"] == "tcp/23") port_change = c;
    ASSERT_FALSE(port_change.is_null()) << r["notable_changes"];
    EXPECT_EQ(port_change["packets"], 120);
    EXPECT_EQ(port_change["busiest_countries"], (json::array({{{"country", "XD"}, {"packets", 120}}})));
    const std::string md = read_text(out / "report.md");
    EXPECT_NE(md.find("| port | tcp/23 | 2024-10-04 | 120 | 4.0 | XD 120 |"), std::string::npos) << md;
}
