// The web config file (exporter-toolkit format) and the bcrypt check behind basic
// authentication. The hashes were made by independent tools: htpasswd (apache2-utils,
// $2y$) and Python's crypt module ($2b$).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "web/basic_auth.h"
#include "web/web_config.h"

namespace darkscope {
namespace {

const std::string kSecret2y = "$2y$10$.cdT8W9Fks2EGie9YrnGIeep30ZZUeiuLViNsFj0vqRkVUfvqWxyO";  // "secret"
const std::string kSecret2b = "$2b$04$v9Jrxfa0gHBac6dDcfvuD.8VFiIZ0oKE7nt6eqbWOYLF5zY57MsIW";  // "secret"
const std::string kColon2y = "$2y$04$BdrELafRdH8XZDRQmv1vdurZc.PxFUpFqLmspdqCeTdSZEizflalS";   // "pa:ss w0rd"

std::string error_of(const std::string& yaml) {
    try {
        parse_web_config(yaml);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

TEST(WebConfig, ParsesTlsAndUsers) {
    const WebConfig c = parse_web_config("tls_server_config:\n  cert_file: a.crt\n  key_file: /k.pem\n"
                                         "  min_version: TLS13\nbasic_auth_users:\n  alice: '" + kSecret2y +
                                         "'\n  bob: " + kColon2y + "\n");
    ASSERT_TRUE(c.tls);
    EXPECT_EQ(c.tls->cert_file, "a.crt");
    EXPECT_EQ(c.tls->key_file, "/k.pem");
    EXPECT_TRUE(c.tls->tls13_only);
    ASSERT_EQ(c.basic_auth_users.size(), 2u);
    EXPECT_EQ(c.basic_auth_users.at("alice"), kSecret2y);
    EXPECT_FALSE(parse_web_config("").tls);
    EXPECT_TRUE(parse_web_config("basic_auth_users:\ntls_server_config:\n").basic_auth_users.empty());
}

TEST(WebConfig, RefusesBadValuesByName) {
    EXPECT_EQ(error_of("[1, 2]"), "the top level must be a map");
    EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n"), "'tls_server_config' needs both cert_file and key_file");
    EXPECT_EQ(error_of("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n"),
              "'tls_server_config.client_ca_file' is not supported by darkscope");
    EXPECT_EQ(error_of("http_server_config: {http2: false}\n"), "'http_server_config' is not supported by darkscope");
    EXPECT_EQ(error_of("basic_auth_user: {a: b}\n"), "unknown key 'basic_auth_user'");
    EXPECT_EQ(error_of("tls_server_config: {cert_file: a, key_file: b, min_version: TLS11}\n"),
              "'tls_server_config.min_version' must be TLS12 or TLS13, not 'TLS11'");
    EXPECT_EQ(error_of("basic_auth_users: {alice: secret}\n"),
              "basic_auth_users.alice: not a bcrypt hash ($2y$10$... as `htpasswd -nBC 10 alice` prints)");
    EXPECT_EQ(error_of("basic_auth_users: {alice: [1]}\n"), "'basic_auth_users.alice' must be a string");
    EXPECT_EQ(error_of("basic_auth_users: [alice]\n"), "'basic_auth_users' must be a map of user: bcrypt hash");
    EXPECT_NE(error_of("tls_server_config: {cert_file: [a\n").find("not valid YAML"), std::string::npos);
}

TEST(WebConfig, RecognisesBcryptHashes) {
    EXPECT_TRUE(is_bcrypt_hash(kSecret2y));
    EXPECT_TRUE(is_bcrypt_hash(kSecret2b));
    EXPECT_FALSE(is_bcrypt_hash(kSecret2y.substr(1)));
    EXPECT_FALSE(is_bcrypt_hash("$2x" + kSecret2y.substr(3)));             // an unknown variant
    EXPECT_FALSE(is_bcrypt_hash("$2y$03" + kSecret2y.substr(6)));          // cost below 4
    EXPECT_FALSE(is_bcrypt_hash("$2y$32" + kSecret2y.substr(6)));          // cost above 31
    EXPECT_FALSE(is_bcrypt_hash(kSecret2y.substr(0, 59) + "!"));           // outside bcrypt's base64
    EXPECT_FALSE(is_bcrypt_hash("$1$abcdefgh$" + std::string(48, 'a')));   // MD5-crypt
}

TEST(BasicAuth, ChecksPasswordsWithCryptR) {
    EXPECT_TRUE(bcrypt_matches("secret", kSecret2y));
    EXPECT_TRUE(bcrypt_matches("secret", kSecret2b));
    EXPECT_FALSE(bcrypt_matches("Secret", kSecret2y));
    EXPECT_FALSE(bcrypt_matches("", kSecret2b));
    BasicAuth auth({{"alice", kSecret2b}, {"bob", kColon2y}});
    EXPECT_TRUE(auth.check("alice", "secret"));
    EXPECT_TRUE(auth.check("alice", "secret"));  // remembered
    EXPECT_FALSE(auth.check("alice", "secre"));
    EXPECT_FALSE(auth.check("alice", std::string("secret\0x", 8)));
    EXPECT_FALSE(auth.check("carol", "secret"));
    EXPECT_FALSE(auth.check("bob", "secret"));
    EXPECT_TRUE(auth.check("bob", "pa:ss w0rd"));
}

}  // namespace
}  // namespace darkscope
