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

uint64_t siphash(const void* data, size_t len, const unsigned char* key) {
    static_assert(crypto_shorthash_BYTES == sizeof(uint64_t));
    uint64_t out = 0;
    crypto_shorthash(reinterpret_cast<unsigned char*>(&out), static_cast<const unsigned char*>(data), len, key);
    return out;
}

}  // namespace

uint64_t keyed_hash(const void* data, size_t len) { return siphash(data, len, process_key().bytes); }

HashKey HashKey::random() {
    static_assert(sizeof(HashKey::bytes) == crypto_shorthash_KEYBYTES);
    process_key();  // sodium_init() first
    HashKey k;
    randombytes_buf(k.bytes.data(), k.bytes.size());
    return k;
}

uint64_t HashKey::hash(const void* data, size_t len) const { return siphash(data, len, bytes.data()); }

}  // namespace darkscope
