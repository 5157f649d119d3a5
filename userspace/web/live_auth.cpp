#include "web/live_auth.h"

#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include <cstring>
#include <stdexcept>
#include <vector>

#include "web/basic_auth.h"

namespace darkscope {

LiveAuth::LiveAuth(std::string path, const WebConfig& started)
    : path_(std::move(path)), started_tls_(started.tls), users_(started.basic_auth_users),
      auth_(std::make_shared<BasicAuth>(users_)) {}

LiveAuth::~LiveAuth() = default;

bool LiveAuth::allows(const std::optional<std::pair<std::string, std::string>>& creds) {
    std::shared_ptr<BasicAuth> auth;
    {
        std::lock_guard lock(mu_);
        WebConfig now;
        try {
            now = read_web_config(path_);
        } catch (const std::exception& e) {
            if (last_error_ != e.what()) spdlog::error("{}; refusing every request until it is fixed", e.what());
            last_error_ = e.what();
            return false;
        }
        if (!last_error_.empty()) spdlog::info("web config file {} is readable again", path_);
        last_error_.clear();
        if (now.basic_auth_users != users_) {
            users_ = now.basic_auth_users;
            auth_ = std::make_shared<BasicAuth>(users_);  // a fresh cache: no old password stays accepted
            spdlog::info("web config file {}: basic authentication users reloaded ({})", path_, users_.size());
        }
        if (now.tls != started_tls_ && !tls_change_logged_) {
            spdlog::warn("web config file {}: tls_server_config changed; it takes effect when the agent restarts",
                         path_);
            tls_change_logged_ = true;
        }
        if (users_.empty()) return true;
        auth = auth_;
    }
    // The bcrypt check (tens of milliseconds) runs outside the lock.
    return creds && auth->check(creds->first, creds->second);
}

std::optional<std::pair<std::string, std::string>> parse_basic_authorization(const char* header) {
    if (!header || std::strncmp(header, "Basic ", 6) != 0) return std::nullopt;
    const std::string encoded(header + 6);
    if (encoded.empty() || encoded.size() > 4096 || encoded.size() % 4) return std::nullopt;
    std::vector<unsigned char> decoded(encoded.size() / 4 * 3 + 1);
    const int n = EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(encoded.data()),
                                  static_cast<int>(encoded.size()));
    if (n < 0) return std::nullopt;
    size_t len = static_cast<size_t>(n);
    // EVP_DecodeBlock keeps the bytes the padding stands for: drop one per '='.
    for (size_t i = encoded.size(); i > 0 && encoded[i - 1] == '=' && len > 0; --i) --len;
    const std::string text(reinterpret_cast<const char*>(decoded.data()), len);
    const size_t colon = text.find(':');
    if (colon == std::string::npos) return std::nullopt;
    return std::make_pair(text.substr(0, colon), text.substr(colon + 1));
}

}  // namespace darkscope
