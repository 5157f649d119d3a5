// The country of a drained source, supplied by the GeoIP layer (geoip/geoip.h's
// make_country_lookup): here, the lowest stage that the accumulator and the
// victim tracker, which both take one, have in common.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace darkscope {

// A two-letter country code for an address (IPv4 in the first 4 bytes), "ZZ" when unknown.
using CountryLookup = std::function<std::string(uint8_t family, const uint8_t* addr)>;

}  // namespace darkscope
