#include "common/base64.h"

#include <gtest/gtest.h>

#include <random>

using postamt::base64_decode;
using postamt::base64_encode;

// RFC 4648 section 10 test vectors.
TEST(Base64, Rfc4648Vectors) {
    const std::pair<const char*, const char*> v[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (auto [plain, enc] : v) {
        EXPECT_EQ(base64_encode(plain), enc);
        EXPECT_EQ(base64_decode(enc), std::optional<std::string>(plain)) << enc;
    }
}

TEST(Base64, AllByteValuesRoundTrip) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    EXPECT_EQ(base64_decode(base64_encode(all)), all);
    std::mt19937 rng(42);
    for (int len = 0; len < 64; ++len) {
        std::string s;
        for (int i = 0; i < len; ++i) s += static_cast<char>(rng());
        EXPECT_EQ(base64_decode(base64_encode(s)), s) << len;
    }
}

TEST(Base64, SaslPlainExample) {
    // RFC 4616 style: "\0user\0pass"
    EXPECT_EQ(base64_encode(std::string("\0tim\0tanstaaftanstaaf", 21)),
              "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
}

TEST(Base64, RejectsMalformed) {
    for (const char* bad : {"Zg", "Zg=", "Z===", "=", "==", "Zm9v=", "Zg==Zg==", "Zg=a", "Zm9v!",
                            "Zm 9v", "Zh==", "Zm9=", "Zg===", "Zm9vY", "\x80\x80\x80\x80"})
        EXPECT_EQ(base64_decode(bad), std::nullopt) << bad;
}

TEST(Base64, NonZeroTrailingBitsRejected) {
    EXPECT_EQ(base64_decode("Zg=="), "f");
    EXPECT_EQ(base64_decode("Zh=="), std::nullopt);  // 'h' leaves bits set
    EXPECT_EQ(base64_decode("Zm8="), "fo");
    EXPECT_EQ(base64_decode("Zm9="), std::nullopt);
}

TEST(Base64, WhitespaceOnlyWhenAllowed) {
    EXPECT_EQ(base64_decode("Zm9v\r\nYmFy"), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9v\r\nYmFy", true), "foobar");
    EXPECT_EQ(base64_decode(" Zm 9v\tYm\nFy ", true), "foobar");
    EXPECT_EQ(base64_decode("Zg=\r\n=", true), "f");
    EXPECT_EQ(base64_decode("\r\n", true), "");
    EXPECT_EQ(base64_decode("Zm9v\fYmFy", true), std::nullopt);  // form feed is not skipped
}
