#include "dns/rcode.h"

namespace darkscope::dns {

RcodeBucket rcode_bucket(uint8_t rcode) {
    switch (rcode) {
    case 0: return RcodeBucket::NoError;
    case 2: return RcodeBucket::ServFail;
    case 3: return RcodeBucket::NxDomain;
    case 5: return RcodeBucket::Refused;
    default: return RcodeBucket::Other;
    }
}

const char* rcode_bucket_name(RcodeBucket b) {
    switch (b) {
    case RcodeBucket::NoError: return "NOERROR";
    case RcodeBucket::ServFail: return "SERVFAIL";
    case RcodeBucket::NxDomain: return "NXDOMAIN";
    case RcodeBucket::Refused: return "REFUSED";
    case RcodeBucket::Other:
    case RcodeBucket::Count: break;
    }
    return "other";
}

bool response_rcode(const uint8_t* dns, size_t len, RcodeBucket& out) {
    constexpr size_t kIdAndFlagsBytes = 4;
    if (!dns || len < kIdAndFlagsBytes || !(dns[2] & 0x80)) return false;
    out = rcode_bucket(dns[3] & 0x0f);
    return true;
}

}  // namespace darkscope::dns
