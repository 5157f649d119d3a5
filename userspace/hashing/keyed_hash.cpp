#include "hashing/keyed_hash.h"

#include <sodium.h>

#include <stdexcept>

namespace darkscope {
namespace {

struct ProcessKey {
    unsigned char bytes[crypto_shorthash_KEYBYTES];
    ProcessKey() {
        // sodium_init() seeds libsodium's generator from the kernel (getrandom);
        // it is safe to call more than once.
        if (sodium_init() < 0) throw std::runtime_error("libsodium cannot be initialised");
        randombytes_buf(bytes, sizeof bytes);
    }
};

const ProcessKey& process_key() {
    static const ProcessKey key;  // thread-safe, drawn on first use
    return key;
}

}  // namespace

uint64_t keyed_hash(const void* data, size_t len) {
    static_assert(crypto_shorthash_BYTES == sizeof(uint64_t));
    uint64_t out = 0;
    crypto_shorthash(reinterpret_cast<unsigned char*>(&out), static_cast<const unsigned char*>(data), len,
                     process_key().bytes);
    return out;
}

}  // namespace darkscope
