#include "smtp/address.h"

#include <gtest/gtest.h>

#include <string>

using namespace postamt::smtp;

namespace {

std::optional<ParsedPath> rcpt(std::string_view s, PathError* e = nullptr) {
    PathOptions o;
    o.allow_bare_postmaster = true;
    return parse_path(s, o, e);
}
std::optional<ParsedPath> mail(std::string_view s, PathError* e = nullptr) {
    PathOptions o;
    o.allow_null = true;
    return parse_path(s, o, e);
}

}  // namespace

TEST(SmtpAddress, SimpleMailbox) {
    auto p = rcpt("<John.Doe@Example.COM>");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->path.local, "John.Doe");  // local part case kept (RFC 5321 2.4)
    EXPECT_EQ(p->path.domain, "example.com");
    EXPECT_EQ(p->path.mailbox(), "John.Doe@example.com");
    EXPECT_EQ(p->consumed, 22u);
    EXPECT_FALSE(p->path.needs_smtputf8);
    EXPECT_FALSE(p->path.null);
}

TEST(SmtpAddress, ConsumedStopsAtClosingBracket) {
    auto p = mail("<a@b.example> SIZE=10");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->consumed, 13u);
}

TEST(SmtpAddress, NullSenderOnlyWhereAllowed) {
    auto p = mail("<>");
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->path.null);
    EXPECT_EQ(p->path.mailbox(), "");
    PathError e;
    EXPECT_FALSE(rcpt("<>", &e));
    EXPECT_EQ(e, PathError::not_allowed);
}

TEST(SmtpAddress, QuotedLocalPartIsUnquoted) {
    auto p = rcpt(R"(<"a b"@example.com>)");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->path.local, "a b");
    EXPECT_EQ(p->path.mailbox(), R"("a b"@example.com)");
}

TEST(SmtpAddress, QuotedLocalPartWithEscapes) {
    auto p = rcpt(R"(<"a\"b\\c"@example.com>)");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->path.local, R"(a"b\c)");
    EXPECT_EQ(p->path.mailbox(), R"("a\"b\\c"@example.com)");
}

TEST(SmtpAddress, NeedlesslyQuotedLocalPartBecomesDotString) {
    auto p = rcpt(R"(<"john.doe"@example.com>)");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->path.local, "john.doe");
    EXPECT_EQ(p->path.mailbox(), "john.doe@example.com");
}

TEST(SmtpAddress, QuotedLocalPartMayContainAngleBracket) {
    auto p = rcpt(R"(<"a>b"@example.com>)");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->path.local, "a>b");
    EXPECT_EQ(p->path.domain, "example.com");
}

TEST(SmtpAddress, UnbalancedQuotesRejected) {
    EXPECT_FALSE(rcpt(R"(<"abc@example.com>)"));
    EXPECT_FALSE(rcpt(R"(<abc"@example.com>)"));
    EXPECT_FALSE(rcpt(R"(<"a\"@example.com>)"));
}

TEST(SmtpAddress, BadDotStrings) {
    EXPECT_FALSE(rcpt("<.a@example.com>"));
    EXPECT_FALSE(rcpt("<a.@example.com>"));
    EXPECT_FALSE(rcpt("<a..b@example.com>"));
    EXPECT_FALSE(rcpt("<a b@example.com>"));
    EXPECT_FALSE(rcpt("<a(b)@example.com>"));
    EXPECT_FALSE(rcpt("<a@b@example.com>"));
    EXPECT_FALSE(rcpt("<@example.com>"));
    EXPECT_TRUE(rcpt("<a+tag!#$%&'*/=?^_`{|}~-@example.com>"));
}

TEST(SmtpAddress, BadDomains) {
    EXPECT_FALSE(rcpt("<a@>"));
    EXPECT_FALSE(rcpt("<a@-example.com>"));
    EXPECT_FALSE(rcpt("<a@example-.com>"));
    EXPECT_FALSE(rcpt("<a@example..com>"));
    EXPECT_FALSE(rcpt("<a@.example.com>"));
    EXPECT_FALSE(rcpt("<a@example.com.>"));
    EXPECT_FALSE(rcpt("<a@exa_mple.com>"));
    EXPECT_FALSE(rcpt("<a@" + std::string(64, 'x') + ".com>"));
    EXPECT_TRUE(rcpt("<a@" + std::string(63, 'x') + ".com>"));
    EXPECT_TRUE(rcpt("<a@xn--bcher-kva.example>"));
}

TEST(SmtpAddress, MissingBrackets) {
    EXPECT_FALSE(rcpt("a@example.com"));
    EXPECT_FALSE(rcpt("<a@example.com"));
    EXPECT_FALSE(rcpt(""));
}

TEST(SmtpAddress, ControlCharactersRejected) {
    EXPECT_FALSE(rcpt(std::string("<a\0b@example.com>", 17)));
    EXPECT_FALSE(rcpt("<a\tb@example.com>"));
    EXPECT_FALSE(rcpt("<\"a\x01\"@example.com>"));
}

TEST(SmtpAddress, LengthLimits) {
    PathError e;
    EXPECT_TRUE(rcpt("<" + std::string(64, 'a') + "@example.com>"));
    EXPECT_FALSE(rcpt("<" + std::string(65, 'a') + "@example.com>", &e));
    EXPECT_EQ(e, PathError::too_long);
    // Quoted: counted as sent.
    EXPECT_FALSE(rcpt("<\"" + std::string(63, 'a') + "\"@example.com>", &e));
    EXPECT_EQ(e, PathError::too_long);
    // Path over 256 octets.
    std::string dom;
    for (int i = 0; i < 5; ++i) dom += std::string(50, 'd') + ".";
    dom += "com";  // 258 chars
    EXPECT_FALSE(rcpt("<a@" + dom + ">", &e));
    EXPECT_EQ(e, PathError::too_long);
}

TEST(SmtpAddress, Utf8AddressesNeedSmtputf8) {
    auto p = rcpt("<jörg@bücher.example>");
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->path.needs_smtputf8);
    EXPECT_EQ(p->path.local, "jörg");
    EXPECT_EQ(p->path.domain, "bücher.example");
    auto q = rcpt("<\"j ö\"@example.com>");
    ASSERT_TRUE(q);
    EXPECT_TRUE(q->path.needs_smtputf8);
    auto ascii = rcpt("<a@EXAMPLE.com>");
    ASSERT_TRUE(ascii);
    EXPECT_FALSE(ascii->path.needs_smtputf8);
}

TEST(SmtpAddress, InvalidUtf8Rejected) {
    EXPECT_FALSE(rcpt("<j\xc3@example.com>"));
    EXPECT_FALSE(rcpt("<a@b\xff.example>"));
    EXPECT_FALSE(rcpt("<\xc0\xaf@example.com>"));      // overlong
    EXPECT_FALSE(rcpt("<\xed\xa0\x80@example.com>"));  // surrogate
}

TEST(SmtpAddress, DomainLowercasedAsciiOnly) {
    auto p = rcpt("<a@BÜCHER.Example>");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->path.domain, "bÜcher.example");
}

TEST(SmtpAddress, SourceRouteIgnored) {
    auto p = rcpt("<@a.example,@b.example:user@c.example>");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->path.mailbox(), "user@c.example");
    EXPECT_FALSE(rcpt("<@a.example:>"));
    EXPECT_FALSE(rcpt("<@a.example,b.example:user@c.example>"));
    EXPECT_FALSE(rcpt("<@a.example user@c.example>"));
    EXPECT_FALSE(rcpt("<@:user@c.example>"));
    EXPECT_TRUE(rcpt("<@[192.0.2.1]:user@c.example>"));
}

TEST(SmtpAddress, AddressLiterals) {
    auto p = rcpt("<a@[192.0.2.1]>");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->path.domain, "[192.0.2.1]");
    auto q = rcpt("<a@[ipv6:2001:DB8::1]>");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->path.domain, "[IPv6:2001:db8::1]");
    EXPECT_FALSE(rcpt("<a@[256.0.0.1]>"));
    EXPECT_FALSE(rcpt("<a@[1.2.3]>"));
    EXPECT_FALSE(rcpt("<a@[1.2.3.4.5]>"));
    EXPECT_FALSE(rcpt("<a@[1.2.3.4>"));
    EXPECT_FALSE(rcpt("<a@[IPv6:zz::1]>"));
    EXPECT_FALSE(rcpt("<a@[IPv6:1:2:3:4:5:6:7:8:9]>"));
    EXPECT_FALSE(rcpt("<a@[x400:foo]>"));
    EXPECT_FALSE(rcpt("<a@[]>"));
}

TEST(SmtpAddress, BarePostmaster) {
    auto p = rcpt("<PostMaster>");
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->path.bare_postmaster);
    EXPECT_TRUE(p->path.is_postmaster());
    EXPECT_EQ(resolver_address(p->path, "Example.COM"), "postmaster@example.com");
    PathError e;
    EXPECT_FALSE(mail("<postmaster>", &e));
    EXPECT_EQ(e, PathError::not_allowed);
    EXPECT_FALSE(rcpt("<\"postmaster\">"));
    EXPECT_FALSE(rcpt("<someone>"));
    auto d = rcpt("<postmaster@example.com>");
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->path.bare_postmaster);
    EXPECT_TRUE(d->path.is_postmaster());
    EXPECT_EQ(resolver_address(d->path, "other.example"), "postmaster@example.com");
}

TEST(SmtpAddress, DomainHelpers) {
    EXPECT_TRUE(is_valid_domain("a.b-c.d", false));
    EXPECT_FALSE(is_valid_domain("bücher.de", false));
    EXPECT_TRUE(is_valid_domain("bücher.de", true));
    EXPECT_FALSE(is_valid_domain("", true));
    EXPECT_EQ(quote_local_part("a b"), "\"a b\"");
    EXPECT_EQ(quote_local_part("a.b"), "a.b");
    EXPECT_EQ(quote_local_part(""), "\"\"");
}
