#include "report/document.h"

#include <cstdio>

#include "report/period.h"
#include "report/tables.h"

namespace darkscope::report {
namespace {

std::string fixed(double v, int decimals = 1) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string signed_percent(double v) { return (v >= 0 ? "+" : "") + fixed(v) + " %"; }

Block para(std::string text) { return {std::move(text), {}, {}}; }
Block table(Table t) { return {{}, std::move(t), {}}; }

void chart(Section& s, const std::map<std::string, std::string>& charts, const std::string& name) {
    if (auto it = charts.find(name); it != charts.end()) s.blocks.push_back({{}, {}, it->second});
}

// "XD 3, XA 1, other 2": a port's countries, a source port's destination ports.
std::string columns_text(const Ranked& columns) {
    std::string out;
    for (auto& [name, n] : columns) out += (out.empty() ? "" : ", ") + name + " " + std::to_string(n);
    return out.empty() ? "-" : out;
}

std::string previous_rank(const RankedRow& r) {
    return !r.compared ? "-" : r.previous_rank ? std::to_string(*r.previous_rank) : "new";
}

Section summary(const Figures& f) {
    Section s{"1. Summary", {}};
    const PeriodSummary now = summarize(f.current);
    s.blocks.push_back(para(std::to_string(now.accesses) + " accesses (probe packets) reached " + std::to_string(now.sensors) +
                            " sensor(s) in " + std::to_string(now.days) + " day(s), " +
                            day_of(f.current.from_s, f.timezone) + " to " + day_of(f.current.to_s - 1, f.timezone) + "."));
    Table t{{"", "this period", "previous period", "change"}, {}};
    auto row = [&](const std::string& name, double v, int decimals, auto get) {
        if (f.previous) {
            const double before = get(summarize(*f.previous));
            t.rows.push_back({name, fixed(v, decimals), fixed(before, decimals), signed_percent(change_percent(v, before))});
        } else {
            t.rows.push_back({name, fixed(v, decimals), "-", "-"});
        }
    };
    row("accesses", static_cast<double>(now.accesses), 0, [](const PeriodSummary& p) { return static_cast<double>(p.accesses); });
    row("sensors", static_cast<double>(now.sensors), 0, [](const PeriodSummary& p) { return static_cast<double>(p.sensors); });
    row("accesses per sensor per day", now.accesses_per_sensor_day, 1, [](const PeriodSummary& p) { return p.accesses_per_sensor_day; });
    row("unique sources per sensor per day", now.sources_per_sensor_day, 1, [](const PeriodSummary& p) { return p.sources_per_sensor_day; });
    row("accesses per source (per sensor per day)", now.accesses_per_source, 2, [](const PeriodSummary& p) { return p.accesses_per_source; });
    s.blocks.push_back(table(t));
    if (!f.previous) s.blocks.push_back(para("No data for the previous period: no comparison."));
    return s;
}

Section trend_section(const Figures& f, const std::map<std::string, std::string>& charts) {
    const bool monthly = f.current.days.size() > kMonthlyTrendDays;
    Section s{"2. Trend", {}};
    s.blocks.push_back(para(std::string("Accesses and unique sources per sensor per day, ") + (monthly ? "by month." : "by day.")));
    chart(s, charts, "trend");
    Table t{{monthly ? "month" : "day", "accesses", "unique sources", "accesses per sensor", "sources per sensor"}, {}};
    for (const TrendRow& r : trend(f.current))
        t.rows.push_back({r.label, std::to_string(r.packets), std::to_string(r.sources), fixed(r.packets_per_sensor),
                          fixed(r.sources_per_sensor)});
    s.blocks.push_back(table(t));
    return s;
}

Table ranked_table(const std::vector<RankedRow>& rows, bool ports) {
    Table t{{"rank", "previous rank", ports ? "port" : "country"}, {}};
    if (ports) t.header.push_back("service");
    for (const char* h : {"packets", "share", "unique sources", "source share"}) t.header.push_back(h);
    for (const RankedRow& r : rows) {
        std::vector<std::string> row{std::to_string(r.rank), previous_rank(r)};
        if (ports) {
            row.push_back(r.protocol + "/" + std::to_string(r.port));
            row.push_back(r.name.empty() ? "-" : r.name);
        } else {
            row.push_back(r.name);
        }
        for (std::string v : {std::to_string(r.packets), fixed(r.share_percent) + " %", std::to_string(r.sources),
                              fixed(r.source_share_percent) + " %"})
            row.push_back(v);
        t.rows.push_back(row);
    }
    return t;
}

std::string sources_note(const PeriodFigures& p) {
    return p.sources_basis == "whole_period"
               ? "Unique sources: distinct source prefixes over the whole period."
               : "Unique sources: each sensor's distinct source prefixes of each day, summed over days and sensors.";
}

// The source countries of each top port, as darkscope_port_country_packets_total counts them.
void port_countries(Section& s, const PeriodFigures& p, const std::vector<RankedRow>& rows) {
    if (!p.port_countries) {
        s.blocks.push_back(para("Countries of the top ports: no data (darkscope_port_country_packets_total)."));
        return;
    }
    Table t{{"port", "source countries (packets)"}, {}};
    for (const RankedRow& r : rows)
        if (auto it = p.port_countries->find({r.protocol, r.port}); it != p.port_countries->end() && !it->second.empty())
            t.rows.push_back({r.protocol + "/" + std::to_string(r.port), columns_text(busiest_first(it->second))});
    if (t.rows.empty()) {
        s.blocks.push_back(para("Countries of the top ports: none reached --port-country-min-packets on a top port."));
        return;
    }
    s.blocks.push_back(para("Countries of the top ports: packets in the period, busiest first (\"other\": countries "
                            "without their own figure, and a country's first probes before it got one)."));
    s.blocks.push_back(table(t));
}

Section ranked_section(const Figures& f, const std::map<std::string, std::string>& charts, bool ports) {
    Section s{ports ? "3. Destination ports" : "4. Source countries", {}};
    const auto rows = ports ? rank_ports(f) : rank_countries(f);
    if (rows.empty()) {
        s.blocks.push_back(para(ports ? "No destination port data in this period." : "No source country data in this period."));
        return s;
    }
    std::vector<RankedRow> top5(rows.begin(), rows.begin() + std::min<size_t>(kChartRows, rows.size()));
    s.blocks.push_back(para(std::string("Top ") + std::to_string(top5.size()) + " by packets (shares of accesses and of sources; "
                            "\"new\": not in the previous period's top " + std::to_string(kTopRows) + ")."));
    s.blocks.push_back(table(ranked_table(top5, ports)));
    chart(s, charts, ports ? "ports" : "countries");
    s.blocks.push_back(para("Top " + std::to_string(rows.size()) + "."));
    s.blocks.push_back(table(ranked_table(rows, ports)));
    s.blocks.push_back(para(sources_note(f.current) + (ports ? " ICMP is listed by type as icmp/TYPE." : "")));
    if (ports) port_countries(s, f.current, rows);
    return s;
}

Section changes_section(const Figures& f) {
    Section s{"5. Notable changes", {}};
    s.blocks.push_back(para("A port or country is listed when its accesses on one day reached " + fixed(kChangeFactor, 0) +
                            " times its daily average of the previous period and at least " +
                            std::to_string(kChangeMinPackets) + " packets."));
    if (!f.previous) {
        s.blocks.push_back(para("No data for the previous period: no changes to report."));
        return s;
    }
    const auto changes = notable_changes(f);
    if (changes.empty()) {
        s.blocks.push_back(para("None in this period."));
        return s;
    }
    Table t{{"what", "port or country", "day", "packets", "previous daily average", "busiest countries (period)"}, {}};
    for (const NotableChange& c : changes) {
        const std::string countries = c.what == "port" && !f.current.port_countries ? "(no per-port country data)"
                                                                                     : columns_text(c.busiest_countries);
        t.rows.push_back({c.what, c.key, c.day, std::to_string(c.packets), fixed(c.previous_daily_average), countries});
    }
    s.blocks.push_back(table(t));
    return s;
}

Section backscatter_section(const PeriodFigures& p) {
    Section s{"6. Backscatter", {}};
    s.blocks.push_back(para(std::to_string(p.backscatter_packets) +
                            " backscatter packets (replies of victims of spoofed attacks; not accesses, counted apart)."));
    s.blocks.push_back(para(p.attacks_started ? std::to_string(*p.attacks_started) + " DoS attacks inferred."
                                              : "No attack data in this period."));
    Table t{{"kind", "victim port or ICMP code", "packets"}, {}};
    for (auto& [kp, n] : p.backscatter_by_kind_port) {
        const size_t slash = kp.find('/');
        t.rows.push_back({kp.substr(0, slash), kp.substr(slash + 1), std::to_string(n)});
    }
    if (!t.rows.empty()) s.blocks.push_back(table(t));
    if (p.backscatter_countries) {
        Table c{{"victim country", "packets"}, {}};
        for (auto& [cc, n] : *p.backscatter_countries) c.rows.push_back({cc, std::to_string(n)});
        s.blocks.push_back(table(c));
    } else {
        s.blocks.push_back(para("No per-country backscatter data (darkscope_backscatter_country_packets_total)."));
    }
    return s;
}

Section dns_section(const PeriodFigures& p) {
    Section s{"7. DNS backscatter", {}};
    if (!p.zones || p.zones->empty()) {
        s.blocks.push_back(para("No DNS backscatter zone data in this period."));
    } else {
        Table t{{"zone", "messages", "distinct names", "resolvers", "random-subdomain attack", "sample names"}, {}};
        for (const ZoneFigures& z : *p.zones) {
            std::string samples;
            for (const std::string& n : z.samples) samples += (samples.empty() ? "" : ", ") + n;
            t.rows.push_back({z.zone, std::to_string(z.messages), std::to_string(z.names), std::to_string(z.resolvers),
                              z.random_subdomain ? "yes" : "no", samples.empty() ? "-" : samples});
        }
        s.blocks.push_back(table(t));
        s.blocks.push_back(para("Sample names: a zone's first distinct query names, in the capture form only "
                                "(Prometheus holds no names; a live agent shows them in `darkscope status`)."));
    }
    if (p.dns_rcodes) {
        Table t{{"rcode", "responses"}, {}};
        for (auto& [rc, n] : *p.dns_rcodes) t.rows.push_back({rc, std::to_string(n)});
        s.blocks.push_back(table(t));
    } else {
        s.blocks.push_back(para("No rcode data (darkscope_dns_backscatter_rcode_total)."));
    }
    if (p.dns_resolver_countries) {
        // TSUBAME 2.1: the resolvers abused are often the country's own open ones.
        Table t{{"resolver country", "responses"}, {}};
        for (auto& [cc, n] : *p.dns_resolver_countries) t.rows.push_back({cc, std::to_string(n)});
        if (t.rows.empty())
            s.blocks.push_back(para("No DNS responses by resolver country in the period."));
        else
            s.blocks.push_back(table(t));
    } else {
        s.blocks.push_back(para("No resolver-country data (darkscope_dns_backscatter_resolver_country_responses_total)."));
    }
    return s;
}

Block source_port_destinations_block(const PeriodFigures& p) {
    if (!p.source_port_destinations)
        return para("Destination ports by source port: no data (darkscope_source_port_destination_packets_total).");
    Table t{{"source port", "destination ports (probes)"}, {}};
    for (auto& [k, ports] : *p.source_port_destinations) t.rows.push_back({port_text(k), columns_text(busiest_first(ports))});
    return t.rows.empty() ? para("Destination ports by source port: no source port was watched in this period.") : table(t);
}

Section scanning_section(const PeriodFigures& p) {
    Section s{"8. Who is scanning", {}};
    Table tools{{"tool", "SYNs", "unique sources"}, {}};
    for (auto& [tool, t] : p.tools) tools.rows.push_back({tool, std::to_string(t.packets), std::to_string(t.sources)});
    s.blocks.push_back(tools.rows.empty() ? para("No tool data in this period.") : table(tools));
    Table sig{{"TCP window", "TTL", "options", "SYNs"}, {}};
    for (size_t i = 0; i < p.signatures.size() && i < kTopRows; ++i)
        sig.rows.push_back({p.signatures[i].window, p.signatures[i].ttl, p.signatures[i].options,
                            std::to_string(p.signatures[i].packets)});
    s.blocks.push_back(sig.rows.empty() ? para("No header signature data in this period.") : table(sig));
    Table sp{{"source port", "probes"}, {}};
    for (auto& [k, n] : p.source_ports) sp.rows.push_back({port_text(k), std::to_string(n)});
    s.blocks.push_back(sp.rows.empty() ? para("No source port data in this period.") : table(sp));
    s.blocks.push_back(source_port_destinations_block(p));
    Table c{{"port combination", "sources"}, {}};
    for (auto& [name, n] : p.combinations) c.rows.push_back({name, std::to_string(n)});
    s.blocks.push_back(c.rows.empty() ? para("No port combination data in this period.") : table(c));
    return s;
}

Section method_section(const Figures& f) {
    Section s{"9. Method", {}};
    std::string sensors;
    for (const std::string& n : f.current.sensors) sensors += (sensors.empty() ? "" : ", ") + n;
    s.blocks.push_back(para("Source: " + f.source + ". Sensors: " + sensors + ". Period: " +
                            local_time_text(f.current.from_s, f.timezone) + " to " +
                            local_time_text(f.current.to_s, f.timezone) + "; days in " + f.timezone + "."));
    s.blocks.push_back(para("An access is a dark probe packet: a packet to a dark address that is not backscatter "
                            "(SYN-ACK, RST, DNS responses, reflection replies, ICMP echo replies and errors). "
                            "Backscatter is reported apart (section 6). Packets not to a dark address, "
                            "allowlisted sources and malformed frames are left out."));
    s.blocks.push_back(para(sources_note(f.current) +
                            " Counter totals are sums of reset-corrected increments between raw samples, "
                            "exact integers (not increase(), which extrapolates)."));
    return s;
}

}  // namespace

Document build_document(const Figures& f, const std::map<std::string, std::string>& charts) {
    Document d;
    d.title = "darkscope report: " + day_of(f.current.from_s, f.timezone) + " to " + day_of(f.current.to_s - 1, f.timezone);
    d.sections = {summary(f),
                  trend_section(f, charts),
                  ranked_section(f, charts, true),
                  ranked_section(f, charts, false),
                  changes_section(f),
                  backscatter_section(f.current),
                  dns_section(f.current),
                  scanning_section(f.current),
                  method_section(f)};
    return d;
}

}  // namespace darkscope::report
