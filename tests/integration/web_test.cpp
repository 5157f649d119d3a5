// The metrics endpoint with a web config file: TLS with a certificate made by
// openssl, basic authentication with a hash made by htpasswd, checked with curl
// inside the sensor namespace; bad web configs stop the start with one line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "support/agent_harness.h"

namespace {

using namespace darkscope::test;

// A scratch directory with a self-signed certificate for 127.0.0.1, its key, a
// second key that does not match it, and a bcrypt hash of "s3cret" for "prom".
struct WebFiles {
    std::string dir, hash;
    explicit WebFiles(const std::string& tag) : dir("/tmp/darkscope-web-" + tag) {
        const std::string req = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
                                "-subj /CN=darkscope-test -addext subjectAltName=IP:127.0.0.1 ";
        EXPECT_EQ(run("mkdir -p " + dir + " && " + req + "-keyout " + dir + "/key.pem -out " + dir + "/cert.pem"), 0);
        EXPECT_EQ(run("openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:prime256v1 -out " + dir + "/other.pem"), 0);
        std::string line = run_out("htpasswd -nbBC 10 prom s3cret");
        hash = line.substr(line.find(':') + 1);
        hash = hash.substr(0, hash.find('\n'));
    }
    ~WebFiles() { run("rm -rf " + dir); }
    std::string write(const std::string& name, const std::string& yaml) const {
        std::ofstream(dir + "/" + name) << yaml;
        return dir + "/" + name;
    }
};

// The HTTP status curl saw ("000" when there was no HTTP answer at all).
std::string status(const Netns& ns, const std::string& args) {
    return run_out(ns.in_sensor("curl -s -o /dev/null -w '%{http_code}' --max-time 5 " + args));
}

// HTTPS with the certificate given, basic authentication over it, nothing else
// on that port. On Debian 12 this runs through the compat library of
// userspace/web/civetweb_ssl_compat.c (civetweb 1.15 with OpenSSL 3).
TEST(WebConfig, TlsAndBasicAuthWithCurl) {
    Netns ns;
    const std::string sensor = "wb" + ns.tag;
    PinGuard guard{sensor};
    WebFiles f(ns.tag);
    // Relative paths are relative to the web config file.
    const std::string cfg = f.write("web.yml", "tls_server_config:\n  cert_file: cert.pem\n  key_file: " + f.dir +
                                                   "/key.pem\nbasic_auth_users:\n  prom: " + f.hash + "\n");
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--web.config.file", cfg});
    Agent a(ns, args);
    a.url = "https://127.0.0.1:9817";
    a.curl_args = "--cacert " + f.dir + "/cert.pem -u prom:s3cret";
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();

    const std::string url = " https://127.0.0.1:9817/metrics";
    const std::string ca = "--cacert " + f.dir + "/cert.pem";
    EXPECT_EQ(status(ns, ca + url), "401");
    EXPECT_EQ(status(ns, ca + " -u prom:wrong" + url), "401");
    EXPECT_EQ(status(ns, ca + " -u prom:s3cret" + url), "200");
    // No plain HTTP on the TLS port, no TLS 1.1, and the certificate is the one given.
    EXPECT_EQ(status(ns, "-u prom:s3cret http://127.0.0.1:9817/metrics"), "000");
    EXPECT_EQ(status(ns, ca + " --tlsv1.1 --tls-max 1.1 -u prom:s3cret" + url), "000");
    EXPECT_NE(run_out(ns.in_sensor("openssl s_client -connect 127.0.0.1:9817 </dev/null")).find("CN = darkscope-test"),
              std::string::npos);
    EXPECT_NE(a.stderr_text().find("serving metrics on https://127.0.0.1:9817/metrics (basic authentication)"),
              std::string::npos)
        << a.stderr_text();
    EXPECT_EQ(a.stop(), 0) << a.stderr_text();
}

TEST(WebConfig, BasicAuthOverPlainHttp) {
    Netns ns;
    const std::string sensor = "wa" + ns.tag;
    PinGuard guard{sensor};
    WebFiles f(ns.tag);
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--web.config.file", f.write("auth.yml", "basic_auth_users:\n  prom: " + f.hash + "\n")});
    Agent a(ns, args);
    a.curl_args = "-u prom:s3cret";
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    const std::string url = " http://127.0.0.1:9817/metrics";
    EXPECT_EQ(status(ns, url), "401");
    EXPECT_EQ(status(ns, "-u prom:wrong" + url), "401");
    EXPECT_EQ(status(ns, "-u nobody:s3cret" + url), "401");
    EXPECT_EQ(status(ns, "-u prom:s3cret" + url), "200");
    EXPECT_NE(run_out(ns.in_sensor("curl -s -D - -o /dev/null" + url)).find("WWW-Authenticate: Basic realm="),
              std::string::npos);
    ASSERT_TRUE(hping(ns, "-S -p 22 198.51.100.9", 3));
    EXPECT_EQ(a.settle()["darkscope_port_packets_total{port=\"22\",protocol=\"tcp\"}"], 3);
    EXPECT_NE(a.stderr_text().find("serving metrics on http://127.0.0.1:9817/metrics (basic authentication)"),
              std::string::npos)
        << a.stderr_text();
    EXPECT_EQ(a.stop(), 0) << a.stderr_text();
}

TEST(WebConfig, BadWebConfigsFailCleanly) {
    Netns ns;
    const std::string sensor = "wx" + ns.tag;
    PinGuard guard{sensor};
    WebFiles f(ns.tag);
    auto start_with = [&](const std::string& name, const std::string& yaml) {
        std::vector<std::string> args = base_args(ns, sensor);
        args.insert(args.end(), {"--web.config.file", yaml.empty() ? f.dir + "/" + name : f.write(name, yaml)});
        return bad_start(ns, args);
    };
    expect_one_error_line(start_with("missing.yml", ""), "web config file " + f.dir + "/missing.yml: No such file");
    expect_one_error_line(start_with("plain.yml", "basic_auth_users: {prom: s3cret}\n"),
                          "basic_auth_users.prom: not a bcrypt hash");
    expect_one_error_line(start_with("mtls.yml", "tls_server_config: {cert_file: cert.pem, key_file: key.pem, "
                                                 "client_ca_file: cert.pem}\n"),
                          "'tls_server_config.client_ca_file' is not supported by darkscope");
    expect_one_error_line(start_with("nocert.yml", "tls_server_config: {cert_file: none.pem, key_file: key.pem}\n"),
                          "cannot read " + f.dir + "/none.pem");
    expect_one_error_line(start_with("mismatch.yml", "tls_server_config: {cert_file: cert.pem, key_file: other.pem}\n"),
                          "other.pem");
    expect_one_error_line(start_with("notpem.yml", "tls_server_config: {cert_file: notpem.yml, key_file: key.pem}\n"),
                          "cannot use certificate");
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_FALSE(ns.xdp_on_sensor_if());
}

}  // namespace
