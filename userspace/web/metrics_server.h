// The metrics endpoint: prometheus-cpp's Exposer (civetweb) on the listen
// address, with TLS and basic authentication when the web config asks for them.
// civetweb does TLS with the system's OpenSSL; darkscope hands it the
// certificate and key from the web config and refuses TLS below 1.2. On Debian 12
// civetweb needs the compat library of civetweb_ssl_compat.c for it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "web/landing_page.h"
#include "web/web_config.h"

struct mg_connection;

namespace prometheus {
class Exposer;
class Collectable;
}  // namespace prometheus

namespace darkscope {

class LiveAuth;

class MetricsServer {
public:
    // Connections served at once; more wait in civetweb's queue. Slow or idle
    // clients hold a worker for at most kRequestTimeoutMs each (Prometheus sends
    // its request at once; its default scrape timeout is 10 s).
    static constexpr int kWorkerThreads = 32;
    static constexpr int kRequestTimeoutMs = 5000;

    // listening_ports in civetweb's form ("127.0.0.1:9817", "[::1]:9817"), one or
    // more. web_config_file: where web came from, absolute ("": no file, no
    // authentication);
    // its basic_auth_users are read again on every request (web/live_auth.h), for
    // every path. landing: the page "/" serves, made per request. Only one
    // MetricsServer may exist at a time (civetweb's callbacks reach it through a
    // global). Throws std::runtime_error with one line when it cannot listen or
    // the certificate and key cannot be used.
    MetricsServer(const std::vector<std::string>& listening_ports, const WebConfig& web,
                  const std::string& web_config_file, const std::string& path, std::function<LandingPage()> landing);
    ~MetricsServer();
    // Loads the certificate and key as the server will; throws std::runtime_error
    // "TLS: ..." when OpenSSL cannot use them. For checking before attaching.
    // Also refuses when the system's civetweb cannot do TLS with the system's
    // OpenSSL (civetweb_tls_works).
    static void check_tls(const TlsServerConfig& tls);
    // Loads the compat library if it is there; false if civetweb would still miss
    // SSL_get_peer_certificate (Debian 12: civetweb 1.15 built for the OpenSSL 1.1
    // API would crash on the first TLS connection with OpenSSL 3).
    static bool civetweb_tls_works();
    void serve(const std::weak_ptr<prometheus::Collectable>& collector);
    std::string scheme() const { return tls_ ? "https" : "http"; }
    // civetweb's begin_request: authentication for every path, and the landing
    // page. Returns the HTTP status it answered with, or 0 to let civetweb go on.
    int on_request(mg_connection* conn);

private:
    std::unique_ptr<LiveAuth> auth_;
    std::function<LandingPage()> landing_;
    std::unique_ptr<prometheus::Exposer> exposer_;  // last: stopped first, while the above still exist
    std::string path_;
    bool tls_ = false;
};

}  // namespace darkscope
