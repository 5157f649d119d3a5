#include "web/metrics_server.h"

#include <CivetServer.h>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <prometheus/exposer.h>

#include <unistd.h>

#include <mutex>
#include <stdexcept>
#include <vector>

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
            "which OpenSSL 3 renamed) and darkscope's compat library (lib/darkscope/libssl.so beside the "
            "binary's directory) was not found; install it, or use a TLS proxy (docs/configuration.md)");
}

namespace {

// Loads web/civetweb_ssl_compat.c's library (SONAME libssl.so) by path, from the
// build tree or from ../lib/darkscope beside the installed binary. It must be
// loaded before anything opens "libssl.so" by that name: the loader would then
// add the name to the real libssl and answer civetweb with it.
void load_ssl_compat() {
    static const bool loaded = [] {
        std::vector<std::string> candidates = {DARKSCOPE_SSL_COMPAT_BUILT};
        char exe[4096];
        const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            std::string dir(exe, static_cast<size_t>(n));
            dir.erase(dir.rfind('/'));
            candidates.push_back(dir + "/../lib/darkscope/libssl.so");
        }
        for (const std::string& path : candidates)
            if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL)) return true;
        return false;
    }();
    (void)loaded;
}

}  // namespace

bool MetricsServer::civetweb_tls_works() {
    // civetweb loads "libssl.so" at run time and calls SSL_get_peer_certificate on
    // every TLS connection. Debian 12's civetweb 1.15 is built for the OpenSSL 1.1
    // API: with OpenSSL 3 the symbol is missing, civetweb keeps a null pointer and
    // its worker thread crashes on the first connection (seen: segfault at address
    // 0 in civetweb-worker). The compat library supplies it; then ask the same
    // library civetweb will load.
    load_ssl_compat();
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
