// What the metrics endpoint does besides the metrics: the landing page (escaped),
// the Authorization header, and basic authentication following the web config
// file as it changes (hashes made with cost 4 by Python's crypt module and htpasswd).
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "web/landing_page.h"
#include "web/live_auth.h"

namespace darkscope {
namespace {

const std::string kSecret = "$2b$04$v9Jrxfa0gHBac6dDcfvuD.8VFiIZ0oKE7nt6eqbWOYLF5zY57MsIW";  // "secret"
const std::string kColon = "$2y$04$BdrELafRdH8XZDRQmv1vdurZc.PxFUpFqLmspdqCeTdSZEizflalS";   // "pa:ss w0rd"

TEST(LandingPage, LinksTheMetricsAndEscapesEverythingGiven) {
    LandingPage p{"0.1.0 (revision: abc)", "/metrics", {{"sensor", "<s>&\"'"}, {"eth1", "attached"}}};
    const std::string html = landing_page_html(p);
    EXPECT_NE(html.find("<a href=\"/metrics\">Metrics</a>"), std::string::npos) << html;
    EXPECT_NE(html.find("Version 0.1.0 (revision: abc)."), std::string::npos) << html;
    EXPECT_NE(html.find("<tr><th>sensor</th><td>&lt;s&gt;&amp;&quot;&#39;</td></tr>"), std::string::npos) << html;
    EXPECT_EQ(html.find("<s>"), std::string::npos);
    p.telemetry_path = "/m\"><script>";
    EXPECT_NE(landing_page_html(p).find("href=\"/m&quot;&gt;&lt;script&gt;\""), std::string::npos);
}

TEST(BasicAuthorization, HeaderParsed) {
    using Creds = std::pair<std::string, std::string>;
    EXPECT_EQ(parse_basic_authorization("Basic cHJvbTpzM2NyZXQ="), Creds("prom", "s3cret"));
    EXPECT_EQ(parse_basic_authorization("Basic cHJvbTpwYTpzcyB3MHJk"), Creds("prom", "pa:ss w0rd"));
    EXPECT_EQ(parse_basic_authorization("Basic YTo="), Creds("a", ""));
    EXPECT_FALSE(parse_basic_authorization(nullptr));
    EXPECT_FALSE(parse_basic_authorization("Bearer cHJvbTpzM2NyZXQ="));
    EXPECT_FALSE(parse_basic_authorization("Basic cHJvbQ=="));  // "prom": no colon
    EXPECT_FALSE(parse_basic_authorization("Basic ***"));
}

struct TempFile {
    std::string path = "/tmp/darkscope-live-auth-" + std::to_string(getpid()) + ".yml";
    ~TempFile() { unlink(path.c_str()); }
    void write(const std::string& text) const {
        const std::string tmp = path + ".new";
        std::ofstream(tmp) << text;
        rename(tmp.c_str(), path.c_str());
    }
};

TEST(LiveAuth, FollowsTheFileOnEveryRequest) {
    TempFile f;
    f.write("basic_auth_users:\n  alice: '" + kSecret + "'\n");
    LiveAuth auth(f.path, read_web_config(f.path));
    const auto creds = [](const std::string& u, const std::string& p) { return std::make_optional(std::make_pair(u, p)); };
    EXPECT_TRUE(auth.allows(creds("alice", "secret")));
    EXPECT_FALSE(auth.allows(creds("alice", "pa:ss w0rd")));
    EXPECT_FALSE(auth.allows(std::nullopt));
    // A new hash: the old password (accepted and cached a moment ago) is refused now.
    f.write("basic_auth_users:\n  alice: '" + kColon + "'\n");
    EXPECT_FALSE(auth.allows(creds("alice", "secret")));
    EXPECT_TRUE(auth.allows(creds("alice", "pa:ss w0rd")));
    // A broken or missing file refuses everyone until it is fixed.
    f.write("basic_auth_users: [\n");
    EXPECT_FALSE(auth.allows(creds("alice", "pa:ss w0rd")));
    unlink(f.path.c_str());
    EXPECT_FALSE(auth.allows(creds("alice", "pa:ss w0rd")));
    f.write("basic_auth_users:\n  bob: '" + kSecret + "'\n");
    EXPECT_FALSE(auth.allows(creds("alice", "pa:ss w0rd")));
    EXPECT_TRUE(auth.allows(creds("bob", "secret")));
    // No users left: the endpoint is open, as without a file.
    f.write("{}\n");
    EXPECT_TRUE(auth.allows(std::nullopt));
}

}  // namespace
}  // namespace darkscope
