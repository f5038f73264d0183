#include <gtest/gtest.h>

#include "corpus_util.h"
#include "mime/encoded_word.h"
#include "mime/message_parser.h"
#include "mime/transfer_decode.h"

using namespace postamt::mime;
using postamt::mime::test::load_corpus;

namespace {
uint64_t off(const std::string& m, const std::string& needle, std::size_t from = 0) {
    auto p = m.find(needle, from);
    EXPECT_NE(p, std::string::npos) << needle;
    return p;
}
std::string body(const std::string& m, const Part& p) {
    return m.substr(p.body_start, p.end - p.body_start);
}
}  // namespace

TEST(MessageParser, SimpleMessageEnvelope) {
    std::string m = load_corpus("simple.eml");
    auto pm = parse_message(m);
    EXPECT_EQ(pm.size, m.size());
    ASSERT_EQ(pm.parts.size(), 1u);
    ASSERT_EQ(pm.envelopes.size(), 1u);
    const Part& r = pm.root();
    EXPECT_EQ(r.header_start, 0u);
    EXPECT_EQ(r.body_start, m.size() - 5);
    EXPECT_EQ(r.end, m.size());
    EXPECT_EQ(body(m, r), "Hi.\r\n");
    EXPECT_EQ(r.lines, 1u);
    EXPECT_EQ(r.type, "text");
    EXPECT_EQ(r.subtype, "plain");
    ASSERT_EQ(r.params.size(), 1u);
    EXPECT_EQ(r.params[0], (Param{"charset", "us-ascii", "", ""}));
    EXPECT_EQ(r.encoding, "7bit");
    const Envelope& e = pm.envelope();
    EXPECT_EQ(e.date, "Tue, 1 Jul 2003 10:52:37 +0200");
    EXPECT_EQ(e.subject, "=?ISO-8859-1?Q?Caf=E9?= au lait");
    EXPECT_EQ(e.message_id, "<1234@local.machine.example>");
    EXPECT_FALSE(e.in_reply_to.has_value());
    ASSERT_EQ(e.from.size(), 1u);
    EXPECT_EQ(e.from[0].name, "Joe Q. Public");
    EXPECT_EQ(e.from[0].mailbox, "john.q.public");
    EXPECT_EQ(e.from[0].host, "example.com");
    EXPECT_EQ(e.sender, e.from);    // RFC 3501 default
    EXPECT_EQ(e.reply_to, e.from);  // RFC 3501 default
    ASSERT_EQ(e.to.size(), 3u);
    EXPECT_EQ(e.to[2].name, "Who?");
    ASSERT_EQ(e.cc.size(), 2u);
    EXPECT_EQ(e.cc[1].name, "Giant; \"Big\" Box");
    EXPECT_TRUE(e.bcc.empty());
    ASSERT_TRUE(e.parsed_date);
    EXPECT_EQ(e.parsed_date->unix_seconds, 1057049557);
}

TEST(MessageParser, MultipartMixedNestedSamePrefixBoundaries) {
    std::string m = load_corpus("multipart_mixed.eml");
    auto pm = parse_message(m);
    ASSERT_EQ(pm.parts.size(), 6u);
    const Part& r = pm.parts[0];
    EXPECT_EQ(r.type, "multipart");
    EXPECT_EQ(r.subtype, "mixed");
    EXPECT_EQ(*r.param("boundary"), "outer");
    EXPECT_EQ(r.children, (std::vector<uint32_t>{1, 2, 5}));
    EXPECT_EQ(r.body_start, off(m, "\r\npreamble") + 2);
    EXPECT_EQ(r.end, m.size());

    const Part& p1 = pm.parts[1];
    EXPECT_EQ(p1.header_start, off(m, "--outer\r\n") + 9);
    EXPECT_EQ(p1.body_start, off(m, "Gr=C3"));
    EXPECT_EQ(body(m, p1), "Gr=C3=BC=C3=9Fe");  // CRLF before the boundary excluded
    EXPECT_EQ(p1.encoding, "quoted-printable");
    EXPECT_EQ(p1.lines, 1u);
    EXPECT_EQ(part_text_utf8(m, p1), "Gr\xC3\xBC\xC3\x9F" "e");

    const Part& p2 = pm.parts[2];  // after "--outer   " (trailing whitespace)
    EXPECT_EQ(p2.type, "multipart");
    EXPECT_EQ(p2.subtype, "alternative");
    EXPECT_EQ(p2.header_start, off(m, "--outer   \r\n") + 12);
    EXPECT_EQ(p2.children, (std::vector<uint32_t>{3, 4}));
    EXPECT_EQ(p2.end, off(m, "--outer-inner--") + 15);
    EXPECT_EQ(body(m, pm.parts[3]), "plain");
    EXPECT_EQ(pm.parts[3].parent, 2u);
    EXPECT_EQ(body(m, pm.parts[4]), "<b>html</b>");
    EXPECT_EQ(pm.parts[4].subtype, "html");
    EXPECT_TRUE(pm.parts[4].params.empty());

    const Part& p5 = pm.parts[5];
    EXPECT_EQ(p5.type, "application");
    EXPECT_EQ(p5.subtype, "pdf");
    ASSERT_EQ(p5.params.size(), 1u);
    EXPECT_EQ(p5.params[0], (Param{"name", "\xE2\x82\xAC rate.pdf", "utf-8", ""}));
    ASSERT_TRUE(p5.disposition);
    EXPECT_EQ(p5.disposition->type, "attachment");
    ASSERT_EQ(p5.disposition->params.size(), 2u);
    EXPECT_EQ(p5.disposition->params[0],
              (Param{"filename", "Gr\xC3\xBC\xC3\x9F" "e.pdf", "iso-8859-1", "de"}));
    EXPECT_EQ(p5.encoding, "base64");
    EXPECT_EQ(p5.id, "<pdf@x>");
    EXPECT_EQ(p5.description, "the =?utf-8?q?r=C3=A9sum=C3=A9?=");
    EXPECT_EQ(decode_header_text(*p5.description), "the r\xC3\xA9sum\xC3\xA9");
    EXPECT_EQ(p5.language, (std::vector<std::string>{"de", "en"}));
    EXPECT_EQ(p5.location, "http://example.com/doc.pdf");
    EXPECT_EQ(p5.md5, "Q2hlY2sgSW50ZWdyaXR5IQ==");
    EXPECT_EQ(body(m, p5), "SGVsbG8gV29ybGQ=");
    EXPECT_EQ(p5.end, off(m, "\r\n--outer--"));
    EXPECT_EQ(part_decoded(m, p5), "Hello World");

    EXPECT_EQ(pm.find_section({}), 0u);
    EXPECT_EQ(pm.find_section({2, 2}), 4u);
    EXPECT_EQ(pm.find_section({3}), 5u);
    EXPECT_EQ(pm.find_section({4}), kNoIndex);
    EXPECT_EQ(pm.find_section({1, 1}), kNoIndex);
}

TEST(MessageParser, MissingFinalBoundary) {
    std::string m = load_corpus("missing_final_boundary.eml");
    auto pm = parse_message(m);
    ASSERT_EQ(pm.parts.size(), 3u);
    EXPECT_EQ(body(m, pm.parts[1]), "first");
    const Part& p2 = pm.parts[2];
    EXPECT_EQ(p2.header_start, off(m, "--b1\r\n\r\nsecond") + 6);
    EXPECT_EQ(p2.body_start, p2.header_start + 2);
    EXPECT_EQ(p2.end, m.size());
    EXPECT_EQ(body(m, p2), "second (no header, blank line above)\r\n");
    EXPECT_EQ(p2.type, "text");
    EXPECT_EQ(*p2.param("charset"), "us-ascii");
}

TEST(MessageParser, MessageRfc822InsideMultipart) {
    std::string m = load_corpus("rfc822_in_multipart.eml");
    auto pm = parse_message(m);
    ASSERT_EQ(pm.parts.size(), 6u);
    ASSERT_EQ(pm.envelopes.size(), 2u);
    const Part& msg = pm.parts[2];
    EXPECT_EQ(msg.type, "message");
    EXPECT_EQ(msg.subtype, "rfc822");
    EXPECT_EQ(msg.envelope, 1u);
    EXPECT_EQ(msg.children, (std::vector<uint32_t>{3}));
    const Part& inner = pm.parts[3];
    EXPECT_EQ(inner.header_start, msg.body_start);
    EXPECT_EQ(inner.header_start, off(m, "From: Inner"));
    EXPECT_EQ(inner.end, msg.end);
    EXPECT_EQ(inner.end, off(m, "\r\n--XX--"));
    EXPECT_EQ(inner.subtype, "alternative");
    EXPECT_EQ(inner.children, (std::vector<uint32_t>{4, 5}));
    EXPECT_EQ(msg.lines, 14u);
    const Envelope& e = pm.envelopes[1];
    EXPECT_EQ(e.subject, "inner subject");
    ASSERT_EQ(e.sender.size(), 1u);
    EXPECT_EQ(e.sender[0].mailbox, "sec");
    EXPECT_EQ(e.reply_to, e.from);
    ASSERT_TRUE(e.parsed_date);
    EXPECT_EQ(e.parsed_date->unix_seconds, 884005200);
    EXPECT_EQ(pm.envelope().subject, "Fwd: inner");
    EXPECT_FALSE(pm.envelope().date.has_value());
    // The part header-less text part of the inner multipart.
    EXPECT_EQ(body(m, pm.parts[4]), "inner text");
    EXPECT_FALSE(pm.parts[4].id.has_value());
    // Sections: 2 is the message/rfc822, 2.1 / 2.2 the inner alternatives.
    EXPECT_EQ(pm.find_section({2}), 2u);
    EXPECT_EQ(pm.find_section({2, 1}), 4u);
    EXPECT_EQ(pm.find_section({2, 2}), 5u);
    EXPECT_EQ(pm.find_section({2, 3}), kNoIndex);
}

TEST(MessageParser, DigestChildrenDefaultToMessageRfc822) {
    std::string m = load_corpus("digest.eml");
    auto pm = parse_message(m);
    ASSERT_EQ(pm.parts.size(), 4u);
    EXPECT_EQ(pm.parts[1].type, "message");
    EXPECT_EQ(pm.parts[1].subtype, "rfc822");
    EXPECT_TRUE(pm.parts[1].params.empty());
    EXPECT_EQ(pm.parts[2].parent, 1u);
    EXPECT_EQ(pm.envelopes[pm.parts[1].envelope].subject, "one");
    EXPECT_EQ(body(m, pm.parts[2]), "body one");
    EXPECT_EQ(pm.parts[3].type, "text");
    EXPECT_EQ(pm.find_section({1, 1}), 2u);  // non-multipart nested message: 1.1 is its body
}

TEST(MessageParser, GroupsCommentsAndObsoleteDate) {
    std::string m = load_corpus("groups.eml");
    auto pm = parse_message(m);
    const Envelope& e = pm.envelope();
    ASSERT_EQ(e.to.size(), 7u);
    EXPECT_EQ(e.to[0].kind, Address::Kind::group_start);
    EXPECT_EQ(e.to[0].name, "A Group");
    EXPECT_EQ(e.to[4].kind, Address::Kind::group_end);
    EXPECT_EQ(e.to[5].name, "Undisclosed recipients");
    ASSERT_EQ(e.cc.size(), 2u);
    EXPECT_EQ(e.cc[0].name, "Hidden recipients");
    EXPECT_EQ(e.cc[1].kind, Address::Kind::group_end);
    ASSERT_EQ(e.reply_to.size(), 1u);
    EXPECT_EQ(e.reply_to[0].adl, "@relay1.example,@relay2.example");
    ASSERT_EQ(e.bcc.size(), 1u);
    EXPECT_EQ(e.bcc[0].name, "Bob Smith");
    EXPECT_EQ(e.from[0].name, "Pete");
    ASSERT_TRUE(e.parsed_date);
    EXPECT_EQ(e.parsed_date->unix_seconds, -27723480);
    EXPECT_EQ(e.parsed_date->offset_minutes, -210);
    EXPECT_EQ(e.date.value().substr(0, 4), "Thu,");
    EXPECT_EQ(e.date.value().find('\r'), std::string::npos);  // unfolded
}

TEST(MessageParser, HeaderOnlyEmptyAndNoBlankLine) {
    std::string h = load_corpus("header_only.eml");
    auto ph = parse_message(h);
    EXPECT_EQ(ph.root().body_start, h.size());
    EXPECT_EQ(ph.root().end, h.size());
    EXPECT_EQ(ph.root().lines, 0u);
    EXPECT_FALSE(ph.root().has_blank_line);
    EXPECT_EQ(ph.envelope().subject, "header only");

    auto pe = parse_message("");
    ASSERT_EQ(pe.parts.size(), 1u);
    EXPECT_EQ(pe.root().end, 0u);
    EXPECT_EQ(pe.root().type, "text");
    EXPECT_FALSE(pe.envelope().subject.has_value());
    EXPECT_TRUE(pe.envelope().from.empty());
    EXPECT_EQ(load_corpus("empty.eml"), "");

    std::string b = load_corpus("body_without_blank_line.eml");
    auto pb = parse_message(b);
    EXPECT_EQ(pb.root().body_start, off(b, "this line"));
    EXPECT_EQ(pb.root().lines, 2u);
    EXPECT_EQ(pb.envelope().subject, "no blank line");
}

TEST(MessageParser, LfOnlyInputIsCanonicalizedFirst) {
    std::string lf = "Subject: x\nContent-Type: multipart/mixed; boundary=q\n\n--q\n\na\n--q--\n";
    std::string m = canonicalize_crlf(lf);
    auto pm = parse_message(m);
    ASSERT_EQ(pm.parts.size(), 2u);
    EXPECT_EQ(body(m, pm.parts[1]), "a");
    // Parsing LF-only bytes directly still finds the structure.
    auto raw = parse_message(lf);
    ASSERT_EQ(raw.parts.size(), 2u);
    EXPECT_EQ(lf.substr(raw.parts[1].body_start, raw.parts[1].size()), "a");
}

TEST(MessageParser, DeepNestingIsCapped) {
    std::string m = load_corpus("deep_nesting.eml");
    auto pm = parse_message(m);
    // Root + kMaxDepth nested multiparts, the last one opaque with one child.
    uint32_t depth = 0, cur = 0;
    while (!pm.parts[cur].children.empty()) {
        cur = pm.parts[cur].children[0];
        ++depth;
    }
    EXPECT_EQ(depth, kMaxDepth + 1);
    EXPECT_TRUE(pm.parts[pm.parts[cur].parent].truncated);
    EXPECT_EQ(pm.parts[cur].type, "text");
    EXPECT_EQ(pm.parts[cur].header_start, pm.parts[cur].body_start);
    EXPECT_EQ(pm.parts.size(), kMaxDepth + 2);
    EXPECT_EQ(pm.envelope().subject, "deep");
}

TEST(MessageParser, PartCountIsCapped) {
    std::string m = "Content-Type: multipart/mixed; boundary=z\r\n\r\n";
    for (int i = 0; i < 3000; ++i) m += "--z\r\n\r\nx\r\n";
    m += "--z--\r\n";
    auto pm = parse_message(m);
    EXPECT_EQ(pm.parts.size(), kMaxParts);
    EXPECT_TRUE(pm.root().truncated);
    EXPECT_EQ(pm.root().children.size(), kMaxParts - 1);
}

TEST(MessageParser, MultipartWithoutBoundaryGetsOpaqueChild) {
    std::string m = "Content-Type: multipart/mixed\r\n\r\nno parts here\r\n";
    auto pm = parse_message(m);
    ASSERT_EQ(pm.parts.size(), 2u);
    EXPECT_EQ(pm.root().children, (std::vector<uint32_t>{1}));
    EXPECT_EQ(body(m, pm.parts[1]), "no parts here\r\n");
    // Boundary given but never used: the same.
    std::string n = "Content-Type: multipart/mixed; boundary=nope\r\n\r\nbody\r\n";
    auto pn = parse_message(n);
    ASSERT_EQ(pn.parts.size(), 2u);
    EXPECT_EQ(body(n, pn.parts[1]), "body\r\n");
}

TEST(MessageParser, BoundaryPrefixInsideLineIsNotABoundary) {
    std::string m =
        "Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\n--abc\r\nx --ab\r\n--ab--\r\n";
    auto pm = parse_message(m);
    ASSERT_EQ(pm.parts.size(), 2u);
    EXPECT_EQ(body(m, pm.parts[1]), "--abc\r\nx --ab");
    EXPECT_EQ(pm.parts[1].lines, 2u);
}

TEST(MessageParser, SectionsOfASinglePartMessage) {
    std::string m = "Subject: s\r\n\r\nbody\r\n";
    auto pm = parse_message(m);
    EXPECT_EQ(pm.find_section({1}), 0u);  // RFC 9051 6.4.5: part 1 of a non-multipart message
    EXPECT_EQ(pm.find_section({2}), kNoIndex);
    EXPECT_EQ(pm.find_section({1, 1}), kNoIndex);
    EXPECT_EQ(pm.find_section({0}), kNoIndex);
}

TEST(MessageParser, EnvelopeRawValuesAndDefaults) {
    std::string m =
        "From: a@b\r\nSender:\r\nReply-To: <r@b>\r\nIn-Reply-To: <x@y>\r\n <z@w>\r\n"
        "Subject: first\r\nSubject: second\r\nDate: bogus\r\n\r\n";
    auto pm = parse_message(m);
    const Envelope& e = pm.envelope();
    EXPECT_EQ(e.sender, e.from);  // present but empty: defaults to From
    ASSERT_EQ(e.reply_to.size(), 1u);
    EXPECT_EQ(e.reply_to[0].mailbox, "r");
    EXPECT_EQ(e.in_reply_to, "<x@y> <z@w>");
    EXPECT_EQ(e.subject, "first");
    EXPECT_EQ(e.date, "bogus");
    EXPECT_FALSE(e.parsed_date);
    EXPECT_EQ(summarize(m).fields.sent_date, 0);
}
