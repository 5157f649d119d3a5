// The web configuration file of `--web.config.file`, in the format of the
// Prometheus exporter-toolkit (the same file node_exporter reads):
//
//   tls_server_config:
//     cert_file: /etc/darkscope/tls.crt
//     key_file: /etc/darkscope/tls.key
//     min_version: TLS12            # optional: TLS12 (default) or TLS13
//   basic_auth_users:
//     prometheus: $2y$10$...        # bcrypt hash (htpasswd -nBC 10 prometheus)
//
// Keys of the toolkit that darkscope does not implement are refused by name,
// so a file written for another exporter never silently loses a protection.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace darkscope {

struct TlsServerConfig {
    std::string cert_file;  // PEM: the certificate, then any intermediates
    std::string key_file;   // PEM: its private key
    bool tls13_only = false;
    bool operator==(const TlsServerConfig&) const = default;
};

struct WebConfig {
    std::optional<TlsServerConfig> tls;
    std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
};

// Parses the YAML text; throws std::invalid_argument with a one-line message
// naming the key. Touches no file (the fuzz target runs it on arbitrary bytes).
WebConfig parse_web_config(const std::string& yaml_text);

// Reads and parses the file (relative certificate and key paths made relative to
// the file's directory); throws std::runtime_error "web config file PATH: ...".
WebConfig read_web_config(const std::string& path);

// read_web_config, and checks that the certificate and key files it names can be
// read; throws std::runtime_error "web config file PATH: ...".
WebConfig load_web_config(const std::string& path);


// True for a well-formed bcrypt hash: $2a$, $2b$ or $2y$, a cost of 04 to 31,
// and 53 characters of bcrypt's base64.
bool is_bcrypt_hash(const std::string& hash);

}  // namespace darkscope
