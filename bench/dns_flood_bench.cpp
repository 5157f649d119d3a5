// DNS backscatter under a random-subdomain flood: one million messages, each for a
// new random name, through the agent's BackscatterTracker (the code the ring-buffer
// reader calls), spread over 20,000 zones and 1,000 resolvers. Prints the process's
// resident memory before and after, the peak, and the time per message: memory must
// stay bounded (--dns-max-zones zones, two distinct counters of at most 4 KiB each).
//   dns_flood_bench [MESSAGES]   (bench/RESULTS.md)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "dns/backscatter_tracker.h"
#include "support/dns_message.h"

namespace {

long rss_kib() {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
    return -1;
}

long peak_rss_kib() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 1000000;
    darkscope::dns::BackscatterTracker tracker({});  // the defaults of `darkscope run`
    std::mt19937_64 rng(42);
    const long before = rss_kib();
    const auto t0 = std::chrono::steady_clock::now();
    long at_half = 0;
    for (long i = 0; i < n; ++i) {
        char name[64];
        // A new random 16-letter label under one of 20,000 zones; half the messages
        // hit one attacked zone, as a real water-torture flood would.
        const uint64_t r = rng();
        std::string label;
        for (int k = 0; k < 16; ++k) label += static_cast<char>('a' + (r >> (k * 4) & 15) + (k % 2) * 10 % 26);
        if (i % 2)
            std::snprintf(name, sizeof name, "%s%ld.victim.example", label.c_str(), i);
        else
            std::snprintf(name, sizeof name, "%s.zone%llu.example", label.c_str(),
                          static_cast<unsigned long long>(rng() % 20000));
        const std::vector<uint8_t> msg = darkscope::test::DnsMessage().response().question(name).build();
        const uint8_t resolver[4] = {198, 51, 100, static_cast<uint8_t>(rng() % 250)};
        const uint8_t resolver_hi[4] = {192, 0, 2, static_cast<uint8_t>(i % 4)};
        tracker.add(darkscope::dns::Via::Response, 4, (i % 4) ? resolver : resolver_hi, msg.data(), msg.size());
        if (i == n / 2) at_half = rss_kib();
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto s = tracker.snapshot(3);
    std::printf("dns flood: %ld messages for random names in %.2f s (%.0f ns/message)\n", n, secs, secs * 1e9 / n);
    std::printf("zones tracked: %zu max, %llu evicted; top zone %s: %llu messages, ~%llu names, %llu resolvers, "
                "flagged %s\n",
                s.max_zones, static_cast<unsigned long long>(s.zones_evicted), s.zones[0].zone.c_str(),
                static_cast<unsigned long long>(s.zones[0].messages),
                static_cast<unsigned long long>(s.zones[0].names_today),
                static_cast<unsigned long long>(s.zones[0].resolvers_today), s.zones[0].random_subdomain ? "yes" : "no");
    std::printf("resident memory: %ld KiB before, %ld KiB at half, %ld KiB after (peak %ld KiB)\n", before, at_half,
                rss_kib(), peak_rss_kib());
    return 0;
}
