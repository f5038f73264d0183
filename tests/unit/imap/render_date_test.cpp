// INTERNALDATE output, APPEND date-time and SEARCH date parsing.
#include <gtest/gtest.h>

#include "imap/imap_date.h"

using namespace postamt::imap;

TEST(RenderDate, FormatsUtcAndZones) {
    EXPECT_EQ(format_date_time(0), "01-Jan-1970 00:00:00 +0000");
    // 1996-07-17 09:44:25 UTC = 837596665 (RFC 9051 example at -0700).
    EXPECT_EQ(format_date_time(837596665, -420), "17-Jul-1996 02:44:25 -0700");
    EXPECT_EQ(format_date_time(837596665), "17-Jul-1996 09:44:25 +0000");
    EXPECT_EQ(format_date_time(951782400), "29-Feb-2000 00:00:00 +0000");  // leap day
    EXPECT_EQ(format_date_time(1700000000, 330), "15-Nov-2023 03:43:20 +0530");
    EXPECT_EQ(format_date_time(-1), "31-Dec-1969 23:59:59 +0000");
}

TEST(RenderDate, FormatClampsTheYearToFourDigits) {
    EXPECT_EQ(format_date_time(INT64_MAX), "31-Dec-9999 23:59:59 +0000");
    EXPECT_EQ(format_date_time(INT64_MIN / 2), "01-Jan-0000 00:00:00 +0000");
    EXPECT_EQ(format_date_time(0, 100000), "01-Jan-1970 00:00:00 +0000");  // absurd zone ignored
}

TEST(RenderDate, ParsesAppendDateTime) {
    auto d = parse_date_time("17-Jul-1996 02:44:25 -0700");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->unix_seconds, 837596665);
    EXPECT_EQ(d->offset_minutes, -420);
    EXPECT_EQ(parse_date_time("\"17-Jul-1996 02:44:25 -0700\""), d);  // quoted
    EXPECT_EQ(parse_date_time("17-JUL-1996 02:44:25 -0700"), d);      // month case-insensitive
    auto one = parse_date_time(" 1-Jan-2000 00:00:00 +0000");         // date-day-fixed SP DIGIT
    ASSERT_TRUE(one);
    EXPECT_EQ(one->unix_seconds, 946684800);
    EXPECT_EQ(parse_date_time("1-Jan-2000 00:00:00 +0000"), one);     // lenient: no space
    EXPECT_EQ(parse_date_time("01-Jan-2000 00:00:00 +0000"), one);
    auto z = parse_date_time("01-Jan-2000 05:30:00 +0530");
    ASSERT_TRUE(z);
    EXPECT_EQ(z->unix_seconds, 946684800);
    EXPECT_EQ(z->offset_minutes, 330);
    EXPECT_TRUE(parse_date_time("29-Feb-2024 23:59:59 +2359"));
}

TEST(RenderDate, RejectsInvalidDateTime) {
    for (const char* s : {
             "", "17-Jul-1996", "17-Jul-1996 02:44:25", "17-Jul-1996 02:44:25 0700",
             "17-Jul-1996 02:44:25 -070", "17-Jul-1996 02:44:25 -07000", "17-Jul-96 02:44:25 -0700",
             "17-Jux-1996 02:44:25 -0700", "32-Jul-1996 02:44:25 -0700", "00-Jul-1996 02:44:25 -0700",
             "31-Apr-1996 02:44:25 -0700", "29-Feb-2023 02:44:25 -0700", "29-Feb-1900 00:00:00 +0000",
             "17-Jul-1996 24:00:00 -0700", "17-Jul-1996 02:60:00 -0700", "17-Jul-1996 02:44:60 -0700",
             "17-Jul-1996 02:44:25 -0760", "17-Jul-1996 02:44:25 +2400", "17-Jul-1996  2:44:25 -0700",
             "17 Jul 1996 02:44:25 -0700", "17-Jul-1996 02:44:25 -0700 ", "x17-Jul-1996 02:44:25 -0700",
             "\"17-Jul-1996 02:44:25 -0700", "  1-Jan-2000 00:00:00 +0000", "1a-Jan-2000 00:00:00 +0000",
             "17-Jul-1996T02:44:25 -0700", "17-Jul-1996 02:44:25 \xE2\x88\x92" "0700",  // U+2212 minus
         })
        EXPECT_FALSE(parse_date_time(s)) << s;
    EXPECT_TRUE(parse_date_time("29-Feb-2000 00:00:00 +0000"));  // 2000 is a leap year
}

TEST(RenderDate, ParsesSearchDates) {
    auto d = parse_search_date("1-Feb-1994");
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, (CivilDate{1994, 2, 1}));
    EXPECT_EQ(parse_search_date("01-feb-1994"), d);
    EXPECT_EQ(parse_search_date("\"1-Feb-1994\""), d);
    EXPECT_EQ(d->days(), 8797);  // 1994-02-01
    EXPECT_EQ(d->unix_midnight_utc(), 8797 * 86400);
    for (const char* s : {"", "1-Feb-94", "001-Feb-1994", "1-Feb-1994 ", " 1-Feb-1994", "30-Feb-1994",
                          "1-Fbe-1994", "1/Feb/1994", "1-Feb-19944", "\"1-Feb-1994", "1-Feb-1994\""})
        EXPECT_FALSE(parse_search_date(s)) << s;
}

TEST(RenderDate, CivilDateOfInstants) {
    EXPECT_EQ(civil_date_of(837596665), (CivilDate{1996, 7, 17}));
    EXPECT_EQ(civil_date_of(837596665 - 10 * 3600, 0), (CivilDate{1996, 7, 16}));
    EXPECT_EQ(civil_date_of(946684799, 0), (CivilDate{1999, 12, 31}));
    EXPECT_EQ(civil_date_of(946684799, 60), (CivilDate{2000, 1, 1}));  // an hour east
    EXPECT_EQ(civil_date_of(-1), (CivilDate{1969, 12, 31}));
}

TEST(RenderDate, FormatAndParseRoundTrip) {
    for (int64_t t = -2000000000; t < 4000000000; t += 123456789) {
        for (int off : {0, -420, 330, 840, -720}) {
            auto p = parse_date_time(format_date_time(t, off));
            ASSERT_TRUE(p) << t;
            EXPECT_EQ(p->unix_seconds, t);
            EXPECT_EQ(p->offset_minutes, off);
        }
    }
}
