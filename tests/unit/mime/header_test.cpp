#include <gtest/gtest.h>

#include "mime/charset.h"
#include "mime/encoded_word.h"
#include "mime/header.h"

using namespace postamt::mime;

TEST(Header, SplitsFieldsWithOffsetsAndFolding) {
    std::string m = "Subject: hello\r\n  world\r\nX-Empty:\r\nFrom : a@b\r\n\r\nbody";
    auto hb = parse_header(m, 0, m.size());
    ASSERT_EQ(hb.fields.size(), 3u);
    EXPECT_EQ(hb.fields[0].name, "Subject");
    EXPECT_EQ(hb.fields[0].raw_value, " hello\r\n  world");
    EXPECT_EQ(hb.fields[0].offset, 0u);
    EXPECT_EQ(unfold(hb.fields[0].raw_value), "hello  world");
    EXPECT_EQ(hb.fields[1].name, "X-Empty");
    EXPECT_EQ(hb.fields[1].raw_value, "");
    EXPECT_EQ(hb.fields[1].offset, 25u);
    EXPECT_EQ(hb.fields[2].name, "From");  // obs: WSP before the colon
    EXPECT_EQ(hb.fields[2].offset, 35u);
    EXPECT_TRUE(hb.has_blank_line);
    EXPECT_EQ(hb.body_start, m.size() - 4);
    EXPECT_EQ(hb.find("FROM")->raw_value, " a@b");
    EXPECT_EQ(hb.find("x-missing"), nullptr);
}

TEST(Header, LineWithoutColonStartsBody) {
    std::string m = "A: 1\r\nnot a header\r\nB: 2\r\n";
    auto hb = parse_header(m, 0, m.size());
    ASSERT_EQ(hb.fields.size(), 1u);
    EXPECT_FALSE(hb.has_blank_line);
    EXPECT_EQ(hb.body_start, 6u);
    std::string m2 = "Bad Name: x\r\n\r\n";
    EXPECT_EQ(parse_header(m2, 0, m2.size()).body_start, 0u);
}

TEST(Header, EightBitAndLfOnlyAndLimit) {
    std::string m = "X-8: caf\xe9\nY: 2\n\nbody";
    auto hb = parse_header(m, 0, m.size());
    ASSERT_EQ(hb.fields.size(), 2u);
    EXPECT_EQ(hb.fields[0].raw_value, " caf\xe9");
    EXPECT_EQ(hb.body_start, 16u);
    // The limit cuts a header without a blank line.
    auto hb2 = parse_header(m, 0, 10);
    ASSERT_EQ(hb2.fields.size(), 1u);
    EXPECT_EQ(hb2.fields[0].raw_value, " caf\xe9");
    EXPECT_EQ(hb2.body_start, 10u);
    EXPECT_FALSE(hb2.has_blank_line);
}

TEST(EncodedWords, BAndQInSeveralCharsets) {
    EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?Caf=E9?= au lait"), "Caf\xC3\xA9 au lait");
    EXPECT_EQ(decode_encoded_words("=?utf-8?B?w6lsw6h2ZQ==?= =?utf-8?B?IOKCrA==?="),
              "\xC3\xA9l\xC3\xA8ve \xE2\x82\xAC");
    EXPECT_EQ(decode_encoded_words("=?windows-1252?Q?=93quoted=94_=80?="),
              "\xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC");
    EXPECT_EQ(decode_encoded_words("=?koi8-r?B?8NLJ18XU?="),
              "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");  // Привет
    EXPECT_EQ(decode_encoded_words("=?shift_jis?B?k/qWe4zq?="),
              "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");  // 日本語
}

TEST(EncodedWords, WhitespaceRulesAndSplitMultibyte) {
    // RFC 2047 section 8 examples.
    EXPECT_EQ(decode_encoded_words("(=?ISO-8859-1?Q?a?= b)"), "(a b)");
    EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?="), "ab");
    EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?a?=\r\n  =?ISO-8859-1?Q?b?="), "ab");
    EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?a_b?="), "a b");
    // A UTF-8 character split across two words (3-byte euro sign).
    EXPECT_EQ(decode_encoded_words("=?utf-8?Q?=E2=82?= =?utf-8?Q?=AC?="), "\xE2\x82\xAC");
    // RFC 2231 language suffix.
    EXPECT_EQ(decode_encoded_words("=?US-ASCII*EN?Q?Keith_Moore?="), "Keith Moore");
}

TEST(EncodedWords, MalformedIsKeptNotThrown) {
    EXPECT_EQ(decode_encoded_words("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
    EXPECT_EQ(decode_encoded_words("=?utf-8?Q?unterminated"), "=?utf-8?Q?unterminated");
    EXPECT_EQ(decode_encoded_words("=?utf-8?B?////?="), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(decode_encoded_words("=?no-such-charset?Q?x=41?="), "xA");
    EXPECT_EQ(decode_encoded_words("="), "=");
    EXPECT_EQ(decode_encoded_words("=?"), "=?");
}

TEST(Charset, RawHeaderBytesBecomeUtf8) {
    EXPECT_EQ(decode_header_text(" Caf\xe9\tx\r\n y "), "Caf\xC3\xA9 x y");
    EXPECT_EQ(decode_header_text("caf\xC3\xA9"), "caf\xC3\xA9");
    EXPECT_EQ(to_utf8("caf\xe9", "iso-8859-1"), "caf\xC3\xA9");
    EXPECT_EQ(to_utf8("\x80", "windows-1252"), "\xE2\x82\xAC");
    EXPECT_EQ(to_utf8("\xff\xfe", "utf-8"), "\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(to_utf8("+AOk-", "utf-7"), "\xC3\xA9");
}

TEST(EncodedWords, ManyUnterminatedCandidatesStayLinear) {
    std::string s;
    for (int i = 0; i < 100000; ++i) s += "=?a?q?x";
    EXPECT_EQ(decode_encoded_words(s), s);
    std::string t;
    for (int i = 0; i < 50000; ++i) t += "=?a?q?x ";
    t += "?=";
    EXPECT_EQ(decode_encoded_words(t), t);
}

TEST(Charset, SevenBitStatefulCharsetsGoThroughIcu) {
    // ISO-2022-JP "日本" (ESC $ B F| K\ ESC ( B) is pure ASCII bytes.
    EXPECT_EQ(to_utf8("\x1b$BF|K\\\x1b(B", "ISO-2022-JP"), "\xE6\x97\xA5\xE6\x9C\xAC");
    EXPECT_EQ(to_utf8("plain", "koi8-r"), "plain");
    EXPECT_EQ(to_utf8("x", "utf-16be"), "\xEF\xBF\xBD");  // odd byte count: replacement
}
