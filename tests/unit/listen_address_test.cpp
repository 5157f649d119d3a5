// --web.listen-address: numeric and named hosts, IPv6 in brackets, the wildcard
// forms, several at once, and one-line refusals.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "web/listen_address.h"

namespace darkscope {
namespace {

std::string error_of(const std::vector<std::string>& texts) {
    try {
        parse_listen_addresses(texts);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

TEST(ListenAddress, CivetwebFormOfEachKind) {
    EXPECT_EQ(parse_listen_address("127.0.0.1:9817").civetweb, "127.0.0.1:9817");
    EXPECT_EQ(parse_listen_address(":9817").civetweb, "0.0.0.0:9817");
    EXPECT_EQ(parse_listen_address("[::]:9817").civetweb, "[::]:9817");
    EXPECT_EQ(parse_listen_address("[::1]:9817").civetweb, "[::1]:9817");
    EXPECT_EQ(parse_listen_address("[2001:db8:0::1]:80").civetweb, "[2001:db8::1]:80");
    // A host name is resolved (/etc/hosts names localhost); its IPv4 address first.
    const ListenAddress named = parse_listen_address("localhost:9818");
    EXPECT_EQ(named.civetweb, "127.0.0.1:9818");
    EXPECT_EQ(named.port, 9818u);
    EXPECT_EQ(named.text, "localhost:9818");
}

TEST(ListenAddress, SeveralAndDuplicates) {
    const auto all = parse_listen_addresses({"127.0.0.1:9817", "[::1]:9817", "localhost:9818"});
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[1].civetweb, "[::1]:9817");
    EXPECT_EQ(error_of({"127.0.0.1:9817", "localhost:9817"}),
              "listen address 'localhost:9817' is the same as '127.0.0.1:9817'");
    EXPECT_EQ(error_of({}), "no listen address given (--web.listen-address)");
}

TEST(ListenAddress, RefusedWithOneLine) {
    const std::string forms = " (HOST:PORT, [IPv6]:PORT or :PORT)";
    for (const std::string bad : {"9817", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:", "::1:9817",
                                  "[::1:9817", "[192.0.2.1]:9817", "127.0.0.1:98x"})
        EXPECT_EQ(error_of({bad}), "invalid listen address '" + bad + "'" + forms) << bad;
    const std::string unresolved = error_of({"no-such-host.invalid:9817"});
    EXPECT_EQ(unresolved.rfind("cannot resolve the host of listen address 'no-such-host.invalid:9817': ", 0), 0u)
        << unresolved;
    EXPECT_EQ(unresolved.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace darkscope
