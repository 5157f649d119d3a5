// The metrics endpoint's --web.listen-address: parsed, and tried once before
// anything is attached.
#pragma once

#include <sys/socket.h>

#include <string>

namespace darkscope {

struct ListenAddress {
    sockaddr_storage addr{};
    socklen_t len = 0;
    std::string civetweb;  // the form civetweb's listening_ports takes
    unsigned port = 0;
};

// "HOST:PORT" with a numeric IPv4 host or "localhost", "[IPv6]:PORT", or ":PORT"
// (all IPv4). Throws std::invalid_argument with one line.
ListenAddress parse_listen_address(const std::string& text);

// Binds the address once and lets it go, so "address in use" is reported with its
// real reason before anything is attached. Throws std::runtime_error naming text.
void check_can_listen(const ListenAddress& la, const std::string& text);

}  // namespace darkscope
