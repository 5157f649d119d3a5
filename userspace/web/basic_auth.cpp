#include "web/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <memory>

namespace darkscope {
namespace {

// Checked against when the user is unknown, so an unknown user takes as long to
// refuse as a wrong password (no user enumeration by timing). Cost 10, of "x".
constexpr const char* kDummyHash = "$2y$10$xDIUQb.A6orDzIOmi1uhl.sTt3l263WRSlnhDGBETFObZ1MBvSuYu";
constexpr size_t kMaxRemembered = 1024;

std::array<unsigned char, 32> digest(const std::string& user, const std::string& password, const std::string& hash) {
    const std::string joined = user + '\0' + password + '\0' + hash;
    std::array<unsigned char, 32> d{};
    SHA256(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), d.data());
    return d;
}

}  // namespace

bool bcrypt_matches(const std::string& password, const std::string& hash) {
    auto data = std::make_unique<crypt_data>();  // about 32 KiB: not on a web thread's stack
    const char* out = crypt_r(password.c_str(), hash.c_str(), data.get());
    if (!out || out[0] == '*') return false;  // "*0"/"*1": crypt_r refused the hash
    const std::string result(out);
    return result.size() == hash.size() && CRYPTO_memcmp(result.data(), hash.data(), hash.size()) == 0;
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

bool BasicAuth::check(const std::string& user, const std::string& password) {
    const auto it = users_.find(user);
    if (it == users_.end()) {
        bcrypt_matches(password, kDummyHash);
        return false;
    }
    const auto key = digest(user, password, it->second);
    {
        std::lock_guard lock(mu_);
        if (verified_.count(key)) return true;
    }
    if (password.find('\0') != std::string::npos || !bcrypt_matches(password, it->second)) return false;
    std::lock_guard lock(mu_);
    if (verified_.size() >= kMaxRemembered) verified_.clear();
    verified_.insert(key);
    return true;
}

}  // namespace darkscope
