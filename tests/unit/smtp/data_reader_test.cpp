#include "smtp/data_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace postamt::smtp;
using S = DataReader::Status;

namespace {

// Splits a raw byte stream the way the runner does (at LF; "\r\n" ->
// LineEnd::crlf, lone "\n" -> LineEnd::lf) and feeds it until the reader
// stops asking. Returns the final status and how many bytes were consumed.
struct Outcome {
    S status = S::more;
    std::size_t consumed = 0;
};

Outcome feed_stream(DataReader& r, std::string_view stream) {
    Outcome o;
    std::size_t pos = 0;
    while (pos < stream.size()) {
        std::size_t lf = stream.find('\n', pos);
        if (lf == std::string_view::npos) {
            o.status = r.feed(stream.substr(pos), LineEnd::none);
            pos = stream.size();
        } else {
            std::string_view line = stream.substr(pos, lf - pos);
            LineEnd e = LineEnd::lf;
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
                e = LineEnd::crlf;
            }
            o.status = r.feed(line, e);
            pos = lf + 1;
        }
        if (o.status != S::more) break;
    }
    o.consumed = pos;
    return o;
}

}  // namespace

TEST(SmtpDataReader, SimpleMessage) {
    DataReader r(1000);
    EXPECT_EQ(r.feed("Subject: hi", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed("", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed("body", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(".", LineEnd::crlf), S::done);
    EXPECT_FALSE(r.too_big());
    EXPECT_EQ(r.take(), "Subject: hi\r\n\r\nbody\r\n");
}

TEST(SmtpDataReader, EmptyMessage) {
    DataReader r(1000);
    EXPECT_EQ(r.feed(".", LineEnd::crlf), S::done);
    EXPECT_EQ(r.take(), "");
}

TEST(SmtpDataReader, DotUnstuffing) {
    DataReader r(1000);
    EXPECT_EQ(r.feed("..", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed("..leading", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(".x", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed("a.", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(" .", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(".", LineEnd::crlf), S::done);
    EXPECT_EQ(r.take(), ".\r\n.leading\r\nx\r\na.\r\n .\r\n");
}

TEST(SmtpDataReader, FragmentsOfLongLines) {
    DataReader r(1000);
    EXPECT_EQ(r.feed(".abc", LineEnd::none), S::more);
    EXPECT_EQ(r.feed(".def", LineEnd::none), S::more);  // not at line start: kept
    EXPECT_EQ(r.feed("", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(".", LineEnd::none), S::more);  // a "." fragment is not the end yet
    EXPECT_EQ(r.feed("x", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(".", LineEnd::none), S::more);
    EXPECT_EQ(r.feed("", LineEnd::crlf), S::done);  // "." then CRLF: the end
    EXPECT_EQ(r.take(), "abc.def\r\nx\r\n");
}

TEST(SmtpDataReader, CrSplitFromLfAcrossFragments) {
    DataReader r(1000);
    EXPECT_EQ(r.feed("abc\r", LineEnd::none), S::more);
    EXPECT_EQ(r.feed("", LineEnd::lf), S::more);  // it was a CRLF after all
    EXPECT_EQ(r.feed(".\r", LineEnd::none), S::more);
    EXPECT_EQ(r.feed("", LineEnd::lf), S::done);
    EXPECT_EQ(r.take(), "abc\r\n");
    DataReader bad(1000);
    EXPECT_EQ(bad.feed("abc\r", LineEnd::none), S::more);
    EXPECT_EQ(bad.feed("def", LineEnd::crlf), S::bare_cr);
}

TEST(SmtpDataReader, SizeLimitKeepsConsuming) {
    DataReader r(10);
    EXPECT_EQ(r.feed("0123456789", LineEnd::crlf), S::more);  // 12 bytes > 10
    EXPECT_TRUE(r.too_big());
    EXPECT_EQ(r.feed("more", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(".", LineEnd::crlf), S::done);
    EXPECT_TRUE(r.too_big());
    EXPECT_EQ(r.size(), 18u);
    EXPECT_TRUE(r.take().empty());
}

TEST(SmtpDataReader, ExactlyAtLimit) {
    DataReader r(5);
    EXPECT_EQ(r.feed("abc", LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(".", LineEnd::crlf), S::done);
    EXPECT_FALSE(r.too_big());
    EXPECT_EQ(r.take(), "abc\r\n");
}

TEST(SmtpDataReader, StatusIsSticky) {
    DataReader r(100);
    EXPECT_EQ(r.feed("a", LineEnd::lf), S::bare_lf);
    EXPECT_EQ(r.feed(".", LineEnd::crlf), S::bare_lf);
    DataReader d(100);
    EXPECT_EQ(d.feed(".", LineEnd::crlf), S::done);
    EXPECT_EQ(d.feed("x", LineEnd::crlf), S::done);
}

// The SMTP smuggling family (2023): none of these may end DATA. Each stream
// below is what a client sends after "354", with a smuggled second message
// after the fake end; the reader must refuse (bare LF/CR) before it ever
// reaches the real end, so nothing after the fake end is read as commands.
struct SmugglingCase {
    const char* name;
    std::string stream;
};

class SmtpSmuggling : public ::testing::TestWithParam<SmugglingCase> {};

TEST_P(SmtpSmuggling, NeverEndsEarly) {
    const auto& c = GetParam();
    DataReader r(1 << 20);
    Outcome o = feed_stream(r, c.stream);
    EXPECT_NE(o.status, S::done) << c.name;
    EXPECT_TRUE(o.status == S::bare_lf || o.status == S::bare_cr) << c.name;
    // The refusal comes no later than the line holding the smuggled MAIL
    // (with bare CRs the runner's line runs on to the next LF): no byte of
    // the smuggled commands is ever looked at as a separate line.
    std::size_t smuggled = c.stream.find("MAIL FROM");
    EXPECT_LE(o.consumed, c.stream.find('\n', smuggled) + 1) << c.name;
}

const std::string kSmuggled =
    "MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<victim@example.com>\r\nDATA\r\n";

INSTANTIATE_TEST_SUITE_P(
    Variants, SmtpSmuggling,
    ::testing::Values(
        SmugglingCase{"lf_dot_lf", "Subject: a\r\n\r\nbody\n.\n" + kSmuggled},
        SmugglingCase{"cr_dot_cr", "Subject: a\r\n\r\nbody\r.\r" + kSmuggled},
        SmugglingCase{"lf_dot_crlf", "Subject: a\r\n\r\nbody\n.\r\n" + kSmuggled},
        SmugglingCase{"crlf_dot_lf", "Subject: a\r\n\r\nbody\r\n.\n" + kSmuggled},
        SmugglingCase{"dot_cr_crlf", "Subject: a\r\n\r\nbody\r\n.\r\r\n" + kSmuggled},
        SmugglingCase{"cr_dot_crlf", "Subject: a\r\n\r\nbody\r.\r\n" + kSmuggled},
        SmugglingCase{"crlf_dot_cr", "Subject: a\r\n\r\nbody\r\n.\r" + kSmuggled},
        SmugglingCase{"cr_cr_lf_dot", "Subject: a\r\n\r\nbody\r\r\n.\r\n" + kSmuggled},
        SmugglingCase{"lf_lf_dot", "Subject: a\r\n\r\nbody\n\n.\r\n" + kSmuggled},
        SmugglingCase{"crlf_dot_lf_crlf", "Subject: a\r\n\r\nbody\r\n.\n\r\n" + kSmuggled},
        SmugglingCase{"nul_dot",
                      std::string("Subject: a\r\n\r\nbody\r\n.\0\r\n\n", 25) + kSmuggled}),
    [](const ::testing::TestParamInfo<SmugglingCase>& i) { return std::string(i.param.name); });

TEST(SmtpDataReader, NulDotLineIsContentNotEnd) {
    // ".\0" then CRLF is not the end marker (and is not a bare newline either).
    DataReader r(100);
    EXPECT_EQ(r.feed(std::string_view(".\0", 2), LineEnd::crlf), S::more);
    EXPECT_EQ(r.feed(".", LineEnd::crlf), S::done);
    EXPECT_EQ(r.take(), std::string("\0\r\n", 3));
}

TEST(SmtpDataReader, OnlyCrlfDotCrlfEnds) {
    std::string stream = "a\r\n.\r\nMAIL FROM:<x@y.example>\r\n";
    DataReader r(100);
    Outcome o = feed_stream(r, stream);
    EXPECT_EQ(o.status, S::done);
    EXPECT_EQ(o.consumed, 6u);  // stopped right after ".\r\n"
    EXPECT_EQ(r.take(), "a\r\n");
}

TEST(SmtpChunkAccumulator, AccumulatesAndLimits) {
    ChunkAccumulator c(10);
    c.append("hello");
    c.append(" world\n.\n");  // raw bytes, no line rules in BDAT
    EXPECT_TRUE(c.too_big());
    EXPECT_EQ(c.size(), 14u);
    EXPECT_TRUE(c.take().empty());
    ChunkAccumulator ok(100);
    ok.append("a\n.\nb");
    EXPECT_FALSE(ok.too_big());
    EXPECT_EQ(ok.take(), "a\n.\nb");
}
