#include <gtest/gtest.h>

#include "common/base64.h"
#include "common/digest.h"

namespace postamt {

TEST(Digest, Sha256KnownVectors) {
    // FIPS 180-2 appendix B.1 and the empty string.
    EXPECT_EQ(hex_lower(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hex_lower(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256("abc").size(), 32u);
}

TEST(Digest, HexLower) {
    EXPECT_EQ(hex_lower(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
    EXPECT_EQ(hex_lower(""), "");
}

TEST(Base64Url, RoundTripAndRefusals) {
    EXPECT_EQ(base64url_encode(std::string("\xfb\xff", 2)), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff", 2));
    EXPECT_EQ(base64url_encode("ab"), "YWI");  // no padding
    EXPECT_FALSE(base64url_decode("+/8"));
    EXPECT_FALSE(base64url_decode("YWI="));
    EXPECT_FALSE(base64url_decode("a"));
}

}  // namespace postamt
