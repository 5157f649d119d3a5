// Scan events on hand-made drained entries (no kernel): the two criteria, the window,
// the end of an event, the cap on watched sources.
#include <gtest/gtest.h>

#include <arpa/inet.h>

#include "accumulator/scan_detector.h"

using namespace darkscope;

namespace {

constexpr int64_t kSec = 1'000'000'000;

SourceAddr v4(const char* text) {
    SourceAddr a;
    a.family = DS_FAMILY_IPV4;
    inet_pton(AF_INET, text, a.addr);
    return a;
}

}  // namespace

TEST(ScanDetector, DistinctPortsOrPacketsWithinTheWindow) {
    ScanDetector d({.min_ports = 15, .min_packets = 100, .window_ns = 300 * kSec, .max_sources = 10});
    // .1: 15 distinct TCP ports, one packet each, in 15 s: a scanner at the 15th.
    for (uint16_t p = 1; p <= 15; ++p) {
        EXPECT_EQ(d.snapshot(10).events, 0u) << p;
        d.add(v4("192.0.2.1"), true, proto_port(6, p), 1, p * kSec);
    }
    // .2: 14 TCP ports and the same 14 over UDP count as 28 distinct ones.
    for (uint16_t p = 1; p <= 14; ++p) {
        d.add(v4("192.0.2.2"), true, proto_port(6, p), 1, p * kSec);
        d.add(v4("192.0.2.2"), true, proto_port(17, p), 1, p * kSec);
    }
    // .3: 99 packets to one port: not yet; .4: 100 packets: a scanner.
    d.add(v4("192.0.2.3"), true, proto_port(6, 23), 99, 10 * kSec);
    d.add(v4("192.0.2.4"), true, proto_port(6, 23), 60, 10 * kSec);
    d.add(v4("192.0.2.4"), false, 0, 40, 20 * kSec);  // ICMP counts packets, no port
    ScanSnapshot s = d.snapshot(10);
    EXPECT_EQ(s.events, 3u);
    EXPECT_EQ(s.active, 3u);
    EXPECT_EQ(s.watched, 4u);
    ASSERT_EQ(s.top.size(), 3u);
    EXPECT_EQ(source_text(s.top[0].source), "192.0.2.2");
    EXPECT_EQ(s.top[0].ports, 28u);
    EXPECT_EQ(source_text(s.top[1].source), "192.0.2.1");
    EXPECT_EQ(s.top[1].ports, 15u);
    EXPECT_EQ(s.top[1].packets, 15u);
    EXPECT_EQ(source_text(s.top[2].source), "192.0.2.4");
    EXPECT_EQ(s.top[2].packets, 100u);
}

TEST(ScanDetector, WindowRestartsAndEventsEnd) {
    ScanDetector d({.min_ports = 3, .min_packets = 0, .window_ns = 60 * kSec, .max_sources = 1});
    d.add(v4("198.51.100.1"), true, proto_port(6, 1), 1, 0);
    d.add(v4("198.51.100.1"), true, proto_port(6, 2), 1, 30 * kSec);
    // 61 s after the window began: it starts again, so 3 ports never meet in one window.
    d.add(v4("198.51.100.1"), true, proto_port(6, 3), 1, 61 * kSec);
    EXPECT_EQ(d.snapshot(10).events, 0u);
    d.add(v4("198.51.100.1"), true, proto_port(6, 4), 1, 62 * kSec);
    d.add(v4("198.51.100.1"), true, proto_port(6, 5), 1, 63 * kSec);
    EXPECT_EQ(d.snapshot(10).events, 1u);
    // The cap: a second source is not watched, and its entries are counted.
    d.add(v4("198.51.100.2"), true, proto_port(6, 1), 1, 63 * kSec);
    d.add(v4("198.51.100.2"), true, proto_port(6, 2), 1, 63 * kSec);
    EXPECT_EQ(d.snapshot(10).untracked_entries, 2u);
    // A scanner stays active while it is heard from within a window, then its event ends
    // and it is still listed among the biggest.
    d.expire(63 * kSec + 60 * kSec);
    EXPECT_EQ(d.snapshot(10).active, 1u);
    d.expire(63 * kSec + 60 * kSec + 1);
    ScanSnapshot s = d.snapshot(10);
    EXPECT_EQ(s.active, 0u);
    EXPECT_EQ(s.events, 1u);
    EXPECT_EQ(s.watched, 0u);
    EXPECT_TRUE(s.top.empty());
    ASSERT_EQ(s.biggest.size(), 1u);
    EXPECT_EQ(s.biggest[0].ports, 3u);
    EXPECT_EQ(s.biggest[0].start_ns, 61 * kSec);
    EXPECT_EQ(s.biggest[0].last_ns, 63 * kSec);
}

TEST(ScanDetector, AScannerHeardAgainAfterASilentWindowStartsANewEvent) {
    ScanDetector d({.min_ports = 0, .min_packets = 10, .window_ns = 60 * kSec, .max_sources = 4});
    d.add(v4("198.51.100.1"), true, proto_port(6, 22), 10, 0);
    d.add(v4("198.51.100.2"), true, proto_port(6, 23), 10, 5 * kSec);
    ScanSnapshot s = d.snapshot(10);
    EXPECT_EQ(s.active, 2u);
    ASSERT_EQ(s.top.size(), 2u);
    // .1 silent for more than a window (expire() not run since): its packet ends the
    // old event and starts a window of 1 packet, not yet a scan.
    d.add(v4("198.51.100.1"), true, proto_port(6, 22), 1, 61 * kSec);
    s = d.snapshot(10);
    EXPECT_EQ(s.active, 1u);
    ASSERT_EQ(s.top.size(), 1u);
    EXPECT_EQ(source_text(s.top[0].source), "198.51.100.2");
    EXPECT_EQ(s.biggest.size(), 2u);
    // 9 more packets: a second event of .1.
    d.add(v4("198.51.100.1"), true, proto_port(6, 22), 9, 62 * kSec);
    s = d.snapshot(10);
    EXPECT_EQ(s.active, 2u);
    EXPECT_EQ(s.events, 3u);
    ASSERT_EQ(s.top.size(), 2u);
    EXPECT_EQ(s.top[0].packets + s.top[1].packets, 20u);
}
