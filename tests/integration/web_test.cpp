// The metrics endpoint with a web config file: TLS with a certificate made by
// openssl, basic authentication with a hash made by htpasswd, checked with curl
// inside the sensor namespace; bad web configs stop the start with one line.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
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

// The binary names neither the checkout nor the build tree: nothing in it can
// point a root process at a directory that someone else may own.
TEST(Binary, NamesNoBuildOrSourcePath) {
    std::ifstream in(kBin, std::ios::binary);
    ASSERT_TRUE(in) << kBin;
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 1000000u);
    EXPECT_EQ(bytes.find(DARKSCOPE_TEST_BUILD_DIR), std::string::npos) << DARKSCOPE_TEST_BUILD_DIR;
    EXPECT_EQ(bytes.find(DARKSCOPE_TEST_SOURCE_DIR), std::string::npos) << DARKSCOPE_TEST_SOURCE_DIR;
}

// A copy of the binary whose compat library lies in a directory that others can
// write: loading it would let them run code as root, so TLS is refused with one
// line naming that directory, before anything is attached.
TEST(WebConfig, CompatLibraryInAWritableDirectoryIsNotLoaded) {
    Netns ns;
    const std::string sensor = "wl" + ns.tag;
    PinGuard guard{sensor};
    WebFiles f(ns.tag);
    const std::string copy = f.dir + "/bin";
    const std::string compat = kBin.substr(0, kBin.rfind('/')) + "/compat/libssl.so";
    ASSERT_EQ(run("mkdir -p " + copy + "/compat && cp " + kBin + " " + copy + "/darkscope && cp " + compat + " " +
                  copy + "/compat/libssl.so && chmod 0777 " + copy + "/compat"),
              0);
    std::vector<std::string> args = base_args(ns, sensor);
    args.insert(args.end(), {"--web.config.file", f.write("tls.yml", "tls_server_config: {cert_file: cert.pem, "
                                                                     "key_file: key.pem}\n")});
    expect_one_error_line(bad_start(ns, args, "", copy + "/darkscope"),
                          "refused to load " + copy + "/compat/libssl.so: " + copy +
                              "/compat is writable by group or others");
    EXPECT_FALSE(exists(pin_dir(sensor)));
    EXPECT_FALSE(ns.xdp_on_sensor_if());
}

// Connections that send nothing, or half a request, held open in the sensor
// namespace by a child process until the guard ends it (or 60 s pass).
struct HeldConnections {
    pid_t pid = -1;
    HeldConnections(const std::string& netns, int idle, int half_sent) {
        int ready[2];
        if (pipe(ready) != 0) return;
        pid = fork();
        if (pid == 0) {
            close(ready[0]);
            const int fd = open(("/run/netns/" + netns).c_str(), O_RDONLY);
            if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) _exit(1);
            sockaddr_in sa{};
            sa.sin_family = AF_INET;
            sa.sin_port = htons(9817);
            inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
            for (int i = 0; i < idle + half_sent; ++i) {
                const int s = socket(AF_INET, SOCK_STREAM, 0);
                if (s < 0 || connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) _exit(2);
                const char partial[] = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n";  // no end of headers
                if (i >= idle && write(s, partial, sizeof partial - 1) < 0) _exit(3);
            }
            (void)!write(ready[1], "r", 1);
            sleep(60);
            _exit(0);
        }
        close(ready[1]);
        char c = 0;
        if (pid < 0 || read(ready[0], &c, 1) != 1) ADD_FAILURE() << "the connections could not be opened";
        close(ready[0]);
    }
    ~HeldConnections() {
        if (pid <= 0) return;
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
};

// Idle and slowloris-style clients must not take every worker of the endpoint:
// a scrape is answered within a second while they are held open.
TEST(WebServer, ScrapeAnswersWhileIdleAndHalfSentConnectionsAreHeld) {
    Netns ns;
    const std::string sensor = "wi" + ns.tag;
    PinGuard guard{sensor};
    Agent a(ns, base_args(ns, sensor));
    ASSERT_TRUE(a.wait_ready()) << a.stderr_text();
    HeldConnections held(ns.sensor, 16, 4);
    ASSERT_GT(held.pid, 0);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(status(ns, "--max-time 1 http://127.0.0.1:9817/metrics"), "200") << "scrape " << i;
    EXPECT_EQ(a.stop(), 0) << a.stderr_text();
}

}  // namespace
