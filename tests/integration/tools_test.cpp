// Real scanners against the real XDP program: a sensor namespace whose veth carries
// the program (attached from inside that namespace), and a scanner namespace where
// Debian's zmap, masscan, nmap -sS and hping3 scan part of the dark 203.0.113.0/24
// from 198.51.100.x with known parameters. Each tool's SYNs must be attributed to
// it, exactly as many as it sends, with no other tool's counter moving.
// Namespaces and links are removed by a guard; nothing is pinned.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <netinet/in.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "darkscope/abi.h"
#include "dataplane/data_plane.h"
#include "fingerprint/signatures.h"
#include "fingerprint/tool_counts.h"
#include "support/run_command.h"

using namespace darkscope;
using darkscope::test::run_out;

namespace {

int run(const std::string& cmd) {
    int st = 0;
    run_out(cmd, &st);
    return st;
}

bool have(const char* tool) { return run(std::string("command -v ") + tool + " >/dev/null") == 0; }

// The sensor (198.51.100.1) and the scanner (198.51.100.2-3), the dark prefix routed to the sensor.
struct Namespaces {
    std::string tag = std::to_string(getpid()), sensor = "dsfS" + tag, scanner = "dsfP" + tag, sif = "dsfa" + tag,
                pif = "dsfb" + tag, sensor_mac;
    bool ok = true;
    Namespaces() {
        for (const std::string& c : {
                 "ip netns add " + sensor,
                 "ip netns add " + scanner,
                 "ip link add " + sif + " netns " + sensor + " type veth peer name " + pif + " netns " + scanner,
                 "ip -n " + sensor + " addr add 198.51.100.1/24 dev " + sif,
                 "ip -n " + scanner + " addr add 198.51.100.2/24 dev " + pif,
                 "ip -n " + sensor + " link set " + sif + " up",
                 "ip -n " + scanner + " link set " + pif + " up",
                 "ip -n " + scanner + " route add 203.0.113.0/24 via 198.51.100.1",
             })
            if (run(c) != 0) ok = false, ADD_FAILURE() << c;
        sensor_mac = run_out("ip -n " + sensor + " -br link show " + sif + " | awk '{print $3}'");
        while (!sensor_mac.empty() && (sensor_mac.back() == '\n' || sensor_mac.back() == ' ')) sensor_mac.pop_back();
    }
    ~Namespaces() {
        run("ip netns del " + sensor);
        run("ip netns del " + scanner);
    }
    std::string in_scanner(const std::string& cmd) const { return "ip netns exec " + scanner + " timeout 60 " + cmd; }
};

// Attaches the program to the sensor's veth from inside the sensor namespace
// (the link stays when the thread returns to its own namespace).
void attach_in(DataPlane& dp, const Namespaces& ns) {
    const int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int target = open(("/run/netns/" + ns.sensor).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(self, 0);
    ASSERT_GE(target, 0);
    ASSERT_EQ(setns(target, CLONE_NEWNET), 0);
    try {
        dp.attach(ns.sif, XdpMode::Auto);
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
    }
    EXPECT_EQ(setns(self, CLONE_NEWNET), 0);
    close(target);
    close(self);
}

// The signatures-map entries added between two reads (the map is cumulative).
std::vector<SignatureEntry> added(const std::vector<SignatureEntry>& before, const std::vector<SignatureEntry>& after) {
    auto id = [](const ds_signature_key& k) {
        return std::tuple(k.proto, k.sport, k.window, k.ttl, k.options);
    };
    std::map<decltype(id(ds_signature_key{})), ds_counter> was;
    for (const SignatureEntry& e : before) was[id(e.key)] = e.counter;
    std::vector<SignatureEntry> out;
    for (SignatureEntry e : after) {
        const ds_counter& w = was[id(e.key)];
        e.counter.packets -= w.packets;
        e.counter.bytes -= w.bytes;
        if (e.counter.packets) out.push_back(e);
    }
    return out;
}

std::string describe(const SignatureTop& t) {
    std::string out;
    for (const auto& r : t.signatures)
        out += "window " + std::to_string(r.key.window) + " ttl " + std::to_string(r.key.ttl) + " options " +
               option_layout_name(r.key.options) + ": " + std::to_string(r.counter.packets) + "\n";
    for (const auto& r : t.source_ports)
        out += "source port " + std::to_string(r.key.port) + ": " + std::to_string(r.counter.packets) + "\n";
    return out;
}

TEST(RealTools, EachScanIsAttributedToItsTool) {
    for (const char* tool : {"zmap", "masscan", "nmap", "hping3"})
        if (!have(tool)) GTEST_SKIP() << tool << " is not installed (scripts/setup.sh installs it)";
    Namespaces ns;
    ASSERT_TRUE(ns.ok);
    DataPlaneConfig cfg;
    cfg.dark_prefixes = {Prefix::parse("203.0.113.0/24")};
    cfg.source_map_entries = 1024;
    DataPlane dp(cfg);
    attach_in(dp, ns);
    ASSERT_FALSE(dp.attachments().empty());
    char blocklist[] = "/tmp/darkscope-zmap-blocklist-XXXXXX";  // zmap's default list blocks 203.0.113.0/24
    const int fd = mkstemp(blocklist);
    ASSERT_GE(fd, 0);
    close(fd);

    struct Scan {
        uint32_t tool;
        std::string command;
        uint64_t sent;  // SYNs the command sends
        uint16_t ports;  // distinct destination ports
        HeaderSignature signature;  // every SYN's window, TTL bucket and option layout
        uint16_t source_port;       // every SYN's source port; 0: varies
    };
    const Scan scans[] = {
        // ZMap 2.1.1: one probe to each of the first 50 targets of the /24 (in its random order).
        {DS_TOOL_ZMAP,
         "zmap -p 80 -i " + ns.pif + " -G " + ns.sensor_mac + " -S 198.51.100.2 -r 1000 -n 50 -c 1 -b " + blocklist +
             " --disable-syslog -q 203.0.113.0/24",
         50, 1, {65535, 255, 0}, 0},
        // masscan 1.3.2: 16 addresses x 2 ports, no retries.
        {DS_TOOL_MASSCAN,
         "masscan 203.0.113.0/28 -p80,443 --rate 1000 --adapter " + ns.pif +
             " --adapter-ip 198.51.100.3 --router-mac " + ns.sensor_mac + " --wait 0",
         32, 2, {1024, 255, 0}, 0},
        // nmap 7.93 SYN scan: 4 addresses x 3 ports, no retransmission, no DNS, no ping.
        {DS_TOOL_NMAP, "nmap -sS -n -Pn --max-retries 0 -p 80,443,445 203.0.113.1-4", 12, 3, {1024, 64, DS_OPT_MSS}, 0},
        // hping3: 20 SYNs from source port 6000 with window 512: no tool's rule, but
        // one header signature (TTL 64, no options) and one source port.
        {DS_TOOL_UNKNOWN, "hping3 -S -p 445 -s 6000 -k -w 512 -c 20 -i u1000 203.0.113.5", 20, 1, {512, 64, 0},
         6000},
    };
    for (const Scan& s : scans) {
        SCOPED_TRACE(s.command);
        const ToolCounts before = tool_counts(dp.read_tool_stats());
        const auto signatures_before = dp.read_signatures();
        std::string out = run_out(ns.in_scanner(s.command));
        const ToolCounts after = tool_counts(dp.read_tool_stats());
        // Header signatures: every SYN under the tool's one signature, exactly.
        SignatureBook book({.top = 100, .max_labels = 20, .admit_packets = 1});
        book.update(added(signatures_before, dp.read_signatures()));
        const SignatureTop top = book.top();
        EXPECT_EQ(top.other_signatures.packets, 0u);
        ASSERT_EQ(top.signatures.size(), 1u) << describe(top);
        EXPECT_EQ(top.signatures[0].key, s.signature) << describe(top);
        EXPECT_EQ(top.signatures[0].counter.packets, s.sent) << describe(top);
        if (s.source_port) {
            ASSERT_EQ(top.source_ports.size(), 1u) << describe(top);
            EXPECT_EQ(top.source_ports[0].key, (SourcePort{IPPROTO_TCP, s.source_port}));
            EXPECT_EQ(top.source_ports[0].counter.packets, s.sent);
        }
        for (uint32_t t = 0; t < DS_TOOL_COUNT; ++t) {
            const uint64_t got = after.attributed[t].packets - before.attributed[t].packets;
            EXPECT_EQ(got, t == s.tool ? s.sent : 0) << tool_name(t) << " attributed; tool output:\n" << out;
        }
        if (s.tool != DS_TOOL_UNKNOWN)
            EXPECT_EQ(after.rule_matches[s.tool].packets - before.rule_matches[s.tool].packets, s.sent) << "rule";
        // The per-source entries carry the tool: one source, the tool's ports.
        uint64_t packets = 0;
        std::vector<uint16_t> ports;
        for (const SourceEntry& e : dp.drain_sources(true)) {
            if (e.key.proto != 6) continue;
            ASSERT_TRUE(DS_KEY_IS_SYN(e.key.info));
            EXPECT_EQ(DS_KEY_SYN_TOOL(e.key.info), s.tool);
            packets += e.value.packets;
            ports.push_back(e.key.port);
        }
        EXPECT_EQ(packets, s.sent);
        EXPECT_EQ(ports.size(), s.ports);
    }
    unlink(blocklist);
    dp.detach_all();
}

}  // namespace
