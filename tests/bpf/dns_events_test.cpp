// DNS backscatter through the real XDP program (BPF_PROG_TEST_RUN): DNS responses and
// ICMP errors quoting UDP/53 reach the dns_events ring buffer with the right bytes and
// resolver; other ICMP errors do not; the rate limit and a full ring buffer are
// counted exactly; the frame is counted and dropped as before. Then the whole path,
// ring buffer -> reader -> tracker, on a random-subdomain attack.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "dns/backscatter_tracker.h"
#include "dns/dns_event_reader.h"
#include "support/dns_message.h"
#include "support/frame_builder.h"

using namespace darkscope;
using darkscope::test::DnsMessage;
using darkscope::test::FrameBuilder;

namespace {

const char* const kDark4 = "203.0.113.9";
const char* const kDark6 = "2001:db8:dead::9";
const char* const kResolver4 = "192.0.2.53";
const char* const kResolver6 = "2001:db8:53::1";
const char* const kRouter4 = "198.51.100.1";

DataPlaneConfig config() {
    DataPlaneConfig c;
    c.dark_prefixes = {Prefix::parse("203.0.113.0/24"), Prefix::parse("2001:db8:dead::/48")};
    return c;
}

// Every event waiting in the ring buffer, copied out.
std::vector<ds_dns_event> take_events(const DataPlane& dp) {
    std::vector<ds_dns_event> out;
    auto cb = [](void* ctx, void* data, size_t size) {
        EXPECT_EQ(size, sizeof(ds_dns_event));
        ds_dns_event ev{};
        std::memcpy(&ev, data, std::min(size, sizeof ev));
        static_cast<std::vector<ds_dns_event>*>(ctx)->push_back(ev);
        return 0;
    };
    ring_buffer* rb = ring_buffer__new(dp.dns_events_fd(), cb, &out, nullptr);
    EXPECT_NE(rb, nullptr);
    if (rb) {
        ring_buffer__consume(rb);
        ring_buffer__free(rb);
    }
    return out;
}

uint64_t misc(const DataPlane& dp, uint32_t what) { return dp.read_stats()[DS_STATS_MISC(what)].packets; }

std::string addr_of(const ds_dns_event& ev) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(ev.family == DS_FAMILY_IPV4 ? AF_INET : AF_INET6, ev.resolver, buf, sizeof buf);
    return buf;
}

std::vector<uint8_t> bytes_of(const ds_dns_event& ev) { return {ev.dns, ev.dns + ev.copied}; }

std::vector<uint8_t> response4(const std::vector<uint8_t>& dns, const char* resolver = kResolver4) {
    return FrameBuilder().eth().ipv4(resolver, kDark4).udp(53, 40000).raw(dns).build();
}

// An ICMP error from `from` to the dark address quoting `quoted` (an IP packet).
std::vector<uint8_t> icmp4_error(const std::vector<uint8_t>& quoted, uint8_t type = 3, uint8_t code = 3,
                                 const char* from = kRouter4) {
    return FrameBuilder().eth().ipv4(from, kDark4).icmp(type, code).raw(quoted).build();
}

// The spoofed query the dark address "sent" to a resolver, as an ICMP error quotes it.
std::vector<uint8_t> quoted_query4(const std::vector<uint8_t>& dns, const char* resolver = kResolver4,
                                   uint16_t sport = 33000, uint16_t dport = 53) {
    return FrameBuilder().ipv4(kDark4, resolver).udp(sport, dport).raw(dns).build();
}

// Keeps the test on one CPU: the rate limit is per CPU.
void pin_to_current_cpu() {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(sched_getcpu(), &set);
    ASSERT_EQ(sched_setaffinity(0, sizeof set, &set), 0);
}

}  // namespace

TEST(DnsEvents, ResponsesAreSentWithTheirBytesAndResolver) {
    DataPlane dp(config());
    const std::vector<uint8_t> dns = DnsMessage().response().question("q1.victim.example.com").build();
    const std::vector<uint8_t> f4 = response4(dns);
    const std::vector<uint8_t> f6 = FrameBuilder().eth().ipv6(kResolver6, kDark6).udp(53, 40000).raw(dns).build();
    EXPECT_EQ(dp.test_run(f4.data(), static_cast<uint32_t>(f4.size())), XDP_DROP);
    EXPECT_EQ(dp.test_run(f6.data(), static_cast<uint32_t>(f6.size())), XDP_DROP);

    const std::vector<ds_dns_event> ev = take_events(dp);
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].via, DS_DNS_VIA_RESPONSE);
    EXPECT_EQ(ev[0].family, DS_FAMILY_IPV4);
    EXPECT_EQ(addr_of(ev[0]), kResolver4);
    EXPECT_EQ(ev[0].dns_len, dns.size());
    EXPECT_EQ(bytes_of(ev[0]), dns);
    EXPECT_EQ(ev[1].family, DS_FAMILY_IPV6);
    EXPECT_EQ(addr_of(ev[1]), kResolver6);
    EXPECT_EQ(bytes_of(ev[1]), dns);
    EXPECT_EQ(misc(dp, DS_MISC_DNS_SENT), 2u);
    // Counted as before: two DNS responses.
    EXPECT_EQ(dp.read_stats()[DS_STATS_CLASS(DS_PROTO_UDP, DS_CLASS_DNS_RESPONSE)].packets, 2u);

    // No DNS bytes at all: sent all the same, with nothing copied (the agent counts it
    // malformed, header_truncated).
    const std::vector<uint8_t> empty = response4({});
    dp.test_run(empty.data(), static_cast<uint32_t>(empty.size()));
    const std::vector<ds_dns_event> none = take_events(dp);
    ASSERT_EQ(none.size(), 1u);
    EXPECT_EQ(none[0].dns_len, 0u);
    EXPECT_EQ(none[0].copied, 0u);
}

TEST(DnsEvents, LongMessagesAreCutToTheCopyLength) {
    DataPlane dp(config());
    std::vector<uint8_t> dns = DnsMessage().response().question("big.example.org", 255).build();
    for (size_t i = dns.size(); i < 600; ++i) dns.push_back(static_cast<uint8_t>(i));
    const std::vector<uint8_t> f = response4(dns);
    dp.test_run(f.data(), static_cast<uint32_t>(f.size()));
    const std::vector<ds_dns_event> ev = take_events(dp);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].dns_len, 600u);
    EXPECT_EQ(ev[0].copied, DS_DNS_COPY_BYTES);
    EXPECT_EQ(bytes_of(ev[0]), std::vector<uint8_t>(dns.begin(), dns.begin() + DS_DNS_COPY_BYTES));
}

TEST(DnsEvents, IcmpErrorsQuotingDnsAreSent) {
    DataPlane dp(config());
    const std::vector<uint8_t> query = DnsMessage().question("x9.victim.example.com").build();
    const std::vector<uint8_t> response = DnsMessage().response().question("secure.example.net").build();
    const std::vector<std::vector<uint8_t>> frames = {
        // port unreachable from the resolver, quoting the spoofed query to its port 53
        icmp4_error(quoted_query4(query, "192.0.2.77")),
        // time exceeded on the way, from a router
        icmp4_error(quoted_query4(query, "192.0.2.78"), 11, 0),
        // a quoted response (from port 53), as zeek_icmp_port_unreachable.pcap holds
        icmp4_error(FrameBuilder().ipv4(kDark4, "192.0.2.79").udp(53, 59207).raw(response).build(), 3, 3),
        // ICMPv6 port unreachable quoting an IPv6 query
        FrameBuilder().eth().ipv6("2001:db8:1::1", kDark6).icmp(1, 4)
            .raw(FrameBuilder().ipv6(kDark6, kResolver6, 17).udp(33000, 53).raw(query).build()).build(),
    };
    for (const auto& f : frames) EXPECT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
    const std::vector<ds_dns_event> ev = take_events(dp);
    ASSERT_EQ(ev.size(), 4u);
    for (const ds_dns_event& e : ev) EXPECT_EQ(e.via, DS_DNS_VIA_ICMP_ERROR);
    // The resolver is the quoted packet's destination: the server the query went to.
    EXPECT_EQ(addr_of(ev[0]), "192.0.2.77");
    EXPECT_EQ(addr_of(ev[1]), "192.0.2.78");
    EXPECT_EQ(addr_of(ev[2]), "192.0.2.79");
    EXPECT_EQ(addr_of(ev[3]), kResolver6);
    EXPECT_EQ(bytes_of(ev[0]), query);
    EXPECT_EQ(bytes_of(ev[2]), response);
    EXPECT_EQ(bytes_of(ev[3]), query);
    EXPECT_EQ(misc(dp, DS_MISC_DNS_SENT), 4u);
    const auto stats = dp.read_stats();
    EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_ICMP, DS_CLASS_ICMP_UNREACHABLE)].packets, 2u);
    EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_ICMP, DS_CLASS_ICMP_TIME_EXCEEDED)].packets, 1u);
    EXPECT_EQ(stats[DS_STATS_CLASS(DS_PROTO_ICMPV6, DS_CLASS_ICMP_UNREACHABLE)].packets, 1u);
}

TEST(DnsEvents, OtherQuotesAndClassesAreNotSent) {
    DataPlane dp(config());
    const std::vector<uint8_t> query = DnsMessage().question("a.example.com").build();
    const std::vector<uint8_t> quoted = quoted_query4(query);
    const std::vector<std::vector<uint8_t>> frames = {
        icmp4_error(FrameBuilder().ipv4(kDark4, kResolver4).tcp(33000, 53, 0x02).build()),  // TCP to 53
        icmp4_error(quoted_query4(query, kResolver4, 33000, 123)),                          // UDP to 123
        icmp4_error(std::vector<uint8_t>(quoted.begin(), quoted.begin() + 20 + 6)),          // UDP header cut
        icmp4_error(std::vector<uint8_t>(quoted.begin(), quoted.begin() + 12)),              // IP header cut
        icmp4_error({}),                                                                      // nothing quoted
        // a quoted later fragment: what follows its IP header is not a UDP header
        icmp4_error(FrameBuilder().ipv4(kDark4, kResolver4, 17, 1, 0x2000 | 10).udp(33000, 53).build()),
        // an echo reply and an ICMP "other" carrying the same bytes: not errors
        FrameBuilder().eth().ipv4(kRouter4, kDark4).icmp(0, 0).raw(quoted).build(),
        FrameBuilder().eth().ipv4(kRouter4, kDark4).icmp(12, 0).raw(quoted).build(),
        // a query to the dark address is a probe of port 53, not backscatter
        FrameBuilder().eth().ipv4(kResolver4, kDark4).udp(33000, 53).raw(query).build(),
        // not dark at all
        FrameBuilder().eth().ipv4(kResolver4, "198.51.100.200").udp(53, 4000).raw(query).build(),
    };
    for (const auto& f : frames) dp.test_run(f.data(), static_cast<uint32_t>(f.size()));
    EXPECT_TRUE(take_events(dp).empty());
    for (uint32_t m : {DS_MISC_DNS_SENT, DS_MISC_DNS_RATE_LIMITED, DS_MISC_DNS_RINGBUF_FULL})
        EXPECT_EQ(misc(dp, m), 0u) << m;
}

TEST(DnsEvents, RateLimitIsPerCpuAndCounted) {
    pin_to_current_cpu();
    DataPlaneConfig c = config();
    c.dns_events_per_second = 1;  // one per second, bursts of five
    c.dns_event_burst = 5;
    DataPlane dp(c);
    const std::vector<uint8_t> f = response4(DnsMessage().response().question("r.example.com").build());
    for (int i = 0; i < 20; ++i) EXPECT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
    EXPECT_EQ(take_events(dp).size(), 5u);
    EXPECT_EQ(misc(dp, DS_MISC_DNS_SENT), 5u);
    EXPECT_EQ(misc(dp, DS_MISC_DNS_RATE_LIMITED), 15u);
    // Every frame is still counted and dropped.
    EXPECT_EQ(dp.read_stats()[DS_STATS_CLASS(DS_PROTO_UDP, DS_CLASS_DNS_RESPONSE)].packets, 20u);
}

TEST(DnsEvents, FullRingBufferIsCounted) {
    DataPlaneConfig c = config();
    c.dns_ringbuf_bytes = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
    c.dns_events_per_second = 0;  // no limit
    DataPlane dp(c);
    const std::vector<uint8_t> f = response4(DnsMessage().response().question("r.example.com").build());
    for (int i = 0; i < 40; ++i) dp.test_run(f.data(), static_cast<uint32_t>(f.size()));
    // Each record is the event plus the ring buffer's 8-byte header, 8-byte aligned.
    const uint64_t record = (sizeof(ds_dns_event) + 8 + 7) / 8 * 8;
    const uint64_t fit = c.dns_ringbuf_bytes / record;
    EXPECT_EQ(misc(dp, DS_MISC_DNS_SENT), fit);
    EXPECT_EQ(misc(dp, DS_MISC_DNS_RINGBUF_FULL), 40 - fit);
    EXPECT_EQ(take_events(dp).size(), fit);
    // Room again once read.
    dp.test_run(f.data(), static_cast<uint32_t>(f.size()));
    EXPECT_EQ(misc(dp, DS_MISC_DNS_SENT), fit + 1);
}

TEST(DnsEvents, BadConfigurationIsRefused) {
    DataPlaneConfig c = config();
    c.dns_ringbuf_bytes = 5000;
    EXPECT_THROW(DataPlane dp(c), std::runtime_error);
    c = config();
    c.dns_event_burst = 0;
    EXPECT_THROW(DataPlane dp(c), std::runtime_error);
}

// The case: random names under a test zone, as responses from many resolvers
// and as ICMP errors quoting the spoofed queries, beside reflection backscatter and
// malformed messages; the zone is flagged with exact counts.
TEST(DnsEvents, RandomSubdomainAttackIsFlaggedThroughTheDataPlane) {
    DataPlane dp(config());
    dns::BackscatterTracker tracker({});
    dns::DnsEventReader reader(dp.dns_events_fd(), tracker);
    tracker.advance_to("2024-10-04");
    uint64_t state = 42;
    auto label = [&state] {
        std::string s;
        for (int i = 0; i < 10; ++i) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            s += "abcdefghijklmnopqrstuvwxyz0123456789"[(state >> 33) % 36];
        }
        return s;
    };
    auto run = [&](const std::vector<uint8_t>& f) {
        EXPECT_EQ(dp.test_run(f.data(), static_cast<uint32_t>(f.size())), XDP_DROP);
        reader.consume();
    };
    // 400 responses (NXDOMAIN) from 8 resolvers, 40 of them over IPv6 ...
    for (int i = 0; i < 400; ++i) {
        const auto dns = DnsMessage().id(static_cast<uint16_t>(i)).response(3).question(label() + ".www.example.com").build();
        if (i % 10 == 9)
            run(FrameBuilder().eth().ipv6("2001:db8:53::" + std::to_string(i / 10 % 2 + 1), kDark6).udp(53, 40000).raw(dns).build());
        else
            run(response4(dns, ("192.0.2." + std::to_string(i % 6 + 1)).c_str()));
    }
    // ... and 100 ICMP port unreachables from 4 more resolvers quoting the spoofed queries.
    for (int i = 0; i < 100; ++i) {
        const auto dns = DnsMessage().question(label() + ".www.example.com").build();
        const std::string resolver = "198.51.100." + std::to_string(10 + i % 4);
        run(icmp4_error(quoted_query4(dns, resolver.c_str()), 3, 3, resolver.c_str()));
    }
    // Reflection backscatter: one name, 150 times, from 3 resolvers.
    for (int i = 0; i < 150; ++i)
        run(response4(DnsMessage().response(0).question("amp.example.net", 255).build(),
                      ("198.51.100." + std::to_string(100 + i % 3)).c_str()));
    // Malformed: compression-pointer loops, labels past the end, cut headers.
    for (int i = 0; i < 30; ++i) {
        run(response4(DnsMessage().response().raw({0xc0, 12, 0, 1, 0, 1}).build()));
        run(response4(DnsMessage().response().raw({63, 'x', 'y'}).build()));
        run(response4({0x12, 0x34, 0x81, 0x83}));
    }

    EXPECT_EQ(reader.events(), 400u + 100u + 150u + 90u);
    EXPECT_EQ(misc(dp, DS_MISC_DNS_SENT), 740u);
    const dns::BackscatterSnapshot s = tracker.snapshot();
    EXPECT_EQ(s.messages, 650u);
    EXPECT_EQ(s.received[static_cast<size_t>(dns::Via::Response)], 640u);
    EXPECT_EQ(s.received[static_cast<size_t>(dns::Via::IcmpError)], 100u);
    EXPECT_EQ(s.malformed[static_cast<size_t>(dns::ParseError::PointerLoop)], 30u);
    EXPECT_EQ(s.malformed[static_cast<size_t>(dns::ParseError::LabelPastEnd)], 30u);
    EXPECT_EQ(s.malformed[static_cast<size_t>(dns::ParseError::HeaderTruncated)], 30u);
    ASSERT_EQ(s.zones.size(), 2u);
    const dns::ZoneRow& victim = s.zones[0];
    EXPECT_EQ(victim.zone, "example.com");
    EXPECT_EQ(victim.messages, 500u);
    EXPECT_EQ(victim.names_today, 500u);
    EXPECT_EQ(victim.resolvers_today, 6u + 2u + 4u);
    EXPECT_TRUE(victim.counts_exact);
    EXPECT_TRUE(victim.random_subdomain);
    const dns::ZoneRow& amp = s.zones[1];
    EXPECT_EQ(amp.zone, "example.net");
    EXPECT_EQ(amp.messages, 150u);
    EXPECT_EQ(amp.names_today, 1u);
    EXPECT_EQ(amp.resolvers_today, 3u);
    EXPECT_FALSE(amp.random_subdomain);
}
