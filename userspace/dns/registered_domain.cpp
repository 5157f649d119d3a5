#include "dns/registered_domain.h"

#include <libpsl.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace darkscope::dns {

RegisteredDomains::RegisteredDomains(const std::string& path) : path_(path.empty() ? kDefaultPublicSuffixList : path) {
    if (!std::ifstream(path_))
        throw std::runtime_error("cannot read the public suffix list " + path_ + ": " + std::strerror(errno) +
                                 (path.empty() ? " (install Debian's publicsuffix package: scripts/setup.sh)" : ""));
    ctx_ = psl_load_file(path_.c_str());
    if (!ctx_ || psl_suffix_count(ctx_) == 0) {
        if (ctx_) psl_free(ctx_);
        throw std::runtime_error("not a public suffix list: " + path_);
    }
}

RegisteredDomains::~RegisteredDomains() { psl_free(ctx_); }

std::string RegisteredDomains::zone_of(std::string_view name) const {
    const std::string n(name);
    if (n.empty() || n == ".") return ".";
    const char* domain = psl_registrable_domain(ctx_, n.c_str());
    return domain ? std::string(domain) : n;
}

}  // namespace darkscope::dns
