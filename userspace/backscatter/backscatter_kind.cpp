#include "backscatter/backscatter_kind.h"

namespace darkscope {

std::optional<uint32_t> backscatter_class(const ds_source_key& key) {
    if (!(key.info & DS_KEY_BACKSCATTER)) return std::nullopt;
    const bool v6 = DS_KEY_FAMILY(key.info) == DS_FAMILY_IPV6;
    switch (key.proto) {
    case 6:
        return (key.info & DS_KEY_RST) ? DS_CLASS_TCP_RST : DS_CLASS_TCP_SYNACK;
    case 17:
        return key.port == 53 ? DS_CLASS_DNS_RESPONSE : DS_CLASS_UDP_REFLECTION;
    case 1:
    case 58: {
        if (key.proto != (v6 ? 58 : 1)) return std::nullopt;
        const unsigned type = key.port >> 8;
        if (type == (v6 ? 129u : 0u)) return DS_CLASS_ICMP_ECHO_REPLY;
        if (type == (v6 ? 1u : 3u)) return DS_CLASS_ICMP_UNREACHABLE;
        if (type == (v6 ? 3u : 11u)) return DS_CLASS_ICMP_TIME_EXCEEDED;
        return std::nullopt;
    }
    }
    return std::nullopt;
}

}  // namespace darkscope
