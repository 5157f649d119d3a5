#include "dataplane/service_names.h"

#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <map>

namespace darkscope {

const std::vector<ServiceName>& service_names() {
    // getservent() is not thread-safe: read once, under the static's initialisation lock.
    static const std::vector<ServiceName> names = [] {
        std::map<std::pair<std::string, uint16_t>, std::string> first;
        setservent(0);
        while (const servent* s = getservent()) {
            const std::string proto = s->s_proto ? s->s_proto : "";
            if (proto == "tcp" || proto == "udp") first.try_emplace({proto, ntohs(static_cast<uint16_t>(s->s_port))}, s->s_name);
        }
        endservent();
        std::vector<ServiceName> out;
        for (auto& [key, name] : first) out.push_back({key.first, key.second, name});
        return out;
    }();
    return names;
}

std::string service_name(const std::string& protocol, uint16_t port) {
    const auto& names = service_names();
    const auto it = std::lower_bound(names.begin(), names.end(), std::pair(protocol, port),
                                     [](const ServiceName& s, const std::pair<std::string, uint16_t>& k) {
                                         return std::pair(s.protocol, s.port) < k;
                                     });
    return it != names.end() && it->protocol == protocol && it->port == port ? it->name : "";
}

}  // namespace darkscope
