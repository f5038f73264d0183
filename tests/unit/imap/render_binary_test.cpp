// BINARY[] / BINARY.SIZE (RFC 3516) decoding.
#include <gtest/gtest.h>

#include "imap/binary_decode.h"
#include "render_test_util.h"

using namespace postamt;
using namespace postamt::imap;

namespace {
Section part(std::vector<uint32_t> p) {
    Section s;
    s.part = std::move(p);
    return s;
}
}  // namespace

TEST(RenderBinary, KnownEncodings) {
    for (const char* e : {"7bit", "8bit", "binary", "base64", "quoted-printable", "BASE64", "Quoted-Printable"})
        EXPECT_TRUE(binary_encoding_known(e)) << e;
    for (const char* e : {"x-uuencode", "", "7-bit", "base-64", "gzip"})
        EXPECT_FALSE(binary_encoding_known(e)) << e;
}

TEST(RenderBinary, DecodesBase64AndQuotedPrintable) {
    EXPECT_EQ(decode_binary("SGVsbG8s\r\nIHdvcmxk\r\n", "base64"), std::optional<std::string>("Hello, world"));
    EXPECT_EQ(decode_binary("AAEC/w==", "base64"), std::optional<std::string>(std::string("\x00\x01\x02\xff", 4)));
    EXPECT_EQ(decode_binary("caf=C3=A9 =\r\nnext=3D", "quoted-printable"),
              std::optional<std::string>("caf\xC3\xA9 next="));
    EXPECT_EQ(decode_binary("as is\r\n", "7bit"), std::optional<std::string>("as is\r\n"));
    EXPECT_EQ(decode_binary("\x80\x81", "8bit"), std::optional<std::string>("\x80\x81"));
    EXPECT_EQ(decode_binary("x", "x-uuencode"), std::nullopt);
}

TEST(RenderBinary, BrokenBase64IsDecodedLeniently) {
    // Characters outside the alphabet are skipped (RFC 2045 6.8).
    EXPECT_EQ(decode_binary("SGVsbG8*gV29y\r\nbGQ=!!!", "base64"), std::optional<std::string>("Hello World"));
}

TEST(RenderBinary, SizeIsTheDecodedSize) {
    EXPECT_EQ(binary_size("SGVsbG8s\r\nIHdvcmxk\r\n", "base64"), std::optional<uint64_t>(12));
    EXPECT_EQ(binary_size("a=\r\nb", "quoted-printable"), std::optional<uint64_t>(2));
    EXPECT_EQ(binary_size("abc\r\n", "binary"), std::optional<uint64_t>(5));
    EXPECT_EQ(binary_size("abc", "x-unknown"), std::nullopt);
}

TEST(RenderBinary, EncodingForSections) {
    auto pm = test::stored(test::load_message("mixed_attachments.eml"));
    EXPECT_EQ(binary_encoding_for(pm, part({})), "binary");   // BINARY[]: the message as it is
    EXPECT_EQ(binary_encoding_for(pm, part({1})), "7bit");
    EXPECT_EQ(binary_encoding_for(pm, part({2})), "base64");
    EXPECT_EQ(binary_encoding_for(pm, part({3})), "base64");  // "BASE64" lower-cased by the parser
    EXPECT_EQ(binary_encoding_for(pm, part({4})), "binary");  // missing part: empty content

    auto nested = test::stored(test::load_message("nested_rfc822.eml"));
    EXPECT_EQ(binary_encoding_for(nested, part({2})), "binary");  // message/rfc822 sent as is

    // Single-part message: "1" is the body, with the message's encoding.
    auto single = test::stored(mime::canonicalize_crlf(
        "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAEC\n"));
    EXPECT_EQ(binary_encoding_for(single, part({1})), "base64");
    auto l = locate_section(single, part({1}));
    std::string raw = mime::canonicalize_crlf(
        "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAEC\n");
    EXPECT_EQ(decode_binary(raw.substr(l.range.offset, l.range.length), binary_encoding_for(single, part({1}))),
              std::optional<std::string>(std::string("\x00\x01\x02", 3)));

    auto unknown = test::stored(mime::canonicalize_crlf(
        "Content-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin\n"));
    EXPECT_FALSE(binary_encoding_known(binary_encoding_for(unknown, part({1}))));
}

TEST(RenderBinary, DecodedPartOfACorpusMessage) {
    std::string raw = test::load_message("mixed_attachments.eml");
    auto pm = test::stored(raw);
    auto l = locate_section(pm, part({2}));
    ASSERT_TRUE(l.found);
    auto d = decode_binary(raw.substr(l.range.offset, l.range.length), binary_encoding_for(pm, part({2})));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, "%PDF-1.4\n");  // base64 "JVBERi0xLjQK"
}

TEST(RenderBinary, Literal8OnlyForNul) {
    EXPECT_TRUE(binary_needs_literal8(std::string("a\0b", 3)));
    EXPECT_FALSE(binary_needs_literal8("a\x80\xff\r\nb"));
    EXPECT_FALSE(binary_needs_literal8(""));
}
