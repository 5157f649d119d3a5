// The response codes of DNS backscatter, as TSUBAME's figures show them: the
// common ones by name, every other code in one bucket, so the label set stays five.
#pragma once

#include <cstddef>
#include <cstdint>

namespace darkscope::dns {

enum class RcodeBucket : uint8_t { NoError = 0, ServFail, NxDomain, Refused, Other, Count };

inline constexpr size_t kRcodeBuckets = static_cast<size_t>(RcodeBucket::Count);

// rcode: the 4-bit RCODE of the header (extended RCODEs of EDNS are not read).
RcodeBucket rcode_bucket(uint8_t rcode);
const char* rcode_bucket_name(RcodeBucket b);  // "NOERROR", "SERVFAIL", "NXDOMAIN", "REFUSED", "other"

// The bucket of a DNS response in dns[0, len): false when the message is not one
// whose response code can be read (cut off before the end of its flags, the first 4
// bytes, or the QR bit clear: a query, even if it came from port 53). The rest of
// the header may be missing, as tshark reads it too.
bool response_rcode(const uint8_t* dns, size_t len, RcodeBucket& out);

}  // namespace darkscope::dns
