#include <gtest/gtest.h>

#include "common/log.h"

using postamt::log::quote;

TEST(LogQuote, PlainValuesUnchanged) {
    EXPECT_EQ(quote("user@example.com"), "user@example.com");
    EXPECT_EQ(quote("250-2.0.0"), "250-2.0.0");
    EXPECT_EQ(quote("caf\xC3\xA9"), "caf\xC3\xA9");  // UTF-8 stays readable
}

TEST(LogQuote, EmptyIsQuoted) { EXPECT_EQ(quote(""), "\"\""); }

TEST(LogQuote, SpacesEqualsAndQuotesForceQuoting) {
    EXPECT_EQ(quote("a b"), "\"a b\"");
    EXPECT_EQ(quote("k=v"), "\"k=v\"");
    EXPECT_EQ(quote("say \"hi\""), "\"say \\\"hi\\\"\"");
    EXPECT_EQ(quote("back\\slash"), "\"back\\\\slash\"");
}

TEST(LogQuote, ControlBytesEscaped) {
    EXPECT_EQ(quote("a\r\nb"), "\"a\\x0d\\x0ab\"");
    EXPECT_EQ(quote(std::string("\0", 1)), "\"\\x00\"");
    EXPECT_EQ(quote("\x7f"), "\"\\x7f\"");
    EXPECT_EQ(quote("tab\there"), "\"tab\\x09here\"");
}

TEST(LogQuote, ResultIsOneRecord) {
    // Whatever goes in, the result has no raw control bytes and no unescaped
    // quote inside, so a log line cannot be split or forged.
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    std::string q = quote(all);
    ASSERT_GE(q.size(), 2u);
    EXPECT_EQ(q.front(), '"');
    EXPECT_EQ(q.back(), '"');
    for (std::size_t i = 1; i + 1 < q.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(q[i]);
        EXPECT_FALSE(c < 0x20 || c == 0x7f) << i;
        if (c == '\\') {
            ++i;  // skip the escaped character
            continue;
        }
        EXPECT_NE(c, '"') << i;
    }
}
