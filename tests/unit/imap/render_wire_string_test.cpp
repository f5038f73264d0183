// wire_string.h: quoted strings, literals, atoms on the wire.
#include <gtest/gtest.h>

#include "imap/wire_string.h"

using namespace postamt::imap;

namespace {
std::string str(std::string_view s, bool utf8 = false) {
    std::string o;
    append_string(o, s, utf8);
    return o;
}
std::string astr(std::string_view s, bool utf8 = false) {
    std::string o;
    append_astring(o, s, utf8);
    return o;
}
}  // namespace

TEST(WireString, QuotedWithEscapes) {
    EXPECT_EQ(str("plain"), "\"plain\"");
    EXPECT_EQ(str(""), "\"\"");
    EXPECT_EQ(str("a\"b\\c"), "\"a\\\"b\\\\c\"");
}

TEST(WireString, LiteralForLineBreaksNulAndEightBit) {
    EXPECT_EQ(str("a\r\nb"), "{4}\r\na\r\nb");
    EXPECT_EQ(str(std::string("a\0b", 3)), "\"ab\"");  // NUL fits no IMAP string: dropped
    EXPECT_EQ(str(std::string("a\0\r\n", 4)), "{3}\r\na\r\n");
    EXPECT_EQ(str("caf\xC3\xA9"), "{5}\r\ncaf\xC3\xA9");
    EXPECT_EQ(str(std::string(1025, 'x')).substr(0, 8), "{1025}\r\n");
    EXPECT_EQ(str(std::string(1024, 'x')).front(), '"');
}

TEST(WireString, Utf8QuotedOnlyWhenValid) {
    EXPECT_EQ(str("caf\xC3\xA9", true), "\"caf\xC3\xA9\"");
    EXPECT_EQ(str("caf\xE9", true), "{4}\r\ncaf\xE9");          // Latin-1 byte
    EXPECT_EQ(str("\xED\xA0\x80", true), "{3}\r\n\xED\xA0\x80");  // encoded surrogate
    EXPECT_EQ(str("\xC0\xAF", true), "{2}\r\n\xC0\xAF");          // overlong
    EXPECT_TRUE(quotable("\xF0\x9F\x98\x80", true));
    EXPECT_FALSE(quotable("\xF0\x9F\x98\x80", false));
}

TEST(WireString, NStringNil) {
    std::string o;
    append_nstring(o, std::nullopt);
    append_nstring(o, std::string("x"));
    EXPECT_EQ(o, "NIL\"x\"");
}

TEST(WireString, AstringAtomOrString) {
    EXPECT_EQ(astr("INBOX"), "INBOX");
    EXPECT_EQ(astr("a]b"), "a]b");  // resp-specials are ASTRING-CHARs
    EXPECT_EQ(astr("with space"), "\"with space\"");
    EXPECT_EQ(astr(""), "\"\"");
    EXPECT_EQ(astr("NIL"), "\"NIL\"");
    EXPECT_EQ(astr("nil"), "\"nil\"");
    EXPECT_EQ(astr("NILS"), "NILS");
    EXPECT_EQ(astr("a(b"), "\"a(b\"");
    EXPECT_EQ(astr("a%b"), "\"a%b\"");
    EXPECT_EQ(astr("a*b"), "\"a*b\"");
    EXPECT_EQ(astr("a{b"), "\"a{b\"");
    EXPECT_EQ(astr("\xC3\xA9", true), "\"\xC3\xA9\"");
}

TEST(WireString, Literal8) {
    std::string o;
    append_literal(o, std::string("\0\x01", 2), true);
    EXPECT_EQ(o, std::string("~{2}\r\n\0\x01", 8));
}
