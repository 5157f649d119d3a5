#include "web/metrics_server.h"

#include <CivetServer.h>
#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <prometheus/exposer.h>

#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "web/live_auth.h"
#include "web/trusted_path.h"

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

const std::string& load_ssl_compat();  // below, beside civetweb_tls_works()

// The server civetweb's begin_request reaches (its user data is CivetServer's).
std::atomic<MetricsServer*> serving{nullptr};

int begin_request(mg_connection* conn) {
    MetricsServer* server = serving.load();
    return server ? server->on_request(conn) : 0;
}

}  // namespace

MetricsServer::MetricsServer(const std::vector<std::string>& listening_ports, const WebConfig& web,
                             const std::string& web_config_file, const std::string& path,
                             std::function<LandingPage()> landing)
    : landing_(std::move(landing)), path_(path), tls_(web.tls.has_value()) {
    if (tls_) check_tls(*web.tls);
    if (!web_config_file.empty()) {
        // Read once more now, as the user the agent runs as from here on: a file
        // only root can read would refuse every scrape.
        (void)read_web_config(web_config_file);
        auth_ = std::make_unique<LiveAuth>(web_config_file, web);
    }
    std::string ports;
    for (const std::string& p : listening_ports) ports += (ports.empty() ? "" : ",") + p + (tls_ ? "s" : "");
    // Each open connection holds a civetweb worker until its request is read or
    // request_timeout_ms passes: a few idle or half-sent connections must not leave
    // a scrape without a worker (docs/configuration.md, "The metrics endpoint").
    std::vector<std::string> options = {"listening_ports", ports,
                                        "num_threads", std::to_string(kWorkerThreads),
                                        "request_timeout_ms", std::to_string(kRequestTimeoutMs),
                                        "linger_timeout_ms", "0",
                                        "enable_keep_alive", "no"};
    CivetCallbacks callbacks;
    if (tls_) callbacks.init_ssl = init_ssl;
    callbacks.begin_request = begin_request;
    serving = this;
    std::lock_guard lock(tls_mu);
    starting_tls = tls_ ? &*web.tls : nullptr;
    tls_error.clear();
    try {
        exposer_ = std::make_unique<prometheus::Exposer>(options, &callbacks);
    } catch (const std::exception& e) {
        starting_tls = nullptr;
        serving = nullptr;
        if (!tls_error.empty()) throw std::runtime_error("TLS: " + tls_error);
        throw std::runtime_error(e.what());
    }
    starting_tls = nullptr;
}

MetricsServer::~MetricsServer() {
    serving = nullptr;
    exposer_.reset();  // joins civetweb's workers: none is left inside on_request
}

int MetricsServer::on_request(mg_connection* conn) {
    if (auth_ && !auth_->allows(parse_basic_authorization(mg_get_header(conn, "Authorization")))) {
        mg_printf(conn,
                  "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"darkscope\"\r\n"
                  "Content-Length: 0\r\nConnection: close\r\n\r\n");
        return 401;
    }
    const mg_request_info* request = mg_get_request_info(conn);
    const bool head = std::strcmp(request->request_method, "HEAD") == 0;
    if (!request->local_uri || std::strcmp(request->local_uri, "/") != 0 ||
        (!head && std::strcmp(request->request_method, "GET") != 0))
        return 0;  // the metrics path, or civetweb's 404
    const std::string body = landing_page_html(landing_());
    mg_printf(conn,
              "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n"
              "Connection: close\r\n\r\n",
              body.size());
    if (!head) mg_write(conn, body.data(), body.size());
    return 200;
}

void MetricsServer::check_tls(const TlsServerConfig& tls) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
    if (!ctx) throw std::runtime_error("TLS: " + openssl_error());
    const std::string error = use_certificate(ctx.get(), tls);
    if (!error.empty()) throw std::runtime_error("TLS: " + error);
    if (!civetweb_tls_works()) {
        const std::string& refused = load_ssl_compat();
        throw std::runtime_error(
            "TLS: the system's civetweb cannot serve TLS with this OpenSSL (it needs SSL_get_peer_certificate, "
            "which OpenSSL 3 renamed) and darkscope's compat library (lib/darkscope/libssl.so beside the "
            "binary's directory) was " +
            (refused.empty() ? std::string("not found; install it") : refused + "; fix its ownership") +
            ", or use a TLS proxy (docs/configuration.md)");
    }
}

namespace {

// Loads web/civetweb_ssl_compat.c's library (SONAME libssl.so) from beside the
// binary: compat/ in the build tree, ../lib/darkscope/ when installed. The binary
// names no absolute path, and a candidate that someone other than root could
// replace is never loaded (this runs as root, before capabilities are dropped):
// why it was refused is kept for the error message. It must be loaded before
// anything opens "libssl.so" by that name: the loader would then add the name to
// the real libssl and answer civetweb with it.
const std::string& load_ssl_compat() {
    static const std::string refused = [] {
        char exe[PATH_MAX];
        const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) return std::string();
        std::string dir(exe, static_cast<size_t>(n));
        dir.erase(dir.rfind('/'));
        std::string why;
        for (const std::string& path : {dir + "/compat/libssl.so", dir + "/../lib/darkscope/libssl.so"}) {
            if (access(path.c_str(), F_OK) != 0) continue;
            if (std::string untrusted = untrusted_reason(path); !untrusted.empty()) {
                if (why.empty()) why = "refused to load " + path + ": " + untrusted;
                continue;
            }
            if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL)) return std::string();
        }
        return why;
    }();
    return refused;
}

}  // namespace

bool MetricsServer::civetweb_tls_works() {
    // civetweb loads "libssl.so" at run time and calls SSL_get_peer_certificate on
    // every TLS connection. Debian 12's civetweb 1.15 is built for the OpenSSL 1.1
    // API: with OpenSSL 3 the symbol is missing, civetweb keeps a null pointer and
    // its worker thread crashes on the first connection (seen: segfault at address
    // 0 in civetweb-worker). The compat library supplies it; then ask the same
    // library civetweb will load.
    (void)load_ssl_compat();
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
