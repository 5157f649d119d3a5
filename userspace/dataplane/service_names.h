// Service names of TCP and UDP ports ("microsoft-ds" for 445/tcp), from the system's
// services database (/etc/services, Debian package netbase), for port tables: the
// darkscope_port_info metric that dashboards join, and replay's port rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace darkscope {

struct ServiceName {
    std::string protocol;  // "tcp" or "udp"
    uint16_t port = 0;
    std::string name;      // the database's first name for the port
};

// Every TCP/UDP entry of the database, by protocol then port, read once (a few hundred
// on Debian; none when the file is missing).
const std::vector<ServiceName>& service_names();

// The name of a port, or "" when the database has none (ICMP, unknown ports).
std::string service_name(const std::string& protocol, uint16_t port);

}  // namespace darkscope
