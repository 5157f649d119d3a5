#include "web/listen_address.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace darkscope {
namespace {

// The civetweb form of a resolved address: "a.b.c.d:P" or "[v6]:P".
std::string civetweb_form(const sockaddr_storage& addr, unsigned port) {
    char host[INET6_ADDRSTRLEN] = "";
    if (addr.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(port);
    }
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(port);
}

// host (no brackets) resolved for listening: numeric, or a name by getaddrinfo.
void resolve(ListenAddress& la, const std::string& host, int family) {
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | (family == AF_INET6 ? AI_NUMERICHOST : 0);
    addrinfo* list = nullptr;
    if (const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &list); rc != 0)
        throw std::invalid_argument("cannot resolve the host of listen address '" + la.text + "': " +
                                    gai_strerror(rc));
    const addrinfo* pick = list;
    for (const addrinfo* a = list; a; a = a->ai_next)
        if (a->ai_family == AF_INET) {
            pick = a;
            break;
        }
    std::memcpy(&la.addr, pick->ai_addr, pick->ai_addrlen);
    la.len = pick->ai_addrlen;
    freeaddrinfo(list);
    const uint16_t port = htons(static_cast<uint16_t>(la.port));
    if (la.addr.ss_family == AF_INET6)
        reinterpret_cast<sockaddr_in6*>(&la.addr)->sin6_port = port;
    else
        reinterpret_cast<sockaddr_in*>(&la.addr)->sin_port = port;
    la.civetweb = civetweb_form(la.addr, la.port);
}

}  // namespace

ListenAddress parse_listen_address(const std::string& text) {
    const auto bad = [&] {
        return std::invalid_argument("invalid listen address '" + text + "' (HOST:PORT, [IPv6]:PORT or :PORT)");
    };
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) throw bad();
    const std::string host = text.substr(0, colon);
    const std::string port_text = text.substr(colon + 1);
    char* end = nullptr;
    const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end || port == 0 || port > 65535) throw bad();
    ListenAddress la;
    la.text = text;
    la.port = static_cast<unsigned>(port);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        in6_addr probe{};
        if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &probe) != 1) throw bad();
        resolve(la, host.substr(1, host.size() - 2), AF_INET6);
    } else if (host.find_first_of("[]:") != std::string::npos) {
        throw bad();  // an IPv6 address without brackets, or unbalanced ones
    } else {
        resolve(la, host.empty() ? "0.0.0.0" : host, host.empty() ? AF_INET : AF_UNSPEC);
    }
    return la;
}

std::vector<ListenAddress> parse_listen_addresses(const std::vector<std::string>& texts) {
    if (texts.empty()) throw std::invalid_argument("no listen address given (--web.listen-address)");
    std::vector<ListenAddress> out;
    for (const std::string& t : texts) {
        ListenAddress la = parse_listen_address(t);
        for (const ListenAddress& seen : out)
            if (seen.civetweb == la.civetweb)
                throw std::invalid_argument("listen address '" + t + "' is the same as '" + seen.text + "'");
        out.push_back(std::move(la));
    }
    return out;
}

bool civetweb_has_ipv6() {
    return mg_check_feature(8) != 0;  // 8: IPv6 (civetweb.h, mg_check_feature)
}

void check_can_listen(const ListenAddress& la) {
    if (la.addr.ss_family == AF_INET6 && !civetweb_has_ipv6())
        throw std::runtime_error("cannot listen on " + la.text + " (" + la.civetweb +
                                 "): the system's civetweb was built without IPv6 (Debian 12's is); listen on an "
                                 "IPv4 address, or put an IPv6-capable proxy in front");
    int fd = socket(la.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("cannot listen on " + la.text + ": " + std::strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (la.addr.ss_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);  // as civetweb
    int rc = bind(fd, reinterpret_cast<const sockaddr*>(&la.addr), la.len);
    int err = errno;
    if (rc == 0) rc = listen(fd, 1), err = errno;
    close(fd);
    if (rc) throw std::runtime_error("cannot listen on " + la.text + ": " + std::strerror(err));
}

}  // namespace darkscope
