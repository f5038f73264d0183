// BODY[section] location (RFC 9051 6.4.5) on every section form,
// HEADER.FIELDS filtering and <partial> clipping.
#include <gtest/gtest.h>

#include "imap/section_locator.h"
#include "render_test_util.h"

using namespace postamt;
using namespace postamt::imap;

namespace {

Section sec(std::vector<uint32_t> part, SectionText t = SectionText::none,
            std::vector<std::string> fields = {}) {
    Section s;
    s.part = std::move(part);
    s.text = t;
    s.fields = std::move(fields);
    return s;
}

struct Fixture {
    std::string raw;
    mime::ParsedMessage pm;
    explicit Fixture(const std::string& name) : raw(test::load_message(name)), pm(test::stored(raw)) {}
    SectionLocation at(const Section& s) const { return locate_section(pm, s); }
    std::string bytes(const Section& s) const {
        auto l = at(s);
        EXPECT_LE(l.range.end(), raw.size());
        return raw.substr(l.range.offset, l.range.length);
    }
};

}  // namespace

// Offsets of nested_rfc822.eml (CRLF form, 457 octets), counted by hand:
// the message header ends at 92; part 1's MIME header is [98,126), its
// body [126,138); part 2's MIME header [146,211), its body (the
// encapsulated message) [211,447) with header [211,378) and text
// [378,447); inside it part 2.1 has header [384,386) and body [386,396),
// part 2.2 body [431,439).
TEST(RenderSection, EveryFormOnANestedMessage) {
    Fixture f("nested_rfc822.eml");
    ASSERT_EQ(f.raw.size(), 457u);
    struct Case {
        Section s;
        ByteRange r;
    };
    const Case cases[] = {
        {sec({}), {0, 457}},
        {sec({}, SectionText::header), {0, 92}},
        {sec({}, SectionText::text), {92, 365}},
        {sec({1}), {126, 12}},
        {sec({1}, SectionText::mime), {98, 28}},
        {sec({2}), {211, 236}},
        {sec({2}, SectionText::mime), {146, 65}},
        {sec({2}, SectionText::header), {211, 167}},
        {sec({2}, SectionText::text), {378, 69}},
        {sec({2, 1}), {386, 10}},
        {sec({2, 1}, SectionText::mime), {384, 2}},
        {sec({2, 2}), {431, 8}},
    };
    for (const auto& c : cases) {
        auto l = f.at(c.s);
        EXPECT_TRUE(l.found);
        EXPECT_EQ(l.filter, FieldFilter::none);
        EXPECT_EQ(l.range, c.r) << "offset " << l.range.offset << " length " << l.range.length;
    }
    EXPECT_EQ(f.bytes(sec({1})), "see attached");
    EXPECT_EQ(f.bytes(sec({1}, SectionText::mime)), "Content-Type: text/plain\r\n\r\n");
    EXPECT_EQ(f.bytes(sec({2, 1})), "inner text");
    EXPECT_EQ(f.bytes(sec({2, 2})), "<p>x</p>");
    EXPECT_EQ(f.bytes(sec({2}, SectionText::header)).substr(0, 38), "From: Inner Person <inner@example.org>");
    EXPECT_EQ(f.bytes(sec({2}, SectionText::text)).substr(0, 6), "--YY\r\n");
    EXPECT_EQ(f.bytes(sec({2}, SectionText::mime)),
              "Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n");
}

TEST(RenderSection, HeaderFieldsLocatesTheHeaderAndAsksForFiltering) {
    Fixture f("nested_rfc822.eml");
    auto l = f.at(sec({}, SectionText::header_fields, {"subject", "FROM"}));
    EXPECT_TRUE(l.found);
    EXPECT_EQ(l.range, (ByteRange{0, 92}));
    EXPECT_EQ(l.filter, FieldFilter::fields);
    EXPECT_TRUE(l.blank_line);
    EXPECT_EQ(filter_header_fields(f.bytes(sec({}, SectionText::header)), {"subject", "FROM"}, false),
              "From: outer@example.com\r\nSubject: Fwd: inner\r\n\r\n");

    auto n = f.at(sec({2}, SectionText::header_fields_not, {"content-type", "from", "date"}));
    EXPECT_TRUE(n.found);
    EXPECT_EQ(n.range, (ByteRange{211, 167}));
    EXPECT_EQ(n.filter, FieldFilter::fields_not);
    EXPECT_EQ(filter_header_fields(f.raw.substr(n.range.offset, n.range.length),
                                   {"content-type", "from", "date"}, true),
              "Sender: sec@example.org\r\nSubject: inner subject\r\n\r\n");
}

TEST(RenderSection, MissingPartsAreNotFound) {
    Fixture f("nested_rfc822.eml");
    const Section missing[] = {
        sec({3}),
        sec({0}),
        sec({1, 1}),                            // text part has no sub-parts
        sec({2, 3}),
        sec({2, 1, 1}),
        sec({1}, SectionText::header),          // HEADER of a part that is not a message
        sec({1}, SectionText::text),
        sec({1}, SectionText::header_fields, {"a"}),
        sec({}, SectionText::mime),             // MIME needs a part number
        sec({99, 1}, SectionText::mime),
    };
    for (const auto& s : missing) {
        auto l = f.at(s);
        EXPECT_FALSE(l.found);
        EXPECT_EQ(l.range.length, 0u);
        EXPECT_EQ(l.part, mime::kNoIndex);
    }
}

TEST(RenderSection, NonMultipartMessagePartOneIsTheBody) {
    Fixture f("simple.eml");  // header [0,271), body [271,326)
    EXPECT_EQ(f.at(sec({1})).range, (ByteRange{271, 55}));
    EXPECT_EQ(f.bytes(sec({1})), "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n");
    // The MIME header of the only part is the message header.
    EXPECT_EQ(f.at(sec({1}, SectionText::mime)).range, (ByteRange{0, 271}));
    EXPECT_EQ(f.at(sec({}, SectionText::text)).range, (ByteRange{271, 55}));
    EXPECT_FALSE(f.at(sec({2})).found);
    EXPECT_FALSE(f.at(sec({1, 1})).found);
    EXPECT_FALSE(f.at(sec({1}, SectionText::header)).found);
}

TEST(RenderSection, TopLevelMessageRfc822AddressesTheEncapsulatedMessage) {
    std::string raw = mime::canonicalize_crlf(
        "Subject: outer\nContent-Type: message/rfc822\n\nSubject: inner\n\ninner body\n");
    auto pm = test::stored(raw);
    auto get = [&](const Section& s) {
        auto l = locate_section(pm, s);
        EXPECT_TRUE(l.found);
        return raw.substr(l.range.offset, l.range.length);
    };
    EXPECT_EQ(get(sec({1})), "Subject: inner\r\n\r\ninner body\r\n");
    EXPECT_EQ(get(sec({1}, SectionText::header)), "Subject: inner\r\n\r\n");
    EXPECT_EQ(get(sec({1}, SectionText::text)), "inner body\r\n");
    EXPECT_EQ(get(sec({1, 1})), "inner body\r\n");
    EXPECT_EQ(get(sec({}, SectionText::header)), "Subject: outer\r\nContent-Type: message/rfc822\r\n\r\n");
}

TEST(RenderSection, HeaderWithoutBodyOrBlankLineHasNoBlankLineInFields) {
    Fixture f("header_only.eml");
    auto h = f.at(sec({}, SectionText::header));
    EXPECT_EQ(f.bytes(sec({}, SectionText::header)), "Subject: header only\r\nFrom: x@y\r\n");
    EXPECT_EQ(f.bytes(sec({}, SectionText::text)), "");
    auto l = f.at(sec({}, SectionText::header_fields, {"from"}));
    EXPECT_EQ(l.range, h.range);
    EXPECT_FALSE(l.blank_line);  // RFC 9051 6.4.5: no body and no blank line
    EXPECT_EQ(filter_header_fields(f.bytes(sec({}, SectionText::header)), {"from"}, false, l.blank_line),
              "From: x@y\r\n");
}

TEST(RenderSection, HeaderEndingAtABodyLineStillGetsTheBlankLineInFields) {
    std::string raw = mime::canonicalize_crlf("Subject: s\nthis is body\n");
    auto pm = test::stored(raw);
    auto l = locate_section(pm, sec({}, SectionText::header_fields_not, {"x"}));
    EXPECT_TRUE(l.blank_line);
    EXPECT_EQ(raw.substr(l.range.offset, l.range.length), "Subject: s\r\n");
    EXPECT_EQ(filter_header_fields(raw.substr(l.range.offset, l.range.length), {"x"}, true, l.blank_line),
              "Subject: s\r\n\r\n");
}

TEST(RenderSection, MissingFinalBoundaryLastPartRunsToTheEnd) {
    Fixture f("missing_final_boundary.eml");
    EXPECT_EQ(f.bytes(sec({1})), "first");
    EXPECT_EQ(f.bytes(sec({2})), "second\r\n");
    EXPECT_EQ(f.bytes(sec({2}, SectionText::mime)), "\r\n");
}

TEST(RenderSection, RangesStayInsideTheMessageForTheWholeCorpus) {
    for (const char* name : {"alternative.eml", "mixed_attachments.eml", "digest.eml", "rfc822_garbage.eml",
                             "empty_multipart.eml", "missing_boundary.eml", "header_no_eol.eml"}) {
        Fixture f(name);
        for (uint32_t a = 0; a <= 4; ++a)
            for (uint32_t b = 0; b <= 3; ++b)
                for (auto t : {SectionText::none, SectionText::header, SectionText::text, SectionText::mime,
                               SectionText::header_fields}) {
                    std::vector<uint32_t> path;
                    if (a) path.push_back(a);
                    if (a && b) path.push_back(b);
                    auto l = f.at(sec(path, t, {"subject"}));
                    EXPECT_LE(l.range.end(), f.raw.size()) << name;
                    if (!l.found) {
                        EXPECT_EQ(l.range.length, 0u);
                    }
                }
    }
}

TEST(RenderSection, SectionContentInMemory) {
    Fixture f("nested_rfc822.eml");
    EXPECT_EQ(section_content(f.pm, sec({2, 2}), f.raw), "<p>x</p>");
    EXPECT_EQ(section_content(f.pm, sec({2}, SectionText::header_fields, {"subject"}), f.raw),
              "Subject: inner subject\r\n\r\n");
    EXPECT_EQ(section_content(f.pm, sec({}, SectionText::header_fields_not, {"from", "content-type"}), f.raw),
              "Subject: Fwd: inner\r\n\r\n");
    EXPECT_EQ(section_content(f.pm, sec({7}), f.raw), "");
    EXPECT_EQ(section_content(f.pm, sec({}), f.raw), f.raw);
}

// --- filter_header_fields ---------------------------------------------------

TEST(RenderHeaderFields, KeepsWholeFoldedFieldsInOrderCaseInsensitively) {
    const std::string h =
        "Received: from a\r\n\tby b\r\nSubject: one\r\n two\r\nX-Thing: 1\r\nsubject: again\r\n"
        "To: t@example.com\r\n\r\nBody-Looking: not a header\r\n";
    EXPECT_EQ(filter_header_fields(h, {"SUBJECT", "to"}, false),
              "Subject: one\r\n two\r\nsubject: again\r\nTo: t@example.com\r\n\r\n");
    EXPECT_EQ(filter_header_fields(h, {"SUBJECT", "to"}, true),
              "Received: from a\r\n\tby b\r\nX-Thing: 1\r\n\r\n");
    EXPECT_EQ(filter_header_fields(h, {"body-looking"}, false), "\r\n");
}

TEST(RenderHeaderFields, NameBeforeColonMayHaveTrailingSpace) {
    EXPECT_EQ(filter_header_fields("Subject : x\r\nFrom: y\r\n\r\n", {"subject"}, false), "Subject : x\r\n\r\n");
}

TEST(RenderHeaderFields, PrefixOfANameDoesNotMatch) {
    EXPECT_EQ(filter_header_fields("Subjects: x\r\nSubj: y\r\n\r\n", {"subject"}, false), "\r\n");
}

TEST(RenderHeaderFields, EmptyListKeepsNothingOrEverything) {
    const std::string h = "A: 1\r\nB: 2\r\n\r\n";
    EXPECT_EQ(filter_header_fields(h, {}, false), "\r\n");
    EXPECT_EQ(filter_header_fields(h, {}, true), "A: 1\r\nB: 2\r\n\r\n");
}

TEST(RenderHeaderFields, BareLineEndsAndAMissingFinalLineEndAreMadeCrlf) {
    EXPECT_EQ(filter_header_fields("A: 1\nB: 2\n c\nC: 3", {"b", "c"}, false), "B: 2\r\n c\r\nC: 3\r\n\r\n");
}

TEST(RenderHeaderFields, ContinuationBeforeAnyFieldBelongsToNone) {
    EXPECT_EQ(filter_header_fields(" orphan\r\nA: 1\r\n\r\n", {"a"}, false), "A: 1\r\n\r\n");
    EXPECT_EQ(filter_header_fields(" orphan\r\nA: 1\r\n\r\n", {"a"}, true), " orphan\r\n\r\n");
}

TEST(RenderHeaderFields, NoBlankLineWhenAskedNot) {
    EXPECT_EQ(filter_header_fields("A: 1\r\n", {"a"}, false, false), "A: 1\r\n");
    EXPECT_EQ(filter_header_fields("", {"a"}, false, true), "\r\n");
}

// --- <partial> ------------------------------------------------------------------

TEST(RenderPartial, ClipsRanges) {
    ByteRange r{100, 50};
    EXPECT_EQ(clip_range(r, std::nullopt), r);
    EXPECT_EQ(clip_range(r, Partial{0, 10}), (ByteRange{100, 10}));
    EXPECT_EQ(clip_range(r, Partial{10, 10}), (ByteRange{110, 10}));
    EXPECT_EQ(clip_range(r, Partial{45, 10}), (ByteRange{145, 5}));   // fewer at the end
    EXPECT_EQ(clip_range(r, Partial{50, 10}).length, 0u);             // at the end: empty
    EXPECT_EQ(clip_range(r, Partial{500, 10}).length, 0u);            // beyond: empty
    EXPECT_EQ(clip_range(r, Partial{0, 0}).length, 0u);
    EXPECT_EQ(clip_range(r, Partial{10, UINT64_MAX}), (ByteRange{110, 40}));  // no overflow
}

TEST(RenderPartial, ClipsText) {
    EXPECT_EQ(clip_text("hello world", std::nullopt), "hello world");
    EXPECT_EQ(clip_text("hello world", Partial{6, 100}), "world");
    EXPECT_EQ(clip_text("hello world", Partial{0, 5}), "hello");
    EXPECT_EQ(clip_text("hello", Partial{5, 1}), "");
    EXPECT_EQ(clip_text("hello", Partial{UINT64_MAX, UINT64_MAX}), "");
}
