#include <gtest/gtest.h>

#include "mime/parsed_message.h"

using namespace postamt::mime;

TEST(Crlf, BareLfAndCrBecomeCrlf) {
    EXPECT_EQ(canonicalize_crlf("a\nb\rc\r\nd"), "a\r\nb\r\nc\r\nd");
    EXPECT_EQ(canonicalize_crlf("\n\n"), "\r\n\r\n");
    EXPECT_EQ(canonicalize_crlf("\r\r\n"), "\r\n\r\n");
    EXPECT_EQ(canonicalize_crlf("x\r"), "x\r\n");
    EXPECT_EQ(canonicalize_crlf(""), "");
}

TEST(Crlf, CanonicalCheck) {
    EXPECT_TRUE(is_canonical_crlf(""));
    EXPECT_TRUE(is_canonical_crlf("a\r\nb\r\n"));
    EXPECT_TRUE(is_canonical_crlf("no line break"));
    EXPECT_FALSE(is_canonical_crlf("a\nb"));
    EXPECT_FALSE(is_canonical_crlf("a\rb"));
    EXPECT_FALSE(is_canonical_crlf("a\r"));
    EXPECT_FALSE(is_canonical_crlf("a\r\n\n"));
    std::string s = "x\ny\rz\r\n";
    EXPECT_TRUE(is_canonical_crlf(canonicalize_crlf(s)));
    EXPECT_EQ(canonicalize_crlf(canonicalize_crlf(s)), canonicalize_crlf(s));
}
