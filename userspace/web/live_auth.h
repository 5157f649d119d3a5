// Basic authentication that follows --web.config.file without a restart: the
// file is read again on every request, as exporter-toolkit does for
// node_exporter, so a changed password hash, an added or a removed user takes
// effect with the next scrape. A file that can no longer be read or parsed
// refuses every request (fail closed) until it is fixed, logged once per error.
// The TLS settings are used as the agent started with them: a change there is
// logged and takes effect at the next start.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "web/web_config.h"

namespace darkscope {

class BasicAuth;

class LiveAuth {
public:
    // path: absolute (the agent may change directory). started: the file as read
    // at the start.
    LiveAuth(std::string path, const WebConfig& started);
    ~LiveAuth();
    // Thread-safe. True when the file, read now, lets this request in: it names no
    // users, or these credentials match one (creds: the request's user and
    // password, absent when it sent none).
    bool allows(const std::optional<std::pair<std::string, std::string>>& creds);

private:
    std::string path_;
    std::optional<TlsServerConfig> started_tls_;
    std::mutex mu_;
    std::map<std::string, std::string> users_;  // as last read
    std::shared_ptr<BasicAuth> auth_;           // for users_, with its cache of checked credentials
    std::string last_error_;                    // logged once until it changes
    bool tls_change_logged_ = false;
};

// "Basic BASE64(user:password)" from an Authorization header; nothing when the
// header is absent or not of that form.
std::optional<std::pair<std::string, std::string>> parse_basic_authorization(const char* header);

}  // namespace darkscope
