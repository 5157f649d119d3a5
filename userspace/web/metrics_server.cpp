#include "web/metrics_server.h"

#include <CivetServer.h>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <prometheus/exposer.h>

#include <mutex>
#include <stdexcept>

#include "web/basic_auth.h"

namespace darkscope {
namespace {

// civetweb's init_ssl callback gets civetweb's own user data, not ours: the
// settings of the (one) TLS endpoint of the process live here while it starts.
std::mutex tls_mu;
const TlsServerConfig* starting_tls = nullptr;
std::string tls_error;

std::string openssl_error() {
    char buf[256] = "unknown OpenSSL error";
    if (unsigned long e = ERR_get_error()) ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return buf;
}

// Loads the certificate chain and key into ctx; returns what went wrong, or "".
std::string use_certificate(SSL_CTX* ctx, const TlsServerConfig& tls) {
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert_file.c_str()) != 1)
        return "cannot use certificate " + tls.cert_file + ": " + openssl_error();
    if (SSL_CTX_use_PrivateKey_file(ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
        return "cannot use key " + tls.key_file + ": " + openssl_error();
    if (SSL_CTX_check_private_key(ctx) != 1)
        return "key " + tls.key_file + " does not match certificate " + tls.cert_file;
    SSL_CTX_set_min_proto_version(ctx, tls.tls13_only ? TLS1_3_VERSION : TLS1_2_VERSION);
    return "";
}

// civetweb's init_ssl callback. Returns 1: the certificate is set up; -1: civetweb
// fails to start.
int init_ssl(void* ctx, void*) {
    tls_error = use_certificate(static_cast<SSL_CTX*>(ctx), *starting_tls);
    return tls_error.empty() ? 1 : -1;
}

}  // namespace

MetricsServer::MetricsServer(const std::string& listening_port, const WebConfig& web, const std::string& path)
    : path_(path), tls_(web.tls.has_value()) {
    if (tls_) check_tls(*web.tls);
    std::vector<std::string> options = {"listening_ports", listening_port + (tls_ ? "s" : ""), "num_threads", "2"};
    CivetCallbacks callbacks;
    if (tls_) callbacks.init_ssl = init_ssl;
    std::lock_guard lock(tls_mu);
    starting_tls = tls_ ? &*web.tls : nullptr;
    tls_error.clear();
    try {
        exposer_ = std::make_unique<prometheus::Exposer>(options, &callbacks);
    } catch (const std::exception& e) {
        starting_tls = nullptr;
        if (!tls_error.empty()) throw std::runtime_error("TLS: " + tls_error);
        throw std::runtime_error(e.what());
    }
    starting_tls = nullptr;
    if (!web.basic_auth_users.empty()) {
        auth_ = std::make_shared<BasicAuth>(web.basic_auth_users);
        std::weak_ptr<BasicAuth> weak = auth_;
        exposer_->RegisterAuth(
            [weak](const std::string& user, const std::string& password) {
                auto a = weak.lock();
                return a && a->check(user, password);
            },
            "darkscope", path_);
    }
}

MetricsServer::~MetricsServer() = default;

void MetricsServer::check_tls(const TlsServerConfig& tls) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
    if (!ctx) throw std::runtime_error("TLS: " + openssl_error());
    const std::string error = use_certificate(ctx.get(), tls);
    if (!error.empty()) throw std::runtime_error("TLS: " + error);
    if (!civetweb_tls_works())
        throw std::runtime_error(
            "TLS: the system's civetweb cannot serve TLS with this OpenSSL (it needs SSL_get_peer_certificate, "
            "which libssl.so lacks: OpenSSL 3 renamed it); serve plain HTTP on loopback behind a TLS proxy "
            "(docs/configuration.md)");
}

bool MetricsServer::civetweb_tls_works() {
    // civetweb loads "libssl.so" at run time and calls SSL_get_peer_certificate on
    // every TLS connection. Debian 12's civetweb 1.15 is built for the OpenSSL 1.1
    // API: with OpenSSL 3 the symbol is missing, civetweb keeps a null pointer and
    // its worker thread crashes on the first connection (seen: segfault at address
    // 0 in civetweb-worker). Ask the same library civetweb will load.
    void* ssl = dlopen("libssl.so", RTLD_NOW | RTLD_LOCAL);
    if (!ssl) return false;
    const bool ok = dlsym(ssl, "SSL_get_peer_certificate") != nullptr;
    dlclose(ssl);
    return ok;
}

void MetricsServer::serve(const std::weak_ptr<prometheus::Collectable>& collector) {
    exposer_->RegisterCollectable(collector, path_);
}

}  // namespace darkscope
