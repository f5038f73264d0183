// The parts of smtp_client.h that are pure; the session itself is tested
// end to end in tests/integration/test_smtp_client.py.
#include "smtp/smtp_client.h"

#include <gtest/gtest.h>

using namespace postamt::smtp;

TEST(SmarthostSetting, HostAndPort) {
    auto hp = parse_host_port("smtp.Provider.example", 587);
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->first, "smtp.provider.example");
    EXPECT_EQ(hp->second, 587);
    hp = parse_host_port("smtp.provider.example:465", 587);
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->second, 465);
    hp = parse_host_port("127.0.0.1:2525", 587);
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->first, "127.0.0.1");
    EXPECT_EQ(hp->second, 2525);
    hp = parse_host_port("[2001:db8::1]:25", 587);
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->first, "2001:db8::1");
    EXPECT_EQ(hp->second, 25);
    hp = parse_host_port("2001:db8::1", 587);
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->first, "2001:db8::1");
    EXPECT_EQ(hp->second, 587);
}

TEST(SmarthostSetting, Malformed) {
    for (const char* bad : {"", ":25", "host:", "host:0", "host:65536", "host:2x", "[::1", "[::1]x",
                            "[]:25", "[::1]:"})
        EXPECT_FALSE(parse_host_port(bad, 587)) << bad;
}
