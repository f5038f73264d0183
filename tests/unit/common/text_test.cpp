#include "common/text.h"

#include <gtest/gtest.h>

using namespace postamt::text;
using std::chrono::seconds;

TEST(Text, ToLowerIsAsciiOnly) {
    EXPECT_EQ(to_lower("HeLLo-123"), "hello-123");
    EXPECT_EQ(to_lower("\xC3\x84X"), "\xC3\x84x");  // UTF-8 bytes untouched
    EXPECT_EQ(to_lower('Z'), 'z');
    EXPECT_EQ(to_lower('['), '[');  // just after 'Z'
    EXPECT_EQ(to_lower('@'), '@');  // just before 'A'
}

TEST(Text, Iequals) {
    EXPECT_TRUE(iequals("INBOX", "inbox"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("inbox", "inbo"));
    EXPECT_FALSE(iequals("[", "{"));  // differ by 0x20 but are not letters
    EXPECT_TRUE(istarts_with("STARTTLS", "start"));
    EXPECT_FALSE(istarts_with("ST", "start"));
}

TEST(Text, Trim) {
    EXPECT_EQ(trim("  a b \r\n"), "a b");
    EXPECT_EQ(trim("\t\t"), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim("x"), "x");
}

TEST(Text, SplitKeepsEmptyFields) {
    EXPECT_EQ(split("a,,b", ','), (std::vector<std::string_view>{"a", "", "b"}));
    EXPECT_EQ(split("", ','), (std::vector<std::string_view>{""}));
    EXPECT_EQ(split(",", ','), (std::vector<std::string_view>{"", ""}));
    EXPECT_EQ(split("abc", ','), (std::vector<std::string_view>{"abc"}));
}

TEST(Text, ParseSize) {
    EXPECT_EQ(parse_size("0"), 0u);
    EXPECT_EQ(parse_size("4096"), 4096u);
    EXPECT_EQ(parse_size("512K"), 512u * 1024);
    EXPECT_EQ(parse_size("50M"), 50u << 20);
    EXPECT_EQ(parse_size("50m"), 50u << 20);
    EXPECT_EQ(parse_size("1G"), 1ull << 30);
    EXPECT_EQ(parse_size("2T"), 2ull << 40);
    EXPECT_EQ(parse_size("10MB"), 10u << 20);
    EXPECT_EQ(parse_size("10MiB"), 10u << 20);
    EXPECT_EQ(parse_size("64 MB"), 64u << 20);
    EXPECT_EQ(parse_size(" 7b "), 7u);
    EXPECT_EQ(parse_size("16777216T"), std::nullopt);  // 2^64: overflow
    EXPECT_EQ(parse_size("18446744073709551615"), 18446744073709551615ull);
    EXPECT_EQ(parse_size("18446744073709551616"), std::nullopt);
    for (const char* bad :
         {"", "M", "50X", "-1", "1.5G", "50MX", "50Bi", "5 0M", "50MiBs", "0x10", "+5", "50KBB"})
        EXPECT_EQ(parse_size(bad), std::nullopt) << bad;
}

TEST(Text, ParseDuration) {
    EXPECT_EQ(parse_duration("30s"), seconds(30));
    EXPECT_EQ(parse_duration("5m"), seconds(300));
    EXPECT_EQ(parse_duration("2h"), seconds(7200));
    EXPECT_EQ(parse_duration("30d"), seconds(30 * 86400));
    EXPECT_EQ(parse_duration("1w"), seconds(7 * 86400));
    EXPECT_EQ(parse_duration("1h30m"), seconds(5400));
    EXPECT_EQ(parse_duration("1d2h3m4s"), seconds(86400 + 7200 + 180 + 4));
    EXPECT_EQ(parse_duration("90"), seconds(90));
    EXPECT_EQ(parse_duration("0"), seconds(0));
    EXPECT_EQ(parse_duration("5M"), seconds(300));
    EXPECT_EQ(parse_duration(" 10s "), seconds(10));
    for (const char* bad : {"", "s", "5x", "5ms", "-5s", "1.5h", "30m1h", "1m1m", "1m30", "5 m",
                            "99999999999999999999s", "9223372036854775807m"})
        EXPECT_EQ(parse_duration(bad), std::nullopt) << bad;
    EXPECT_EQ(parse_duration("9223372036854775807"), seconds(9223372036854775807LL));
}

TEST(Text, FormatSizeAndDuration) {
    EXPECT_EQ(format_size(0), "0");
    EXPECT_EQ(format_size(50u << 20), "50M");
    EXPECT_EQ(format_size(1536u * 1024), "1536K");
    EXPECT_EQ(format_size(1ull << 30), "1G");
    EXPECT_EQ(format_size(1000), "1000");
    EXPECT_EQ(format_duration(seconds(0)), "0s");
    EXPECT_EQ(format_duration(seconds(5400)), "1h30m");
    EXPECT_EQ(format_duration(seconds(30 * 86400)), "30d");
    EXPECT_EQ(format_duration(seconds(61)), "1m1s");
    // Round trip.
    for (std::int64_t s : {1, 59, 60, 3599, 3600, 86399, 86401, 1000000})
        EXPECT_EQ(parse_duration(format_duration(seconds(s))), seconds(s)) << s;
    for (std::uint64_t b : {1ull, 1023ull, 1024ull, 5ull << 20, 3ull << 40})
        EXPECT_EQ(parse_size(format_size(b)), b) << b;
}

TEST(Text, EditDistance) {
    EXPECT_EQ(edit_distance("max_mesage_size", "max_message_size"), 1u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("Port", "port"), 0u);
    EXPECT_EQ(edit_distance("lgo", "log"), 1u);  // transposition
    EXPECT_EQ(edit_distance("prot", "port"), 1u);
    EXPECT_EQ(edit_distance("abc", ""), 3u);
}
