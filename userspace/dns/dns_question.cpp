#include "dns/dns_question.h"

namespace darkscope::dns {
namespace {

constexpr size_t kHeaderBytes = 12;
constexpr size_t kMaxWireName = 255;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// Appends one label in presentation form: lowercase, and \DDD for anything that is
// not a letter, digit, '-', '_' or '*' (so '.', '\\', spaces and binary are escaped).
void append_label(std::string& out, const uint8_t* label, size_t n) {
    if (!out.empty()) out += '.';
    for (size_t i = 0; i < n; ++i) {
        uint8_t c = label[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<uint8_t>(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*') {
            out += static_cast<char>(c);
        } else {
            out += '\\';
            out += static_cast<char>('0' + c / 100);
            out += static_cast<char>('0' + c / 10 % 10);
            out += static_cast<char>('0' + c % 10);
        }
    }
}

}  // namespace

const char* parse_error_name(ParseError e) {
    switch (e) {
    case ParseError::None: return "none";
    case ParseError::HeaderTruncated: return "header_truncated";
    case ParseError::NoQuestion: return "no_question";
    case ParseError::NameTruncated: return "name_truncated";
    case ParseError::LabelPastEnd: return "label_past_end";
    case ParseError::BadLabelType: return "bad_label_type";
    case ParseError::PointerOutOfRange: return "pointer_out_of_range";
    case ParseError::PointerLoop: return "pointer_loop";
    case ParseError::NameTooLong: return "name_too_long";
    case ParseError::QuestionTruncated: return "question_truncated";
    case ParseError::Count: break;
    }
    return "unknown";
}

ParseResult parse_question(const uint8_t* data, size_t len) {
    ParseResult r;
    if (!data || len < kHeaderBytes) {
        r.error = ParseError::HeaderTruncated;
        return r;
    }
    Question& q = r.question;
    q.id = be16(data);
    q.response = (data[2] & 0x80) != 0;
    q.rcode = data[3] & 0x0f;
    q.qdcount = be16(data + 4);
    if (q.qdcount == 0) {
        r.error = ParseError::NoQuestion;
        return r;
    }

    auto fail = [&r](ParseError e) {
        r.error = e;
        r.question.name.clear();
        return r;
    };
    size_t pos = kHeaderBytes;
    // Where the labels being read began: a pointer must go before it. Every jump then
    // lowers it, so the walk ends (RFC 1035 4.1.4: a pointer names a prior occurrence).
    size_t segment_start = pos;
    size_t after_name = 0;  // first byte after the name where it sits in the message
    size_t wire = 0;        // wire length so far: each label's bytes plus its length byte
    for (;;) {
        if (pos >= len) return fail(ParseError::NameTruncated);
        const uint8_t b = data[pos];
        const uint8_t type = b & 0xc0;
        if (type == 0xc0) {
            if (pos + 1 >= len) return fail(ParseError::LabelPastEnd);
            const size_t target = (static_cast<size_t>(b & 0x3f) << 8) | data[pos + 1];
            if (target >= len) return fail(ParseError::PointerOutOfRange);
            if (target >= segment_start) return fail(ParseError::PointerLoop);
            if (!after_name) after_name = pos + 2;
            pos = segment_start = target;
            continue;
        }
        if (type != 0) return fail(ParseError::BadLabelType);
        if (b == 0) {
            if (!after_name) after_name = pos + 1;
            break;
        }
        wire += 1u + b;
        if (wire + 1 > kMaxWireName) return fail(ParseError::NameTooLong);  // + the root label
        if (pos + 1 + b > len) return fail(ParseError::LabelPastEnd);
        append_label(q.name, data + pos + 1, b);
        pos += 1u + b;
    }
    if (after_name + 4 > len) return fail(ParseError::QuestionTruncated);
    q.qtype = be16(data + after_name);
    q.qclass = be16(data + after_name + 2);
    if (q.name.empty()) q.name.push_back('.');  // the root
    return r;
}

}  // namespace darkscope::dns
