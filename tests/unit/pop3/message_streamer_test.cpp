// RETR/TOP bodies: dot-stuffing (also across chunk boundaries), TOP line
// counting, termination.
#include <gtest/gtest.h>

#include <random>

#include "pop3/message_streamer.h"
#include "pop3/reply.h"

namespace postamt::pop3 {
namespace {

std::string stream(std::string_view msg, std::optional<std::uint32_t> top = std::nullopt,
                   std::size_t chunk = 0) {
    MessageStreamer s(top);
    std::string out;
    if (chunk == 0) chunk = msg.size() ? msg.size() : 1;
    for (std::size_t i = 0; i < msg.size() && !s.done(); i += chunk)
        s.feed(msg.substr(i, chunk), out);
    s.finish(out);
    return out;
}

// Reverses the transmission: what a client reconstructs.
std::string unstuff(std::string_view wire) {
    std::string out;
    std::size_t pos = 0;
    for (;;) {
        std::size_t e = wire.find("\r\n", pos);
        EXPECT_NE(e, std::string_view::npos);
        std::string_view line = wire.substr(pos, e - pos);
        pos = e + 2;
        if (line == ".") {
            EXPECT_EQ(pos, wire.size()) << "terminator must be last";
            return out;
        }
        if (!line.empty() && line[0] == '.') line.remove_prefix(1);
        out.append(line);
        out += "\r\n";
    }
}

const std::string kMsg =
    "From: a@example.net\r\nSubject: dots\r\n\r\n.starts with a dot\r\nmiddle . "
    "dot\r\n..two\r\n.\r\nend\r\n";

TEST(Pop3Streamer, RetrStuffsLinesStartingWithADot) {
    EXPECT_EQ(stream(kMsg),
              "From: a@example.net\r\nSubject: dots\r\n\r\n..starts with a dot\r\nmiddle . "
              "dot\r\n...two\r\n..\r\nend\r\n"
              ".\r\n");
    EXPECT_EQ(unstuff(stream(kMsg)), kMsg);
}

TEST(Pop3Streamer, ChunkBoundariesDoNotMatter) {
    std::string whole = stream(kMsg);
    for (std::size_t chunk = 1; chunk <= kMsg.size(); ++chunk)
        EXPECT_EQ(stream(kMsg, std::nullopt, chunk), whole) << chunk;
}

TEST(Pop3Streamer, RandomMessagesRoundTripInRandomChunks) {
    std::mt19937 rng(42);
    const char alphabet[] = {'.', 'a', '\r', '\n', ' '};
    for (int iter = 0; iter < 300; ++iter) {
        std::string msg;
        std::size_t n = rng() % 200;
        for (std::size_t i = 0; i < n; ++i) msg += alphabet[rng() % 5];
        // Canonical CRLF as the store keeps it: every LF preceded by CR, no bare CR.
        std::string canon;
        for (char c : msg) {
            if (c == '\r') continue;
            if (c == '\n') canon += '\r';
            canon += c;
        }
        std::string whole = stream(canon);
        std::size_t chunk = 1 + rng() % 17;
        EXPECT_EQ(stream(canon, std::nullopt, chunk), whole);
        std::string expect = canon;
        if (!expect.empty() && expect.back() != '\n') expect += "\r\n";
        EXPECT_EQ(unstuff(whole), expect);
    }
}

TEST(Pop3Streamer, UnterminatedLastLineGetsCrlf) {
    EXPECT_EQ(stream("Subject: x\r\n\r\nno newline"), "Subject: x\r\n\r\nno newline\r\n.\r\n");
    EXPECT_EQ(stream("Subject: x\r\n\r\n.dot"), "Subject: x\r\n\r\n..dot\r\n.\r\n");
}

TEST(Pop3Streamer, EmptyMessageIsJustTheTerminator) { EXPECT_EQ(stream(""), ".\r\n"); }

TEST(Pop3Streamer, TopZeroSendsTheHeaderAndTheBlankLine) {
    EXPECT_EQ(stream(kMsg, 0u), "From: a@example.net\r\nSubject: dots\r\n\r\n.\r\n");
    for (std::size_t chunk = 1; chunk < 12; ++chunk)
        EXPECT_EQ(stream(kMsg, 0u, chunk), "From: a@example.net\r\nSubject: dots\r\n\r\n.\r\n");
}

TEST(Pop3Streamer, TopCountsBodyLinesAndStuffsThem) {
    EXPECT_EQ(stream(kMsg, 1u),
              "From: a@example.net\r\nSubject: dots\r\n\r\n..starts with a dot\r\n.\r\n");
    EXPECT_EQ(stream(kMsg, 3u),
              "From: a@example.net\r\nSubject: dots\r\n\r\n..starts with a dot\r\nmiddle . "
              "dot\r\n...two\r\n.\r\n");
    // More lines than the body has: the whole message.
    EXPECT_EQ(stream(kMsg, 100u), stream(kMsg));
}

TEST(Pop3Streamer, TopStopsReadingWhenDone) {
    MessageStreamer s(0u);
    std::string out;
    s.feed("A: b\r\n\r\nbody\r\n", out);
    EXPECT_TRUE(s.done());
    s.feed("more body\r\n", out);
    s.finish(out);
    EXPECT_EQ(out, "A: b\r\n\r\n.\r\n");
}

TEST(Pop3Streamer, TopOfAMessageWithoutBodyIsTheWholeHeader) {
    EXPECT_EQ(stream("A: b\r\nC: d\r\n", 0u), "A: b\r\nC: d\r\n.\r\n");
    EXPECT_EQ(stream("A: b", 5u), "A: b\r\n.\r\n");
}

TEST(Pop3Streamer, FinishTwiceAddsNothing) {
    MessageStreamer s;
    std::string out;
    s.feed("x\r\n", out);
    s.finish(out);
    s.finish(out);
    EXPECT_EQ(out, "x\r\n.\r\n");
}

TEST(Pop3Reply, StatusLinesAndCodes) {
    EXPECT_EQ(ok_line(), "+OK\r\n");
    EXPECT_EQ(ok_line("2 320"), "+OK 2 320\r\n");
    EXPECT_EQ(err_line("busy", RespCode::in_use), "-ERR [IN-USE] busy\r\n");
    EXPECT_EQ(err_line("x", RespCode::login_delay), "-ERR [LOGIN-DELAY] x\r\n");
    EXPECT_EQ(err_line("x", RespCode::sys_temp), "-ERR [SYS/TEMP] x\r\n");
    EXPECT_EQ(err_line("x", RespCode::sys_perm), "-ERR [SYS/PERM] x\r\n");
    EXPECT_EQ(err_line("x", RespCode::auth), "-ERR [AUTH] x\r\n");
    EXPECT_EQ(err_line("inject\r\n+OK fake"), "-ERR inject??+OK fake\r\n");
}

TEST(Pop3Reply, MultilineIsStuffedAndTerminated) {
    EXPECT_EQ(multiline("list", "1 10\r\n.hidden\r\n"), "+OK list\r\n1 10\r\n..hidden\r\n.\r\n");
    EXPECT_EQ(multiline("empty", ""), "+OK empty\r\n.\r\n");
}

}  // namespace
}  // namespace postamt::pop3
