// HTTP basic authentication against bcrypt hashes (the basic_auth_users of the
// web config file). Hashes are checked by the system's crypt_r (libxcrypt), not
// by code of ours. A bcrypt check costs tens of milliseconds by design, so a
// successful (user, password) pair is remembered as a SHA-256 digest and the
// next scrape with it costs nothing; failures are never remembered.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace darkscope {

class BasicAuth {
public:
    explicit BasicAuth(std::map<std::string, std::string> users);
    // Thread-safe: the web server calls it from its worker threads.
    bool check(const std::string& user, const std::string& password);

private:
    std::map<std::string, std::string> users_;
    std::mutex mu_;
    std::set<std::array<unsigned char, 32>> verified_;  // digests of accepted credentials
};

// crypt_r(password, hash) compared in constant time with the hash; false for a
// hash crypt_r does not accept.
bool bcrypt_matches(const std::string& password, const std::string& hash);

}  // namespace darkscope
