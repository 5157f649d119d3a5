// A DNS message as the data plane hands it up (at most DS_DNS_COPY_BYTES of it)
// through the question parser and the per-zone tracker, with the first byte
// choosing how it came (response or ICMP error) and the resolver's family.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "darkscope/abi.h"
#include "dns/backscatter_tracker.h"
#include "dns/dns_question.h"

using namespace darkscope::dns;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static BackscatterTracker tracker([] {
        BackscatterConfig c;
        c.max_zones = 64;  // small, so eviction and admission run too
        c.max_exported_zones = 4;
        c.export_min_messages = 2;
        c.random_min_names = 8;
        return c;
    }());
    if (size == 0) return 0;
    const uint8_t how = data[0];
    ++data, --size;
    if (size > DS_DNS_COPY_BYTES) size = DS_DNS_COPY_BYTES;
    const ParseResult r = parse_question(data, size);
    if (r.ok() && r.question.name.empty()) __builtin_trap();  // the root is ".", never empty
    uint8_t resolver[16] = {};
    std::memcpy(resolver, &how, 1);
    tracker.add(how & 1 ? Via::IcmpError : Via::Response, how & 2 ? 10 : 2, resolver, data, size);
    if ((how & 0xf0) == 0xf0) (void)tracker.snapshot();
    return 0;
}
