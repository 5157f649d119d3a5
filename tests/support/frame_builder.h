// Builds Ethernet frames for tests: FrameBuilder().eth().ipv4(src, dst).tcp(...).build().
// Checksums are left zero: XDP never verifies them, and the tests do not need the
// kernel stack to accept the frames.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace darkscope::test {

class FrameBuilder {
public:
    FrameBuilder& eth(uint16_t ethertype = 0) {
        static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x02}, src[6] = {0x02, 0, 0, 0, 0, 0x01};
        append(dst, 6);
        append(src, 6);
        pending_ethertype_ = bytes_.size();
        u16(ethertype);
        return *this;
    }
    // An 802.1Q (0x8100) or 802.1ad (0x88a8) tag after the MAC addresses.
    FrameBuilder& vlan(uint16_t id, uint16_t tpid = 0x8100) {
        set_ethertype(tpid);
        u16(id);
        pending_ethertype_ = bytes_.size();
        u16(0);
        return *this;
    }
    FrameBuilder& mpls(uint32_t label, bool bottom) {
        set_ethertype(0x8847);
        uint32_t v = (label << 12) | (bottom ? 0x100 : 0) | 64;
        u32(v);
        pending_ethertype_ = 0;
        return *this;
    }
    // IPv4 header; `options` bytes (multiple of 4) follow the fixed header.
    FrameBuilder& ipv4(const std::string& src, const std::string& dst, uint8_t proto = 0, uint16_t id = 1,
                       uint16_t frag = 0, const std::vector<uint8_t>& options = {}, uint8_t ttl = 64) {
        set_ethertype(0x0800);
        l3_ = bytes_.size();
        v6_ = false;
        bytes_.push_back(static_cast<uint8_t>(0x40 | ((20 + options.size()) / 4)));
        bytes_.push_back(0);
        u16(0);  // total length, fixed in build()
        u16(id);
        u16(frag);
        bytes_.push_back(ttl);
        proto_at_ = bytes_.size();
        bytes_.push_back(proto);
        u16(0);
        addr4(src);
        addr4(dst);
        append(options.data(), options.size());
        return *this;
    }
    FrameBuilder& ipv6(const std::string& src, const std::string& dst, uint8_t next = 0, uint8_t hops = 64) {
        set_ethertype(0x86dd);
        l3_ = bytes_.size();
        v6_ = true;
        u32(0x60000000);
        u16(0);  // payload length, fixed in build()
        proto_at_ = bytes_.size();
        bytes_.push_back(next);
        bytes_.push_back(hops);
        addr6(src);
        addr6(dst);
        return *this;
    }
    // An IPv6 extension header (0 hop-by-hop, 43 routing, 60 destination options)
    // of `len8` 8-byte units beyond the first.
    FrameBuilder& ipv6_ext(uint8_t type, uint8_t len8 = 0) {
        set_next(type);
        proto_at_ = bytes_.size();
        bytes_.push_back(0);
        bytes_.push_back(len8);
        bytes_.resize(bytes_.size() + 6 + 8u * len8, 0);
        return *this;
    }
    FrameBuilder& ipv6_frag(uint16_t offset8, bool more, uint32_t ident = 7) {
        set_next(44);
        proto_at_ = bytes_.size();
        bytes_.push_back(0);
        bytes_.push_back(0);
        u16(static_cast<uint16_t>((offset8 << 3) | (more ? 1 : 0)));
        u32(ident);
        return *this;
    }
    FrameBuilder& tcp(uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq = 0, uint16_t window = 1024,
                      const std::vector<uint8_t>& options = {}) {
        set_next(6);
        u16(sport);
        u16(dport);
        u32(seq);
        u32(0);
        bytes_.push_back(static_cast<uint8_t>(((20 + options.size()) / 4) << 4));
        bytes_.push_back(flags);
        u16(window);
        u16(0);
        u16(0);
        append(options.data(), options.size());
        return *this;
    }
    FrameBuilder& udp(uint16_t sport, uint16_t dport) {
        set_next(17);
        u16(sport);
        u16(dport);
        u16(8);
        u16(0);
        return *this;
    }
    FrameBuilder& icmp(uint8_t type, uint8_t code) {
        set_next(v6_ ? 58 : 1);
        bytes_.push_back(type);
        bytes_.push_back(code);
        u16(0);
        u32(0);
        return *this;
    }
    FrameBuilder& payload(size_t n, uint8_t fill = 0) {
        bytes_.resize(bytes_.size() + n, fill);
        return *this;
    }
    FrameBuilder& raw(const std::vector<uint8_t>& b) {
        append(b.data(), b.size());
        return *this;
    }
    std::vector<uint8_t> build() const {
        std::vector<uint8_t> out = bytes_;
        if (l3_ && out.size() > l3_) {
            if (!v6_) {
                uint16_t total = htons(static_cast<uint16_t>(out.size() - l3_));
                std::memcpy(&out[l3_ + 2], &total, 2);
            } else if (out.size() >= l3_ + 40) {
                uint16_t payload = htons(static_cast<uint16_t>(out.size() - l3_ - 40));
                std::memcpy(&out[l3_ + 4], &payload, 2);
            }
        }
        return out;
    }
    // The frame cut to its first n bytes: for truncation cases.
    std::vector<uint8_t> truncated(size_t n) const {
        std::vector<uint8_t> out = build();
        out.resize(std::min(n, out.size()));
        return out;
    }
    size_t size() const { return bytes_.size(); }

private:
    void append(const void* p, size_t n) {
        auto b = static_cast<const uint8_t*>(p);
        bytes_.insert(bytes_.end(), b, b + n);
    }
    void u16(uint16_t v) {
        v = htons(v);
        append(&v, 2);
    }
    void u32(uint32_t v) {
        v = htonl(v);
        append(&v, 4);
    }
    void addr4(const std::string& s) {
        uint8_t a[4];
        inet_pton(AF_INET, s.c_str(), a);
        append(a, 4);
    }
    void addr6(const std::string& s) {
        uint8_t a[16];
        inet_pton(AF_INET6, s.c_str(), a);
        append(a, 16);
    }
    void set_ethertype(uint16_t t) {
        if (pending_ethertype_) {
            uint16_t v = htons(t);
            std::memcpy(&bytes_[pending_ethertype_], &v, 2);
        }
        pending_ethertype_ = 0;
    }
    void set_next(uint8_t proto) {
        if (proto_at_) bytes_[proto_at_] = proto;
        proto_at_ = 0;
    }

    std::vector<uint8_t> bytes_;
    size_t pending_ethertype_ = 0;
    size_t l3_ = 0;
    size_t proto_at_ = 0;
    bool v6_ = false;
};

}  // namespace darkscope::test
