// Whether a day-boundary time zone can be used: the one check that the options
// (--day-boundary-timezone) and the accumulator share.
#pragma once

#include <string>

namespace darkscope {

// True for "UTC" and for an IANA name with a compiled zone file (TZif) under
// /usr/share/zoneinfo; false for anything else, a path that leaves that directory included.
bool time_zone_exists(const std::string& zone);

}  // namespace darkscope
