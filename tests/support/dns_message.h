// Builds DNS messages for tests: DnsMessage().response().question("a.example.com").build(),
// or byte by byte for malformed ones (raw labels, pointers, cut-off tails).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace darkscope::test {

class DnsMessage {
public:
    DnsMessage& id(uint16_t v) {
        id_ = v;
        return *this;
    }
    DnsMessage& response(uint8_t rcode = 3) {  // NXDOMAIN: what random names get
        flags_ = static_cast<uint16_t>(0x8180 | rcode);
        return *this;
    }
    DnsMessage& qdcount(uint16_t n) {
        qdcount_ = n;
        return *this;
    }
    // A question in wire form: each dot-separated label, the root label, QTYPE, QCLASS.
    DnsMessage& question(const std::string& name, uint16_t qtype = 1, uint16_t qclass = 1) {
        size_t start = 0;
        while (start < name.size()) {
            size_t dot = name.find('.', start);
            if (dot == std::string::npos) dot = name.size();
            body_.push_back(static_cast<uint8_t>(dot - start));
            body_.insert(body_.end(), name.begin() + static_cast<long>(start), name.begin() + static_cast<long>(dot));
            start = dot + 1;
        }
        body_.push_back(0);
        u16(qtype);
        u16(qclass);
        return *this;
    }
    // Bytes after the header exactly as given (labels, pointers, anything).
    DnsMessage& raw(const std::vector<uint8_t>& b) {
        body_.insert(body_.end(), b.begin(), b.end());
        return *this;
    }
    std::vector<uint8_t> build() const {
        // Sized once and filled in place: inserting the body after a 12-byte list made
        // GCC 12 warn of a read from "a region of size 0" (-Wstringop-overread; it is not).
        std::vector<uint8_t> out(kHeaderBytes + body_.size(), 0);
        out[0] = static_cast<uint8_t>(id_ >> 8);
        out[1] = static_cast<uint8_t>(id_);
        out[2] = static_cast<uint8_t>(flags_ >> 8);
        out[3] = static_cast<uint8_t>(flags_);
        out[4] = static_cast<uint8_t>(qdcount_ >> 8);
        out[5] = static_cast<uint8_t>(qdcount_);  // answer, authority, additional counts: 0
        std::copy(body_.begin(), body_.end(), out.begin() + kHeaderBytes);
        return out;
    }

private:
    static constexpr size_t kHeaderBytes = 12;
    void u16(uint16_t v) {
        body_.push_back(static_cast<uint8_t>(v >> 8));
        body_.push_back(static_cast<uint8_t>(v));
    }
    uint16_t id_ = 0x1234;
    uint16_t flags_ = 0x0100;  // a query with RD
    uint16_t qdcount_ = 1;
    std::vector<uint8_t> body_;
};

}  // namespace darkscope::test
