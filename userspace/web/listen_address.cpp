#include "web/listen_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace darkscope {

ListenAddress parse_listen_address(const std::string& text) {
    const auto bad = [&] {
        return std::invalid_argument("invalid listen address '" + text + "' (HOST:PORT, [IPv6]:PORT or :PORT)");
    };
    const size_t colon = text.rfind(':');
    if (colon == std::string::npos) throw bad();
    std::string host = text.substr(0, colon);
    const std::string port_text = text.substr(colon + 1);
    char* end = nullptr;
    const unsigned long port = std::strtoul(port_text.c_str(), &end, 10);
    if (port_text.empty() || *end || port == 0 || port > 65535) throw bad();
    ListenAddress la;
    la.port = static_cast<unsigned>(port);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&la.addr);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(static_cast<uint16_t>(port));
        if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &sin6->sin6_addr) != 1) throw bad();
        la.len = sizeof(sockaddr_in6);
        la.civetweb = text;
        return la;
    }
    if (host.empty()) host = "0.0.0.0";
    if (host == "localhost") host = "127.0.0.1";
    auto* sin = reinterpret_cast<sockaddr_in*>(&la.addr);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) throw bad();
    la.len = sizeof(sockaddr_in);
    la.civetweb = host + ":" + port_text;
    return la;
}

void check_can_listen(const ListenAddress& la, const std::string& text) {
    int fd = socket(la.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("cannot listen on " + text + ": " + std::strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, reinterpret_cast<const sockaddr*>(&la.addr), la.len);
    int err = errno;
    if (rc == 0) rc = listen(fd, 1), err = errno;
    close(fd);
    if (rc) throw std::runtime_error("cannot listen on " + text + ": " + std::strerror(err));
}

}  // namespace darkscope
