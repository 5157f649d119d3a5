#include "web/web_config.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace darkscope {
namespace {

std::invalid_argument bad(const std::string& what) { return std::invalid_argument(what); }

std::string scalar(const YAML::Node& v, const std::string& key) {
    if (!v.IsScalar()) throw bad("'" + key + "' must be a string");
    return v.as<std::string>();
}

// exporter-toolkit keys darkscope does not implement: named in the error.
bool toolkit_key(const std::string& section, const std::string& key) {
    static const char* tls[] = {"client_auth_type", "client_ca_file", "cipher_suites", "curve_preferences",
                                "max_version", "prefer_server_cipher_suites", "client_allowed_sans", "cert",
                                "key"};
    if (section == "tls_server_config")
        for (const char* k : tls)
            if (key == k) return true;
    return section.empty() && key == "http_server_config";
}

void reject(const std::string& section, const std::string& key) {
    const std::string name = section.empty() ? key : section + "." + key;
    if (toolkit_key(section, key)) throw bad("'" + name + "' is not supported by darkscope");
    throw bad("unknown key '" + name + "'");
}

TlsServerConfig parse_tls(const YAML::Node& node) {
    if (!node.IsMap()) throw bad("'tls_server_config' must be a map");
    TlsServerConfig tls;
    for (const auto& kv : node) {
        const std::string key = kv.first.as<std::string>();
        if (key == "cert_file") {
            tls.cert_file = scalar(kv.second, "tls_server_config.cert_file");
        } else if (key == "key_file") {
            tls.key_file = scalar(kv.second, "tls_server_config.key_file");
        } else if (key == "min_version") {
            const std::string v = scalar(kv.second, "tls_server_config.min_version");
            if (v != "TLS12" && v != "TLS13")
                throw bad("'tls_server_config.min_version' must be TLS12 or TLS13, not '" + v + "'");
            tls.tls13_only = v == "TLS13";
        } else {
            reject("tls_server_config", key);
        }
    }
    if (tls.cert_file.empty() || tls.key_file.empty())
        throw bad("'tls_server_config' needs both cert_file and key_file");
    return tls;
}

}  // namespace

bool is_bcrypt_hash(const std::string& h) {
    static const std::string alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    if (h.size() != 60 || h.compare(0, 2, "$2") != 0 || h[3] != '$' || h[6] != '$') return false;
    if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return false;
    if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9') return false;
    const int cost = (h[4] - '0') * 10 + (h[5] - '0');
    if (cost < 4 || cost > 31) return false;
    return h.find_first_not_of(alphabet, 7) == std::string::npos;
}

WebConfig parse_web_config(const std::string& text) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw bad("not valid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
    }
    WebConfig cfg;
    if (root.IsNull()) return cfg;
    if (!root.IsMap()) throw bad("the top level must be a map");
    try {
        for (const auto& kv : root) {
            const std::string key = kv.first.as<std::string>();
            const YAML::Node& v = kv.second;
            if (key == "tls_server_config") {
                if (!v.IsNull()) cfg.tls = parse_tls(v);
            } else if (key == "basic_auth_users") {
                if (v.IsNull()) continue;
                if (!v.IsMap()) throw bad("'basic_auth_users' must be a map of user: bcrypt hash");
                for (const auto& u : v) {
                    const std::string user = u.first.as<std::string>();
                    const std::string hash = scalar(u.second, "basic_auth_users." + user);
                    if (user.empty() || user.find(':') != std::string::npos)
                        throw bad("basic_auth_users: invalid user name '" + user + "'");
                    if (!is_bcrypt_hash(hash))
                        throw bad("basic_auth_users." + user +
                                  ": not a bcrypt hash ($2y$10$... as `htpasswd -nBC 10 " + user + "` prints)");
                    if (!cfg.basic_auth_users.emplace(user, hash).second)
                        throw bad("basic_auth_users: user '" + user + "' given twice");
                }
            } else {
                reject("", key);
            }
        }
    } catch (const YAML::Exception& e) {
        throw bad("malformed value: " + e.msg + " (line " + std::to_string(e.mark.line + 1) + ")");
    }
    return cfg;
}

WebConfig read_web_config(const std::string& path) {
    const auto fail = [&](const std::string& what) {
        return std::runtime_error("web config file " + path + ": " + what);
    };
    std::ifstream in(path);
    if (!in) throw fail(std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    WebConfig cfg;
    try {
        cfg = parse_web_config(text.str());
    } catch (const std::invalid_argument& e) {
        throw fail(e.what());
    }
    if (cfg.tls) {
        // Relative paths are relative to the web config file, as in exporter-toolkit.
        const size_t slash = path.rfind('/');
        const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
        for (std::string* f : {&cfg.tls->cert_file, &cfg.tls->key_file})
            if ((*f)[0] != '/') *f = dir + *f;
    }
    return cfg;
}

WebConfig load_web_config(const std::string& path) {
    WebConfig cfg = read_web_config(path);
    if (cfg.tls)
        for (const std::string* f : {&cfg.tls->cert_file, &cfg.tls->key_file})
            if (!std::ifstream(*f))
                throw std::runtime_error("web config file " + path + ": cannot read " + *f + ": " + std::strerror(errno));
    return cfg;
}

}  // namespace darkscope
