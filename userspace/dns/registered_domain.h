// The zone a query name belongs to: its registered domain by the Public Suffix List
// (libpsl over Debian's `publicsuffix` data), so that random labels under
// "victim.example.co.uk" all count for "example.co.uk".
#pragma once

#include <string>
#include <string_view>

struct psl_ctx_st;

namespace darkscope::dns {

// Debian's `publicsuffix` package (scripts/setup.sh installs it), as libpsl reads it.
inline constexpr const char* kDefaultPublicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dafsa";

class RegisteredDomains {
public:
    // Loads a list in libpsl's DAFSA or plain-text form; an empty path means the
    // default. Throws std::runtime_error with one line when it cannot.
    explicit RegisteredDomains(const std::string& path = "");
    ~RegisteredDomains();
    RegisteredDomains(const RegisteredDomains&) = delete;
    RegisteredDomains& operator=(const RegisteredDomains&) = delete;

    // The registered domain of a lowercase name in presentation form without the
    // trailing dot ("a.b.example.co.uk" -> "example.co.uk"). A name with no registered
    // domain (a public suffix itself such as "com" or "ac.in", or the root ".") is its
    // own zone. Both ICANN and private rules apply ("x.github.io" is its own zone).
    std::string zone_of(std::string_view name) const;

    const std::string& path() const { return path_; }

private:
    psl_ctx_st* ctx_ = nullptr;
    std::string path_;
};

}  // namespace darkscope::dns
