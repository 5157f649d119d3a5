// The web config file of arbitrary bytes through parse_web_config: a config or an
// std::invalid_argument with a message, never a crash; what it accepts holds.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "web/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const darkscope::WebConfig c = darkscope::parse_web_config(std::string(reinterpret_cast<const char*>(data), size));
        for (const auto& [user, hash] : c.basic_auth_users)
            if (user.empty() || !darkscope::is_bcrypt_hash(hash)) __builtin_trap();
        if (c.tls && (c.tls->cert_file.empty() || c.tls->key_file.empty())) __builtin_trap();
    } catch (const std::invalid_argument& e) {
        if (!*e.what()) __builtin_trap();
    }
    return 0;
}
