// The POP3 command parser: every verb, argument rules, and malformed input.
#include <gtest/gtest.h>

#include "pop3/command_parser.h"

namespace postamt::pop3 {
namespace {

Command must_parse(std::string_view line) {
    auto r = parse_command(line);
    EXPECT_TRUE(r.ok()) << "line: " << line << " error: " << r.error;
    return r.command.value_or(Command{});
}

std::string error_of(std::string_view line) {
    auto r = parse_command(line);
    EXPECT_FALSE(r.ok()) << "line was accepted: " << line;
    return r.error;
}

TEST(Pop3Parser, VerbsAreCaseInsensitive) {
    EXPECT_EQ(must_parse("stat").verb, Verb::stat);
    EXPECT_EQ(must_parse("StAt").verb, Verb::stat);
    EXPECT_EQ(must_parse("QUIT").verb, Verb::quit);
    EXPECT_EQ(must_parse("capa").verb, Verb::capa);
    EXPECT_EQ(must_parse("stls").verb, Verb::stls);
    EXPECT_EQ(must_parse("noop").verb, Verb::noop);
    EXPECT_EQ(must_parse("rset").verb, Verb::rset);
    EXPECT_EQ(must_parse("top 1 0").verb, Verb::top);
}

TEST(Pop3Parser, MessageNumbers) {
    auto c = must_parse("RETR 7");
    EXPECT_EQ(c.verb, Verb::retr);
    EXPECT_EQ(c.msg, 7u);
    EXPECT_EQ(must_parse("DELE 2147483647").msg, 2147483647u);
    EXPECT_FALSE(must_parse("LIST").msg.has_value());
    EXPECT_EQ(must_parse("LIST 3").msg, 3u);
    EXPECT_FALSE(must_parse("UIDL").msg.has_value());
    EXPECT_EQ(must_parse("UIDL 12").msg, 12u);
    for (const char* bad :
         {"RETR 0", "RETR -1", "RETR +1", "RETR 1a", "RETR 0x10", "RETR 2147483648",
          "RETR 99999999999", "DELE one", "LIST 1.5", "UIDL -0"})
        EXPECT_EQ(error_of(bad), "Invalid message number") << bad;
}

TEST(Pop3Parser, LeadingZerosAreStillNumbers) { EXPECT_EQ(must_parse("RETR 007").msg, 7u); }

TEST(Pop3Parser, ArgumentCounts) {
    EXPECT_EQ(error_of("RETR"), "Syntax: RETR message");
    EXPECT_EQ(error_of("RETR 1 2"), "Syntax: RETR message");
    EXPECT_EQ(error_of("DELE"), "Syntax: DELE message");
    EXPECT_EQ(error_of("LIST 1 2"), "Syntax: LIST [message]");
    EXPECT_EQ(error_of("TOP 1"), "Syntax: TOP message lines");
    EXPECT_EQ(error_of("TOP 1 2 3"), "Syntax: TOP message lines");
    EXPECT_EQ(error_of("STAT 1"), "Syntax: STAT takes no arguments");
    EXPECT_EQ(error_of("QUIT now"), "Syntax: QUIT takes no arguments");
    EXPECT_EQ(error_of("USER"), "Syntax: USER name");
    EXPECT_EQ(error_of("USER a b"), "Syntax: USER name");
    EXPECT_EQ(error_of("AUTH PLAIN x y"), "Syntax: AUTH [mechanism [initial-response]]");
}

TEST(Pop3Parser, TopLineCount) {
    auto c = must_parse("TOP 3 0");
    EXPECT_EQ(c.msg, 3u);
    EXPECT_EQ(c.lines, 0u);
    EXPECT_EQ(must_parse("TOP 1 4294967295").lines, 4294967295u);
    EXPECT_EQ(error_of("TOP 1 -1"), "Invalid number of lines");
    EXPECT_EQ(error_of("TOP 1 4294967296"), "Invalid number of lines");
    EXPECT_EQ(error_of("TOP 0 1"), "Invalid message number");
}

TEST(Pop3Parser, ExtraSpacesAreTolerated) {
    EXPECT_EQ(must_parse("RETR  5").msg, 5u);
    EXPECT_EQ(must_parse("RETR 5 ").msg, 5u);
    EXPECT_EQ(must_parse("STAT ").verb, Verb::stat);
}

TEST(Pop3Parser, PassTakesTheRestVerbatim) {
    auto c = must_parse("PASS  two  spaces and trailing ");
    EXPECT_EQ(c.verb, Verb::pass);
    EXPECT_EQ(c.arg, " two  spaces and trailing ");
    EXPECT_EQ(must_parse("pass p\xC3\xA4ss").arg, "p\xC3\xA4ss");
    EXPECT_EQ(error_of("PASS"), "PASS needs a password");
    EXPECT_EQ(error_of("PASS " + std::string(300, 'x')), "Password too long");
}

TEST(Pop3Parser, UserAndAuth) {
    EXPECT_EQ(must_parse("USER bob@example.org").arg, "bob@example.org");
    auto a = must_parse("AUTH plain AGJvYgBzZWNyZXQ=");
    EXPECT_EQ(a.verb, Verb::auth);
    EXPECT_EQ(a.arg, "PLAIN");
    EXPECT_EQ(a.initial_response, "AGJvYgBzZWNyZXQ=");
    auto b = must_parse("AUTH");
    EXPECT_TRUE(b.arg.empty());
    EXPECT_FALSE(b.initial_response.has_value());
    EXPECT_EQ(must_parse("AUTH SCRAM-SHA-256 =").initial_response, "=");
    EXPECT_EQ(must_parse("APOP bob 0123456789abcdef").verb, Verb::apop);
}

TEST(Pop3Parser, UnknownAndMalformed) {
    EXPECT_EQ(error_of(""), "Empty command");
    EXPECT_EQ(error_of("HELO"), "Unknown command");
    EXPECT_EQ(error_of("XX"), "Unknown command");
    EXPECT_EQ(error_of("RETRIEVE 1"), "Unknown command");
    EXPECT_EQ(error_of(" STAT"), "Unknown command");
    EXPECT_EQ(error_of("ST\xC3\x84T"), "Unknown command");
    EXPECT_EQ(error_of(std::string("STAT\0", 5)), "Invalid characters in command");
    EXPECT_EQ(error_of("STAT\r"), "Invalid characters in command");
    EXPECT_EQ(error_of("LIST \x1b[1m"), "Invalid characters in command");
    EXPECT_EQ(error_of("USER " + std::string(256, 'u')), "USER: argument too long");
}

TEST(Pop3Parser, VerbNames) {
    EXPECT_EQ(verb_name(Verb::uidl), "UIDL");
    EXPECT_EQ(verb_name(Verb::top), "TOP");
}

}  // namespace
}  // namespace postamt::pop3
