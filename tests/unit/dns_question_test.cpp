// parse_question() on well-formed and malformed DNS messages: every malformation
// gets its reason, nothing is read past the buffer (the buffers here are exactly
// sized vectors; a read past them is what ASan/valgrind would catch), and every
// prefix and single-byte mutation of real messages parses without crashing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns/dns_question.h"
#include "support/dns_message.h"

using namespace darkscope::dns;
using darkscope::test::DnsMessage;

namespace {

ParseResult parse(const std::vector<uint8_t>& b) { return parse_question(b.data(), b.size()); }

// 63 'a's: the longest label.
const std::string kLabel63(63, 'a');

}  // namespace

TEST(DnsQuestion, ReadsNameTypeClassAndHeader) {
    ParseResult r = parse(DnsMessage().id(0xbeef).response(3).question("x7Qz.Example.COM", 28, 1).build());
    ASSERT_TRUE(r.ok()) << parse_error_name(r.error);
    EXPECT_EQ(r.question.name, "x7qz.example.com");  // lowercased: resolvers randomise case
    EXPECT_EQ(r.question.qtype, 28);
    EXPECT_EQ(r.question.qclass, 1);
    EXPECT_EQ(r.question.id, 0xbeef);
    EXPECT_TRUE(r.question.response);
    EXPECT_EQ(r.question.rcode, 3);
    EXPECT_EQ(r.question.qdcount, 1);

    r = parse(DnsMessage().question("example.com").build());
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.question.response);
}

TEST(DnsQuestion, RootAndEscapes) {
    ParseResult r = parse(DnsMessage().response().question("", 2).build());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.question.name, ".");
    EXPECT_EQ(r.question.qtype, 2);

    // A label holding a dot, a backslash, a space and a byte 0xff: escaped as \DDD, so
    // the name keeps three labels and stays printable ASCII.
    r = parse(DnsMessage().raw({4, 'a', '.', '\\', ' ', 1, 0xff, 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1}).build());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.question.name, "a\\046\\092\\032.\\255.test");
    r = parse(DnsMessage().question("_dmarc.*.Under_Score-1.example").build());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.question.name, "_dmarc.*.under_score-1.example");
}

TEST(DnsQuestion, LongestNameIsReadLongerIsNot) {
    // 3 x (63 + 1) + (61 + 1) + root = 255 wire bytes: the longest legal name.
    const std::string longest = kLabel63 + "." + kLabel63 + "." + kLabel63 + "." + std::string(61, 'b');
    ParseResult r = parse(DnsMessage().question(longest).build());
    ASSERT_TRUE(r.ok()) << parse_error_name(r.error);
    EXPECT_EQ(r.question.name, longest);
    EXPECT_EQ(DnsMessage().question(longest).build().size(), kMaxQuestionBytes);

    r = parse(DnsMessage().question(longest + "b").build());
    EXPECT_EQ(r.error, ParseError::NameTooLong);
    EXPECT_TRUE(r.question.name.empty());
}

TEST(DnsQuestion, HeaderAndQuestionCount) {
    std::vector<uint8_t> m = DnsMessage().response().question("example.com").build();
    for (size_t n = 0; n < 12; ++n) EXPECT_EQ(parse_question(m.data(), n).error, ParseError::HeaderTruncated) << n;
    EXPECT_EQ(parse_question(nullptr, 0).error, ParseError::HeaderTruncated);
    EXPECT_EQ(parse(DnsMessage().qdcount(0).question("example.com").build()).error, ParseError::NoQuestion);
}

TEST(DnsQuestion, TruncatedNamesAndLabelsPastTheEnd) {
    const std::vector<uint8_t> m = DnsMessage().response().question("ab.example.com").build();
    // Header (12) | 2 a b | 7 example | 3 c o m | 0 | type class
    // Cut right after a label: the name ends between labels.
    EXPECT_EQ(parse_question(m.data(), 12).error, ParseError::NameTruncated);
    EXPECT_EQ(parse_question(m.data(), 15).error, ParseError::NameTruncated);
    EXPECT_EQ(parse_question(m.data(), 27).error, ParseError::NameTruncated);
    // Cut inside a label: its length byte claims more than is there.
    EXPECT_EQ(parse_question(m.data(), 13).error, ParseError::LabelPastEnd);
    EXPECT_EQ(parse_question(m.data(), 20).error, ParseError::LabelPastEnd);
    // The name is whole but QTYPE/QCLASS are not.
    for (size_t n = 28; n < m.size(); ++n) EXPECT_EQ(parse_question(m.data(), n).error, ParseError::QuestionTruncated);
    EXPECT_TRUE(parse_question(m.data(), m.size()).ok());

    // A label length far past the end of the message.
    EXPECT_EQ(parse(DnsMessage().raw({63, 'a', 'b'}).build()).error, ParseError::LabelPastEnd);
    // A pointer whose second byte is missing.
    EXPECT_EQ(parse(DnsMessage().raw({1, 'a', 0xc0}).build()).error, ParseError::LabelPastEnd);
}

TEST(DnsQuestion, CompressionPointerLoopsAndRanges) {
    // Points at itself (offset 12).
    EXPECT_EQ(parse(DnsMessage().raw({0xc0, 12, 0, 1, 0, 1}).build()).error, ParseError::PointerLoop);
    // Forward, to a label that points back at the first pointer: a two-step loop.
    EXPECT_EQ(parse(DnsMessage().raw({0xc0, 14, 0xc0, 12}).build()).error, ParseError::PointerLoop);
    // A label, then a pointer back to that label: reading would go round forever.
    EXPECT_EQ(parse(DnsMessage().raw({1, 'a', 0xc0, 12}).build()).error, ParseError::PointerLoop);
    // Past the end of the message, and past the end of the 14-bit range's use.
    EXPECT_EQ(parse(DnsMessage().raw({0xc0, 200}).build()).error, ParseError::PointerOutOfRange);
    EXPECT_EQ(parse(DnsMessage().raw({0xff, 0xff}).build()).error, ParseError::PointerOutOfRange);
    // Label types 0x40 and 0x80 (extended / reserved).
    EXPECT_EQ(parse(DnsMessage().raw({0x41, 0}).build()).error, ParseError::BadLabelType);
    EXPECT_EQ(parse(DnsMessage().raw({1, 'a', 0x80, 0}).build()).error, ParseError::BadLabelType);
}

TEST(DnsQuestion, BackwardPointersAreFollowed) {
    // Pointers may only go back, and the question is the first name, so these point
    // into the header (odd, but legal): the header's last bytes are set to labels.
    // Question at 12: "www" then a pointer to 8; at 8: "x" and the root label.
    std::vector<uint8_t> m = DnsMessage().raw({3, 'w', 'w', 'w', 0xc0, 8, 0, 1, 0, 1}).build();
    m[8] = 1, m[9] = 'x', m[10] = 0;
    ParseResult r = parse(m);
    ASSERT_TRUE(r.ok()) << parse_error_name(r.error);
    EXPECT_EQ(r.question.name, "www.x");
    EXPECT_EQ(r.question.qtype, 1);  // read after the first pointer, where the name sits

    // Two jumps, each before the labels it is reached from: 12 "a" -> 8 "b" -> 6 root.
    m = DnsMessage().raw({1, 'a', 0xc0, 8, 0, 1, 0, 1}).build();
    m[6] = 0, m[8] = 1, m[9] = 'b', m[10] = 0xc0, m[11] = 6;
    r = parse(m);
    ASSERT_TRUE(r.ok()) << parse_error_name(r.error);
    EXPECT_EQ(r.question.name, "a.b");
    // The second pointer aimed inside the labels it came from (9, after 8): a loop.
    m[11] = 9;
    EXPECT_EQ(parse(m).error, ParseError::PointerLoop);
}

TEST(DnsQuestion, SurvivesEveryPrefixAndMutation) {
    std::vector<std::vector<uint8_t>> seeds = {
        DnsMessage().response().question("q8zk1.victim.example.com", 1).build(),
        DnsMessage().raw({3, 'w', 'w', 'w', 0xc0, 12, 0, 1, 0, 1}).build(),
        DnsMessage().response().question("", 255).build(),
    };
    size_t parsed = 0, failed = 0;
    for (const auto& seed : seeds) {
        for (size_t n = 0; n <= seed.size(); ++n) {
            std::vector<uint8_t> cut(seed.begin(), seed.begin() + static_cast<long>(n));
            (parse(cut).ok() ? parsed : failed)++;
        }
        for (size_t i = 0; i < seed.size(); ++i)
            for (int v = 0; v < 256; ++v) {
                std::vector<uint8_t> m = seed;
                m[i] = static_cast<uint8_t>(v);
                ParseResult r = parse(m);
                if (r.ok()) {
                    EXPECT_FALSE(r.question.name.empty());
                    EXPECT_LE(r.question.name.size(), 4u * 255u);
                }
                (r.ok() ? parsed : failed)++;
            }
    }
    EXPECT_GT(parsed, 0u);
    EXPECT_GT(failed, 0u);
}

TEST(DnsQuestion, ErrorNames) {
    EXPECT_STREQ(parse_error_name(ParseError::PointerLoop), "pointer_loop");
    EXPECT_STREQ(parse_error_name(ParseError::LabelPastEnd), "label_past_end");
    for (int e = 1; e < static_cast<int>(ParseError::Count); ++e)
        EXPECT_STRNE(parse_error_name(static_cast<ParseError>(e)), "unknown") << e;
}
