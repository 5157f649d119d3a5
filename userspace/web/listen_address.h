// The metrics endpoint's --web.listen-address (repeatable): parsed, host names
// resolved, and each tried once before anything is attached.
#pragma once

#include <sys/socket.h>

#include <string>
#include <vector>

namespace darkscope {

struct ListenAddress {
    std::string text;  // as given, for messages
    sockaddr_storage addr{};
    socklen_t len = 0;
    std::string civetweb;  // the form civetweb's listening_ports takes
    unsigned port = 0;
};

// "HOST:PORT", "[IPv6]:PORT" (including "[::]:PORT", every IPv6 address) or
// ":PORT" (every IPv4 address). HOST is a numeric IPv4 address or a host name,
// resolved with getaddrinfo; a name with several addresses is served on the
// first IPv4 one, else the first IPv6 one (as Go's net.Listen, so node_exporter,
// does). Throws std::invalid_argument with one line.
ListenAddress parse_listen_address(const std::string& text);

// Each address parsed; the same address twice is refused.
std::vector<ListenAddress> parse_listen_addresses(const std::vector<std::string>& texts);

// Whether the system's civetweb can listen on IPv6 at all (Debian 12's civetweb
// 1.15 is built without USE_IPV6: it cannot).
bool civetweb_has_ipv6();

// Binds the address once and lets it go, so "address in use" is reported with its
// real reason before anything is attached; refuses an IPv6 address when civetweb
// cannot listen on one. Throws std::runtime_error naming it.
void check_can_listen(const ListenAddress& la);

}  // namespace darkscope
