#include "imap/mutf7.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

using namespace postamt::imap;

namespace {

// Expected encodings below were computed independently of this code as
// base64(UTF-16BE) with ',' for '/' and the '=' padding dropped.
struct Pair {
    const char* utf8;
    const char* mutf7;
};
const Pair kPairs[] = {
    {"INBOX", "INBOX"},
    {"", ""},
    {"&", "&-"},
    {"a&b", "a&-b"},
    {"&&", "&-&-"},
    {"Entw\xC3\xBC" "rfe", "Entw&APw-rfe"},                     // Entwürfe
    {"~peter/mail/\xE5\x8F\xB0\xE5\x8C\x97/\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
     "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},                        // RFC 3501 5.1.3 example
    {"\xC3\xA4\xC3\xB6", "&AOQA9g-"},                           // äö: one run
    {"\xF0\x9F\x98\x80", "&2D3eAA-"},                           // U+1F600: surrogate pair
    {"\xC3\xA4\xC3\xB6\xF0\x9F\x98\x80", "&AOQA9tg93gA-"},
    {"\xC3\xA4&", "&AOQ-&-"},                                   // run then '&'
    {"\xE2\x98\x83 x", "&JgM- x"},                              // U+2603, space stays
    {"a\x7f" "b", "a&AH8-b"},                                   // DEL is not printable
    {"Sent Items", "Sent Items"},
    {"~!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}", "~!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}"},
};

}  // namespace

TEST(Mutf7, EncodesKnownPairs) {
    for (const auto& p : kPairs) EXPECT_EQ(utf8_to_mutf7(p.utf8), p.mutf7) << p.utf8;
}

TEST(Mutf7, DecodesKnownPairs) {
    for (const auto& p : kPairs) {
        auto d = mutf7_to_utf8(p.mutf7);
        ASSERT_TRUE(d) << p.mutf7;
        EXPECT_EQ(*d, p.utf8) << p.mutf7;
    }
}

TEST(Mutf7, RejectsMalformed) {
    const char* bad[] = {
        "&",              // lone shift
        "a&",             // shift at the end
        "&U,BTFw",        // unterminated run
        "&U,BTFw/-",      // '/' is not in the modified alphabet
        "&AOQ=-",         // padding
        "&AGE-",          // encodes 'a', printable ASCII must stand for itself
        "&ACY-",          // encodes '&' (must be "&-")
        "&ACA-",          // encodes ' '
        "&AB-",           // 12 bits: no whole UTF-16 unit
        "&U,BTF-",        // 30 bits: a whole spare sextet
        "&U,BTFx-",       // non-zero spare bits
        "&AOQ-&APw-",     // two adjacent runs (must be one: &AOQA,A-)
        "&2D0-",          // lone high surrogate
        "&2D0AOQ-",       // high surrogate followed by a non-surrogate
        "&3gA-",          // low surrogate first
        "\xC3\xA4",       // raw 8-bit
        "a\x01" "b",      // raw control
        "tab\there",
        "&-&",            // '&' then shift at the end
        "&AOQ",           // unterminated after valid units
        "&*-",            // not base64
    };
    for (const char* s : bad) EXPECT_FALSE(mutf7_to_utf8(s)) << s;
}

TEST(Mutf7, DecodedControlsAreTheCallersBusiness) {
    auto d = mutf7_to_utf8("a&AAA-b");  // U+0000 encoded, canonical
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, std::string("a\0b", 3));
    EXPECT_EQ(utf8_to_mutf7(std::string("a\0b", 3)), "a&AAA-b");
}

TEST(Mutf7, InvalidUtf8EncodesAsReplacementCharacter) {
    // U+FFFD is UTF-16 FFFD: base64 of FF FD is "//0" -> ",,0".
    EXPECT_EQ(utf8_to_mutf7("a\xFF" "b"), "a&,,0-b");
    EXPECT_EQ(utf8_to_mutf7("\xC3"), "&,,0-");          // truncated sequence
    EXPECT_EQ(utf8_to_mutf7("\xED\xA0\x80"), "&,,3,,f,9-");  // encoded surrogate: 3 x U+FFFD
}

TEST(Mutf7, RoundTripsRandomNames) {
    std::mt19937 rng(12345);
    const uint32_t ranges[][2] = {{0x20, 0x7e}, {0x80, 0x7ff}, {0x800, 0xd7ff}, {0xe000, 0xfffd},
                                  {0x10000, 0x10ffff}, {1, 0x1f}};
    for (int iter = 0; iter < 2000; ++iter) {
        std::string s;
        int n = static_cast<int>(rng() % 12);
        for (int k = 0; k < n; ++k) {
            const auto& r = ranges[rng() % 6];
            uint32_t cp = r[0] + rng() % (r[1] - r[0] + 1);
            if (cp < 0x80) {
                s += static_cast<char>(cp);
            } else if (cp < 0x800) {
                s += static_cast<char>(0xc0 | (cp >> 6));
                s += static_cast<char>(0x80 | (cp & 0x3f));
            } else if (cp < 0x10000) {
                s += static_cast<char>(0xe0 | (cp >> 12));
                s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
                s += static_cast<char>(0x80 | (cp & 0x3f));
            } else {
                s += static_cast<char>(0xf0 | (cp >> 18));
                s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
                s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
                s += static_cast<char>(0x80 | (cp & 0x3f));
            }
        }
        std::string enc = utf8_to_mutf7(s);
        for (char c : enc) {
            auto u = static_cast<unsigned char>(c);
            ASSERT_TRUE(u >= 0x20 && u <= 0x7e) << enc;  // 7-bit printable on the wire
        }
        auto dec = mutf7_to_utf8(enc);
        ASSERT_TRUE(dec) << enc;
        EXPECT_EQ(*dec, s);
    }
}
