/*
 * A shim between Debian 12's civetweb and OpenSSL 3, built as a library whose
 * SONAME is "libssl.so". civetweb 1.15 (built for the OpenSSL 1.1 API) loads
 * "libssl.so" at run time and looks up SSL_get_peer_certificate, which OpenSSL 3
 * renamed (SSL_get1_peer_certificate; the old name is only a macro now); with the
 * symbol missing, civetweb calls a null pointer on the first TLS connection.
 * MetricsServer loads this library by path before civetweb starts: the dynamic
 * loader then answers civetweb's dlopen("libssl.so") with it (a loaded object
 * whose SONAME matches), and dlsym through it finds the function below and every
 * other one in the real libssl it links. No TLS code here: one forwarding call.
 */
#include <openssl/ssl.h>

#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *ssl);
X509 *SSL_get_peer_certificate(const SSL *ssl) { return SSL_get1_peer_certificate(ssl); }
#endif
