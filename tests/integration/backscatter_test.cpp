// Backscatter end to end with `darkscope run`: three namespaces, an attacker, a
// victim and the sensor. The attacker floods the victim with SYNs spoofed from the
// dark prefix 203.0.113.0/24 (hping3); the victim (198.51.100.7, SYN cookies only, so
// exactly one SYN-ACK per SYN) answers towards the sensor, whose agent must report
// exactly one attack with the right victim, port and packet count in its metrics,
// `darkscope status` and the attack log, and none active once it stops. Resolvers in
// the victim namespace send DNS responses and ICMP errors for random names under
// example.com to the dark prefix: the zone must be flagged with exact counts.
// Thresholds and timeouts are set short so that the test takes seconds.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/agent_harness.h"
#include "support/dns_message.h"
#include "support/run_command.h"

namespace {

using darkscope::test::Agent;
using darkscope::test::kGeo;
using darkscope::test::run_out;
using darkscope::test::run_status;

const std::string kBin = DARKSCOPE_BIN;

// attacker (A) --veth-- victim (V) --veth-- sensor (S, XDP on its end).
struct ThreeNamespaces {
    std::string tag, sensor, victim, attacker, sif, vif, vaif, aif;
    ThreeNamespaces() {
        tag = std::to_string(getpid());
        sensor = "bsS" + tag, victim = "bsV" + tag, attacker = "bsA" + tag;
        sif = "bss" + tag, vif = "bsv" + tag, vaif = "bsw" + tag, aif = "bsa" + tag;
        const std::vector<std::string> setup = {
            "ip netns add " + sensor, "ip netns add " + victim, "ip netns add " + attacker,
            "ip link add " + sif + " netns " + sensor + " type veth peer name " + vif + " netns " + victim,
            "ip link add " + vaif + " netns " + victim + " type veth peer name " + aif + " netns " + attacker,
            "ip -n " + sensor + " addr add 192.0.2.1/25 dev " + sif,
            "ip -n " + victim + " addr add 192.0.2.2/25 dev " + vif,
            "ip -n " + victim + " addr add 192.0.2.129/25 dev " + vaif,
            "ip -n " + attacker + " addr add 192.0.2.130/25 dev " + aif,
            "ip -n " + victim + " addr add 198.51.100.7/32 dev lo",
            "ip -n " + victim + " addr add 198.51.100.53/32 dev lo",
            "ip -n " + victim + " addr add 198.51.100.54/32 dev lo",
            "ip -n " + victim + " addr add 198.51.100.55/32 dev lo",
            "ip -n " + victim + " addr add 198.51.100.60/32 dev lo",
            "ip -n " + sensor + " link set lo up", "ip -n " + victim + " link set lo up",
            "ip -n " + attacker + " link set lo up",
            "ip -n " + sensor + " link set " + sif + " up", "ip -n " + victim + " link set " + vif + " up",
            "ip -n " + victim + " link set " + vaif + " up", "ip -n " + attacker + " link set " + aif + " up",
            "ip -n " + victim + " route add 203.0.113.0/24 via 192.0.2.1",
            "ip -n " + attacker + " route add 198.51.100.0/24 via 192.0.2.129",
            // The spoofed SYNs come in on the attacker's side while 203.0.113.0/24 is
            // routed to the sensor: no reverse-path filter. SYN cookies always, so the
            // victim keeps no state and sends each SYN-ACK once, never again.
            in(victim, "sysctl -qw net.ipv4.conf.all.rp_filter=0"),
            in(victim, "sysctl -qw net.ipv4.conf." + vaif + ".rp_filter=0"),
            in(victim, "sysctl -qw net.ipv4.tcp_syncookies=2"),
        };
        for (const auto& c : setup) EXPECT_EQ(run_status(c), 0) << c;
    }
    ~ThreeNamespaces() {
        for (const std::string& ns : {sensor, victim, attacker}) run_status("ip netns del " + ns);
    }
    static std::string in(const std::string& ns, const std::string& cmd) { return "ip netns exec " + ns + " " + cmd; }
};

// A socket of the namespace `ns`, made on a thread that enters it (setns changes only
// the calling thread); the socket stays in that namespace wherever it is used.
int socket_in(const std::string& ns, int domain, int type, int protocol) {
    int fd = -1;
    std::thread t([&] {
        const int nsfd = open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || setns(nsfd, CLONE_NEWNET)) return;
        close(nsfd);
        fd = socket(domain, type, protocol);
    });
    t.join();
    return fd;
}

sockaddr_in v4(const char* addr, uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, addr, &a.sin_addr);
    return a;
}

// A UDP socket at addr:53 in the victim namespace: a resolver.
int resolver(const ThreeNamespaces& ns, const char* addr, uint16_t port = 53) {
    const int fd = socket_in(ns.victim, AF_INET, SOCK_DGRAM, 0);
    const sockaddr_in a = v4(addr, port);
    if (fd < 0 || bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a)) return -1;
    return fd;
}

bool send_to(int fd, const std::vector<uint8_t>& bytes, const char* addr, uint16_t port) {
    const sockaddr_in d = v4(addr, port);
    return sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&d), sizeof d) ==
           static_cast<ssize_t>(bytes.size());
}

uint16_t checksum(const std::vector<uint8_t>& b) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < b.size(); i += 2) sum += (b[i] << 8) | b[i + 1];
    if (b.size() % 2) sum += b.back() << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

// An ICMP port unreachable from the resolver 198.51.100.60 to dark_dst, quoting the
// query dark_dst:40000 -> 198.51.100.60:53 (as a closed resolver port answers it).
std::vector<uint8_t> port_unreachable(const std::vector<uint8_t>& query, const char* dark_dst) {
    std::vector<uint8_t> ip = {0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0};
    const uint16_t total = static_cast<uint16_t>(20 + 8 + query.size());
    ip[2] = total >> 8, ip[3] = total & 0xff;
    in_addr s{}, d{};
    inet_pton(AF_INET, dark_dst, &s);
    inet_pton(AF_INET, "198.51.100.60", &d);
    ip.insert(ip.end(), reinterpret_cast<uint8_t*>(&s), reinterpret_cast<uint8_t*>(&s) + 4);
    ip.insert(ip.end(), reinterpret_cast<uint8_t*>(&d), reinterpret_cast<uint8_t*>(&d) + 4);
    const uint16_t ipsum = checksum(ip);
    ip[10] = ipsum >> 8, ip[11] = ipsum & 0xff;
    const uint16_t ulen = static_cast<uint16_t>(8 + query.size());
    std::vector<uint8_t> msg = {3, 3, 0, 0, 0, 0, 0, 0};
    msg.insert(msg.end(), ip.begin(), ip.end());
    const std::vector<uint8_t> udp = {0x9c, 0x40, 0, 53, static_cast<uint8_t>(ulen >> 8), static_cast<uint8_t>(ulen), 0, 0};
    msg.insert(msg.end(), udp.begin(), udp.end());
    msg.insert(msg.end(), query.begin(), query.end());
    const uint16_t sum = checksum(msg);
    msg[2] = sum >> 8, msg[3] = sum & 0xff;
    return msg;
}

// The SYN flood: count SYNs to 198.51.100.7:80 spoofed from 203.0.113.9, 30 ms apart.
bool syn_flood(const ThreeNamespaces& ns, int count) {
    const std::string out = run_out(ThreeNamespaces::in(
        ns.attacker, "hping3 -q -S -p 80 -a 203.0.113.9 -i u30000 -c " + std::to_string(count) + " 198.51.100.7"));
    return out.find(std::to_string(count) + " packets transmitted") != std::string::npos;
}

std::string status_text(const std::string& sensor) { return run_out(kBin + " status --sensor-name " + sensor); }

TEST(Backscatter, SynAckFloodIsExactlyOneAttack) {
    ThreeNamespaces ns;
    const std::string sensor = "bs" + ns.tag;
    const std::string log = "/tmp/darkscope-attacks-" + ns.tag + ".json";
    unlink(log.c_str());
    // The listener the SYNs are for (cookies answer them; nothing is accepted).
    const int listener = socket_in(ns.victim, AF_INET, SOCK_STREAM, 0);
    const sockaddr_in web = v4("198.51.100.7", 80);
    ASSERT_GE(listener, 0);
    ASSERT_EQ(bind(listener, reinterpret_cast<const sockaddr*>(&web), sizeof web), 0);
    ASSERT_EQ(listen(listener, 16), 0);

    Agent agent(ns.sensor,
                {"--interface", ns.sif, "--dark-prefix", "203.0.113.0/24", "--poll-interval", "200ms",
                 "--sensor-name", sensor, "--attack-min-packets", "25", "--attack-min-duration", "1s",
                 "--attack-window-packets", "30", "--attack-window", "5s", "--attack-timeout", "3s",
                 "--attack-log", log});
    ASSERT_TRUE(agent.wait_ready()) << agent.stderr_text();
    auto m = agent.settle();
    EXPECT_EQ(m["darkscope_backscatter_attacks_active"], 0);
    EXPECT_EQ(m["darkscope_backscatter_attacks_started_total"], 0);
    EXPECT_EQ(m["darkscope_backscatter_packets_total{kind=\"synack\",port=\"80\"}"], 0);

    // 50 SYN-ACKs over 1.5 s: an attack (25 packets, 1 s, 30 in 5 s) going on.
    ASSERT_TRUE(syn_flood(ns, 50));
    m = agent.settle();
    EXPECT_EQ(m["darkscope_backscatter_packets_total{kind=\"synack\",port=\"80\"}"], 50);
    EXPECT_EQ(m["darkscope_backscatter_attacks_active"], 1);
    EXPECT_EQ(m["darkscope_backscatter_attacks_started_total"], 1);
    EXPECT_EQ(m["darkscope_backscatter_victims_tracked"], 1);
    EXPECT_EQ(m["darkscope_packets_total{class=\"synack\",protocol=\"tcp\"}"], 50);
    const std::string status = status_text(sensor);
    EXPECT_NE(status.find("1 attacks active"), std::string::npos) << status;
    EXPECT_NE(status.find("attack on 198.51.100.7 (ZZ) ports tcp/80 since "), std::string::npos) << status;
    EXPECT_NE(status.find(": 50 packets, est. rate "), std::string::npos) << status;

    // 50 more, within the timeout: the same attack.
    ASSERT_TRUE(syn_flood(ns, 50));
    m = agent.settle();
    EXPECT_EQ(m["darkscope_backscatter_packets_total{kind=\"synack\",port=\"80\"}"], 100);
    EXPECT_EQ(m["darkscope_backscatter_attacks_active"], 1);
    EXPECT_EQ(m["darkscope_backscatter_attacks_started_total"], 1);

    // Silence for longer than the timeout: the attack ends, once, and is logged.
    for (int i = 0; i < 100 && agent.scrape()["darkscope_backscatter_attacks_active"] != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    m = agent.scrape();
    EXPECT_EQ(m["darkscope_backscatter_attacks_active"], 0);
    EXPECT_EQ(m["darkscope_backscatter_attacks_started_total"], 1);
    EXPECT_EQ(m["darkscope_backscatter_victims_tracked"], 0);
    EXPECT_EQ(m["darkscope_backscatter_attack_log_write_errors_total"], 0);
    EXPECT_NE(status_text(sensor).find("0 attacks active"), std::string::npos);

    std::ifstream in(log);
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(lines.size(), 1u);
    const nlohmann::json& a = lines[0];
    EXPECT_EQ(a["victim"], "198.51.100.7");
    EXPECT_EQ(a["packets"], 100);
    EXPECT_EQ(a["ports"], nlohmann::json::parse(R"([{"protocol":"tcp","port":80,"packets":100}])"));
    EXPECT_EQ(a["kinds"], nlohmann::json::parse(R"({"synack":100})"));
    EXPECT_EQ(a["ended"], "timeout");
    EXPECT_EQ(a["country"], "ZZ");
    // Two bursts of 1.5 s with about a second between them.
    EXPECT_GE(a["duration_seconds"].get<double>(), 2.5);
    EXPECT_LE(a["duration_seconds"].get<double>(), 10.0);
    // The sensor watches a /24: the victim sent 2^24 times what reached it.
    EXPECT_NEAR(a["estimated_pps"].get<double>() / a["observed_pps"].get<double>(), 16777216.0, 1e-6);
    EXPECT_EQ(agent.stop(), 0) << agent.stderr_text();
    close(listener);
    unlink(log.c_str());
}

TEST(Backscatter, RandomSubdomainAttackOnATestZoneIsFlagged) {
    ThreeNamespaces ns;
    const std::string sensor = "bd" + ns.tag;
    Agent agent(ns.sensor,
                {"--interface", ns.sif, "--dark-prefix", "203.0.113.0/24", "--poll-interval", "200ms",
                 "--geoip", kGeo + "/country-maxmind.mmdb", "--sensor-name", sensor});
    ASSERT_TRUE(agent.wait_ready()) << agent.stderr_text();

    std::mt19937 rng(7);
    std::vector<std::string> first_names;  // the zone's samples: its first 5 names
    auto random_name = [&] {
        std::string label;
        for (int i = 0; i < 12; ++i) label += static_cast<char>('a' + rng() % 26);
        if (first_names.size() < 5) first_names.push_back(label + ".example.com");
        return label + ".example.com";
    };
    using darkscope::test::DnsMessage;
    // 3 resolvers x 40 NXDOMAIN responses for random names, to dark addresses.
    for (const char* r : {"198.51.100.53", "198.51.100.54", "198.51.100.55"}) {
        const int fd = resolver(ns, r);
        ASSERT_GE(fd, 0) << r;
        for (int i = 0; i < 40; ++i)
            ASSERT_TRUE(send_to(fd, DnsMessage().response().question(random_name()).build(), "203.0.113.20",
                                static_cast<uint16_t>(40000 + i)));
        close(fd);
    }
    // 30 port unreachables from a fourth resolver, quoting queries for random names.
    const int icmp = socket_in(ns.victim, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    const sockaddr_in from = v4("198.51.100.60", 0);
    ASSERT_GE(icmp, 0);
    ASSERT_EQ(bind(icmp, reinterpret_cast<const sockaddr*>(&from), sizeof from), 0);
    for (int i = 0; i < 30; ++i)
        ASSERT_TRUE(send_to(icmp, port_unreachable(DnsMessage().question(random_name()).build(), "203.0.113.21"),
                            "203.0.113.21", 0));
    close(icmp);
    // 10 answers for one name of another zone, and 5 messages whose name loops, from a
    // resolver in another country (192.0.2.0/25: XA in the test GeoIP database).
    const int other = resolver(ns, "192.0.2.2");
    for (int i = 0; i < 10; ++i)
        ASSERT_TRUE(send_to(other, DnsMessage().response(0).question("www.benign.org").build(), "203.0.113.22", 5353));
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(send_to(other, DnsMessage().response().raw({3, 'a', 'b', 'c', 0xc0, 12}).build(), "203.0.113.22", 5353));
    // Failures for benign.org: 3 SERVFAIL, 2 REFUSED, 1 NOTIMP (rcode "other").
    for (uint8_t rcode : {2, 2, 2, 5, 5, 4})
        ASSERT_TRUE(send_to(other, DnsMessage().response(rcode).question("www.benign.org").build(), "203.0.113.22", 5353));
    close(other);

    auto m = agent.settle();
    EXPECT_EQ(m["darkscope_dns_events_total{result=\"sent\"}"], 171);
    EXPECT_EQ(m["darkscope_dns_events_total{result=\"rate_limited\"}"], 0);
    EXPECT_EQ(m["darkscope_dns_events_total{result=\"ringbuf_full\"}"], 0);
    EXPECT_EQ(m["darkscope_dns_backscatter_messages_total{via=\"response\"}"], 141);
    EXPECT_EQ(m["darkscope_dns_backscatter_messages_total{via=\"icmp_error\"}"], 30);
    EXPECT_EQ(m["darkscope_dns_backscatter_malformed_total{reason=\"pointer_loop\"}"], 5);
    // Responses by rcode: the 120 random names and the 5 loops NXDOMAIN, benign.org's
    // 10 answers NOERROR and its 6 failures; the 30 quoted queries have none.
    EXPECT_EQ(m["darkscope_dns_backscatter_rcode_total{rcode=\"NXDOMAIN\"}"], 125);
    EXPECT_EQ(m["darkscope_dns_backscatter_rcode_total{rcode=\"NOERROR\"}"], 10);
    EXPECT_EQ(m["darkscope_dns_backscatter_rcode_total{rcode=\"SERVFAIL\"}"], 3);
    EXPECT_EQ(m["darkscope_dns_backscatter_rcode_total{rcode=\"REFUSED\"}"], 2);
    EXPECT_EQ(m["darkscope_dns_backscatter_rcode_total{rcode=\"other\"}"], 1);
    // Responses by resolver country: the three 198.51.100.x resolvers' 120 (XC), the
    // 21 of 192.0.2.2 (XA); the 30 quoted queries are no responses.
    EXPECT_EQ(m["darkscope_dns_backscatter_resolver_country_responses_total{country=\"XC\"}"], 120);
    EXPECT_EQ(m["darkscope_dns_backscatter_resolver_country_responses_total{country=\"XA\"}"], 21);
    double by_country = 0;
    for (const auto& [k, v] : m)
        if (k.rfind("darkscope_dns_backscatter_resolver_country_responses_total{", 0) == 0) by_country += v;
    EXPECT_EQ(by_country, 141);
    // Flagged at its 100th distinct name, which admitted it to its own series: the
    // series carries all 150 messages, and the 100 before admission also stay in
    // "other" (which never shrinks) with benign.org's 16.
    EXPECT_EQ(m["darkscope_dns_backscatter_responses_total{zone=\"example.com\"}"], 150);
    EXPECT_EQ(m["darkscope_dns_backscatter_responses_total{zone=\"other\"}"], 116);
    EXPECT_EQ(m["darkscope_dns_backscatter_random_subdomain{zone=\"example.com\"}"], 1);
    EXPECT_EQ(m["darkscope_dns_backscatter_zone_names{zone=\"example.com\"}"], 150);
    EXPECT_EQ(m["darkscope_dns_backscatter_zone_resolvers{zone=\"example.com\"}"], 4);
    EXPECT_EQ(m.count("darkscope_dns_backscatter_zone_names{zone=\"benign.org\"}"), 0u);
    EXPECT_EQ(m["darkscope_packets_total{class=\"dns_response\",protocol=\"udp\"}"], 141);
    EXPECT_EQ(m["darkscope_packets_total{class=\"unreachable\",protocol=\"icmp\"}"], 30);

    const std::string status = status_text(sensor);
    EXPECT_NE(status.find("150 messages      150 names      4 resolvers  RANDOM-SUBDOMAIN ATTACK"), std::string::npos)
        << status;
    // The flagged zone's sample names, the first 5 of the day in order; none under benign.org.
    std::string samples = "      names:";
    for (size_t i = 0; i < first_names.size(); ++i) samples += (i ? ", " : " ") + first_names[i];
    EXPECT_NE(status.find(samples + "\n"), std::string::npos) << status;
    EXPECT_EQ(status.find("names: www.benign.org"), std::string::npos) << status;
    EXPECT_NE(status.find("benign.org"), std::string::npos) << status;
    EXPECT_NE(status.find("16 messages        1 names      1 resolvers\n"), std::string::npos) << status;
    EXPECT_EQ(agent.stop(), 0) << agent.stderr_text();
}

// Reflection: an NTP and an SNMP reflector in the victim namespace answer requests
// spoofed with dark addresses (UDP from ports 123 and 161); a real scanner probes
// SNMP (UDP to port 161). The replies are backscatter under the victim's port and
// never accesses: no source, no country, no destination port of their own.
TEST(Backscatter, ReflectionRepliesAreBackscatterNotAccesses) {
    ThreeNamespaces ns;
    Agent agent(ns.sensor, {"--interface", ns.sif, "--dark-prefix", "203.0.113.0/24", "--poll-interval", "200ms",
                            "--sensor-name", "br" + ns.tag});
    ASSERT_TRUE(agent.wait_ready()) << agent.stderr_text();
    const std::vector<uint8_t> reply(48, 0x1c);
    for (auto [port, count] : {std::pair<uint16_t, int>{123, 40}, std::pair<uint16_t, int>{161, 30}}) {
        const int fd = resolver(ns, "198.51.100.7", port);
        ASSERT_GE(fd, 0) << port;
        for (int i = 0; i < count; ++i)
            ASSERT_TRUE(send_to(fd, reply, "203.0.113.30", static_cast<uint16_t>(50000 + i)));
        close(fd);
    }
    const int prober = resolver(ns, "198.51.100.54", 40000);
    ASSERT_GE(prober, 0);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(send_to(prober, reply, "203.0.113.31", 161));
    close(prober);

    auto m = agent.settle();
    EXPECT_EQ(m["darkscope_packets_total{class=\"udp_reflection\",protocol=\"udp\"}"], 70);
    EXPECT_EQ(m["darkscope_packets_total{class=\"udp\",protocol=\"udp\"}"], 5);
    EXPECT_EQ(m["darkscope_backscatter_packets_total{kind=\"udp_reflection\",port=\"123\"}"], 40);
    EXPECT_EQ(m["darkscope_backscatter_packets_total{kind=\"udp_reflection\",port=\"161\"}"], 30);
    EXPECT_EQ(m["darkscope_sources"], 1) << "only the prober is a source";
    double country_packets = 0;
    for (const auto& [k, v] : m)
        if (k.rfind("darkscope_country_packets_total{", 0) == 0) country_packets += v;
    EXPECT_EQ(country_packets, 5);
    for (const auto& [k, v] : m)
        if (k.rfind("darkscope_port_packets_total{", 0) == 0 && k.find("port=\"5000") != std::string::npos)
            ADD_FAILURE() << "a reflection reply filed under its destination port: " << k;
    EXPECT_EQ(agent.stop(), 0) << agent.stderr_text();
}

}  // namespace
