#include "dataplane/prefix.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace darkscope {

Prefix Prefix::parse(std::string_view text) {
    auto bad = [&](const char* why) {
        return std::invalid_argument("invalid CIDR '" + std::string(text) + "': " + why);
    };
    Prefix p;
    std::string addr(text.substr(0, text.find('/')));
    if (inet_pton(AF_INET, addr.c_str(), p.addr.data()) == 1) {
        p.family = DS_FAMILY_IPV4;
    } else if (inet_pton(AF_INET6, addr.c_str(), p.addr.data()) == 1) {
        p.family = DS_FAMILY_IPV6;
    } else {
        throw bad("not an IPv4 or IPv6 address");
    }
    const unsigned max_len = p.family == DS_FAMILY_IPV4 ? 32 : 128;
    unsigned len = max_len;
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
        auto digits = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
        if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
            throw bad("prefix length is not a number");
        if (len > max_len)
            throw bad(p.family == DS_FAMILY_IPV4 ? "prefix length above 32" : "prefix length above 128");
    }
    p.length = static_cast<uint8_t>(len);
    for (unsigned bit = len; bit < max_len; ++bit) {
        if (p.addr[bit / 8] & (0x80u >> (bit % 8)))
            throw bad(("host bits set; did you mean " + [&] {
                          Prefix m = p;
                          for (unsigned b = len; b < max_len; ++b) m.addr[b / 8] &= ~(0x80u >> (b % 8));
                          return m.str();
                      }() + "?").c_str());
    }
    return p;
}

ds_lpm_key Prefix::lpm_key() const {
    ds_lpm_key key{};
    key.prefixlen = 8 + length;  // the family tag is the first 8 bits of the key
    key.family = family;
    std::memcpy(key.addr, addr.data(), 16);
    return key;
}

std::string format_address(uint8_t family, const uint8_t* addr) {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == DS_FAMILY_IPV4 ? AF_INET : AF_INET6, addr, buf, sizeof buf);
    return buf;
}

std::string Prefix::str() const {
    return format_address(family, addr.data()) + "/" + std::to_string(length);
}

double Prefix::address_count() const {
    const unsigned max_len = family == DS_FAMILY_IPV4 ? 32 : 128;
    return std::ldexp(1.0, static_cast<int>(max_len - length));
}

bool Prefix::contains(const Prefix& other) const {
    if (family != other.family || other.length < length) return false;
    for (unsigned bit = 0; bit < length; ++bit) {
        const uint8_t m = 0x80u >> (bit % 8);
        if ((addr[bit / 8] & m) != (other.addr[bit / 8] & m)) return false;
    }
    return true;
}

}  // namespace darkscope
