// An IPv4 or IPv6 prefix parsed from CIDR text, and its LPM-trie key.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "darkscope/abi.h"

namespace darkscope {

struct Prefix {
    uint8_t family = DS_FAMILY_IPV4;  // DS_FAMILY_IPV4 or DS_FAMILY_IPV6
    std::array<uint8_t, 16> addr{};   // network order; IPv4 in the first 4 bytes
    uint8_t length = 0;               // prefix length in bits

    // Parses "198.51.100.0/24", "2001:db8::/32" or a bare address (a host prefix).
    // Host bits set beyond the length are an error ("198.51.100.1/24"), as in
    // iproute2, since they usually mean a typo. Throws std::invalid_argument
    // with a one-line message naming the text.
    static Prefix parse(std::string_view text);

    ds_lpm_key lpm_key() const;
    std::string str() const;
    // Number of addresses covered, as a double (an IPv6 /0 does not fit 64 bits).
    double address_count() const;
    bool contains(const Prefix& other) const;
};

// Formats an address (4 or 16 bytes, network order) as text.
std::string format_address(uint8_t family, const uint8_t* addr);

}  // namespace darkscope
