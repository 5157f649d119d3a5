// The question of a DNS message, read from untrusted bytes: the header and the first
// question's name, type and class. A pure function over a buffer, bounded by the
// buffer: it never reads past `len`, follows compression pointers only backwards
// (so it cannot loop), and says why a message could not be read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace darkscope::dns {

// Why a message has no readable question. Each has a name (parse_error_name) used
// in metrics and reports.
enum class ParseError : uint8_t {
    None = 0,
    HeaderTruncated,    // fewer than the 12 bytes of the header
    NoQuestion,         // QDCOUNT is 0
    NameTruncated,      // the bytes end between two labels, before the root label
    LabelPastEnd,       // a label (or the second byte of a pointer) runs past the end
    BadLabelType,       // a label type other than 0x00 (length) or 0xC0 (pointer)
    PointerOutOfRange,  // a compression pointer to a position past the end
    PointerLoop,        // a compression pointer to itself or further on: loops need one
    NameTooLong,        // more than 255 bytes in wire form (RFC 1035 2.3.4)
    QuestionTruncated,  // the name ends but QTYPE/QCLASS are cut off
    Count
};

const char* parse_error_name(ParseError e);  // "header_truncated", ...

struct Question {
    // Presentation form, lowercased (resolvers randomise case, DNS 0x20), without the
    // trailing dot; "." for the root. Bytes other than a-z 0-9 - _ * are written as
    // \DDD (decimal), so a label holding a '.' cannot pose as two labels.
    std::string name;
    uint16_t qtype = 0;
    uint16_t qclass = 0;
    uint16_t id = 0;
    uint16_t qdcount = 0;
    uint8_t rcode = 0;  // low 4 bits of the header flags
    bool response = false;  // QR bit
};

struct ParseResult {
    ParseError error = ParseError::None;
    Question question;  // meaningful when error == None
    bool ok() const { return error == ParseError::None; }
};

// The largest question a message can carry: header, a 255-byte name, QTYPE, QCLASS.
inline constexpr size_t kMaxQuestionBytes = 12 + 255 + 4;

// Reads the header and the first question of the DNS message in data[0, len).
ParseResult parse_question(const uint8_t* data, size_t len);

}  // namespace darkscope::dns
