#include "smtp/command_parser.h"

#include <gtest/gtest.h>

#include <string>

using namespace postamt::smtp;

namespace {

void expect_error(std::string_view line, int code, std::string_view enh) {
    Command c = parse_command(line);
    ASSERT_TRUE(c.error.has_value()) << line;
    EXPECT_EQ(c.error->code, code) << line;
    EXPECT_EQ(c.error->enhanced, enh) << line;
}

Command ok(std::string_view line) {
    Command c = parse_command(line);
    EXPECT_FALSE(c.error.has_value()) << line << ": " << (c.error ? c.error->text : "");
    return c;
}

}  // namespace

TEST(SmtpCommand, VerbsCaseInsensitive) {
    EXPECT_EQ(ok("ehlo client.example").verb, Verb::ehlo);
    EXPECT_EQ(ok("HeLo client.example").verb, Verb::helo);
    EXPECT_EQ(ok("data").verb, Verb::data);
    EXPECT_EQ(ok("rset").verb, Verb::rset);
    EXPECT_EQ(ok("Quit").verb, Verb::quit);
    EXPECT_EQ(ok("noop").verb, Verb::noop);
    EXPECT_EQ(ok("starttls").verb, Verb::starttls);
    EXPECT_EQ(ok("help").verb, Verb::help);
    EXPECT_EQ(ok("mail from:<a@b.example>").verb, Verb::mail);
    EXPECT_EQ(ok("rcpt to:<a@b.example>").verb, Verb::rcpt);
}

TEST(SmtpCommand, EmptyAndUnknown) {
    expect_error("", 500, "5.5.2");
    expect_error("   ", 500, "5.5.2");
    expect_error("FOO", 500, "5.5.1");
    expect_error("MAILFROM:<a@b.example>", 500, "5.5.1");
    expect_error("EHLOX x", 500, "5.5.1");
    EXPECT_EQ(parse_command("FOO bar").verb, Verb::unknown);
}

TEST(SmtpCommand, NulAndControlBytes) {
    expect_error(std::string("NOOP\0x", 6), 500, "5.5.2");
    expect_error(std::string("MAIL FROM:<a\0@b.example>", 24), 500, "5.5.2");
    expect_error("NOOP \x1b[31m", 500, "5.5.2");
    expect_error("NOOP a\rb", 500, "5.5.2");
    expect_error("NOOP \xff\xfe", 500, "5.5.2");
}

TEST(SmtpCommand, TrailingSpacesTolerated) {
    EXPECT_EQ(ok("QUIT   ").verb, Verb::quit);
    EXPECT_EQ(ok("DATA \t").verb, Verb::data);
    Command c = ok("MAIL FROM:<a@b.example>  ");
    EXPECT_EQ(c.path.mailbox(), "a@b.example");
}

TEST(SmtpCommand, EhloArguments) {
    EXPECT_EQ(ok("EHLO mail.example.org").argument, "mail.example.org");
    EXPECT_EQ(ok("EHLO [192.0.2.1]").argument, "[192.0.2.1]");
    EXPECT_EQ(ok("EHLO [IPv6:2001:db8::1]").argument, "[IPv6:2001:db8::1]");
    EXPECT_EQ(ok("HELO my_host").argument, "my_host");
    expect_error("EHLO", 501, "5.5.4");
    expect_error("HELO", 501, "5.5.4");
    expect_error("EHLO [300.1.1.1]", 501, "5.5.2");
    expect_error("EHLO a b", 501, "5.5.2");
    expect_error("EHLO <x>", 501, "5.5.2");
    expect_error("EHLO  x", 501, "5.5.2");
}

TEST(SmtpCommand, MailFromForms) {
    Command c = ok("MAIL FROM:<sender@example.org>");
    EXPECT_EQ(c.path.mailbox(), "sender@example.org");
    EXPECT_EQ(ok("MAIL FROM: <sender@example.org>").path.mailbox(), "sender@example.org");
    EXPECT_TRUE(ok("MAIL FROM:<>").path.null);
    expect_error("MAIL FROM:  <sender@example.org>", 501, "5.1.7");
    expect_error("MAIL FROM <sender@example.org>", 501, "5.5.4");
    expect_error("MAIL FROM:sender@example.org", 501, "5.1.7");
    expect_error("MAIL FROM:<sender@example.org", 501, "5.1.7");
    expect_error("MAIL", 501, "5.5.4");
    expect_error("MAIL TO:<a@b.example>", 501, "5.5.4");
    expect_error("MAIL  FROM:<a@b.example>", 501, "5.5.4");
    expect_error("MAIL FROM:<postmaster>", 501, "5.1.7");
    expect_error("MAIL FROM:<a@b.example>x", 501, "5.1.7");
    expect_error("MAIL FROM:<" + std::string(65, 'a') + "@b.example>", 501, "5.1.7");
}

TEST(SmtpCommand, RcptToForms) {
    EXPECT_EQ(ok("RCPT TO:<u@example.com>").path.mailbox(), "u@example.com");
    EXPECT_EQ(ok("RCPT TO: <u@example.com>").path.mailbox(), "u@example.com");
    EXPECT_TRUE(ok("RCPT TO:<Postmaster>").path.bare_postmaster);
    expect_error("RCPT TO:<>", 501, "5.1.3");
    expect_error("RCPT TO:u@example.com", 501, "5.1.3");
    expect_error("RCPT TO <u@example.com>", 501, "5.5.4");
    expect_error("RCPT FROM:<u@example.com>", 501, "5.5.4");
    expect_error("RCPT TO:<\"u@example.com>", 501, "5.1.3");
    expect_error("RCPT TO:<u@example.com> FOO=bar", 555, "5.5.4");
}

TEST(SmtpCommand, MailParameters) {
    Command c = ok(
        "MAIL FROM:<a@b.example> SIZE=12345 BODY=8bitmime SMTPUTF8 RET=hdrs ENVID=QQ+2Bx AUTH=<>");
    EXPECT_EQ(c.mail.size, 12345u);
    EXPECT_EQ(c.mail.body, BodyType::eight_bit_mime);
    EXPECT_TRUE(c.mail.smtputf8);
    EXPECT_EQ(c.mail.ret, "HDRS");
    EXPECT_EQ(c.mail.envid, "QQ+2Bx");
    EXPECT_EQ(c.mail.auth, "<>");
    EXPECT_EQ(ok("MAIL FROM:<a@b.example> body=7BIT").mail.body, BodyType::seven_bit);
    EXPECT_EQ(ok("MAIL FROM:<a@b.example> BODY=BINARYMIME").mail.body, BodyType::binary_mime);
    EXPECT_EQ(ok("MAIL FROM:<a@b.example>  SIZE=1   SMTPUTF8").mail.size, 1u);
    // Oversized SIZE saturates (rejected later as too big, not as syntax).
    EXPECT_EQ(ok("MAIL FROM:<a@b.example> SIZE=99999999999999999999").mail.size, UINT64_MAX);
}

TEST(SmtpCommand, BadMailParameters) {
    expect_error("MAIL FROM:<a@b.example> SIZE=abc", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> SIZE=", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> SIZE", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> SIZE=-1", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> SIZE=123456789012345678901", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> BODY=9BIT", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> SMTPUTF8=yes", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> RET=ALL", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> ENVID=a+zz", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> ENVID=" + std::string(101, 'x'), 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> SIZE=1 SIZE=2", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> size=1 SIZE=2", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> -X=1", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> X=a=b", 501, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> XFOO", 555, "5.5.4");
    expect_error("MAIL FROM:<a@b.example> NOTIFY=NEVER", 555, "5.5.4");
}

TEST(SmtpCommand, RcptParameters) {
    Command c = ok("RCPT TO:<u@example.com> NOTIFY=success,delay ORCPT=rfc822;u+40example.com");
    EXPECT_EQ(c.rcpt.notify, "SUCCESS,DELAY");
    EXPECT_EQ(c.rcpt.orcpt, "rfc822;u+40example.com");
    EXPECT_EQ(ok("RCPT TO:<u@example.com> NOTIFY=NEVER").rcpt.notify, "NEVER");
    expect_error("RCPT TO:<u@example.com> NOTIFY=NEVER,SUCCESS", 501, "5.5.4");
    expect_error("RCPT TO:<u@example.com> NOTIFY=SUCCESS,SUCCESS", 501, "5.5.4");
    expect_error("RCPT TO:<u@example.com> NOTIFY=", 501, "5.5.4");
    expect_error("RCPT TO:<u@example.com> ORCPT=rfc822", 501, "5.5.4");
    expect_error("RCPT TO:<u@example.com> ORCPT=;x", 501, "5.5.4");
    expect_error("RCPT TO:<u@example.com> SIZE=1", 555, "5.5.4");
}

TEST(SmtpCommand, NoArgumentVerbs) {
    expect_error("DATA x", 501, "5.5.4");
    expect_error("RSET now", 501, "5.5.4");
    expect_error("QUIT please", 501, "5.5.4");
    expect_error("STARTTLS x", 501, "5.5.4");
    EXPECT_EQ(ok("NOOP hello there").argument, "hello there");
    EXPECT_EQ(ok("HELP MAIL").argument, "MAIL");
    EXPECT_EQ(ok("VRFY postmaster").argument, "postmaster");
    expect_error("VRFY", 501, "5.5.4");
    expect_error("EXPN", 501, "5.5.4");
}

TEST(SmtpCommand, Bdat) {
    Command c = ok("BDAT 1000");
    EXPECT_EQ(c.bdat_size, 1000u);
    EXPECT_FALSE(c.bdat_last);
    c = ok("bdat 0 last");
    EXPECT_EQ(c.bdat_size, 0u);
    EXPECT_TRUE(c.bdat_last);
    Command bad = parse_command("BDAT");
    ASSERT_TRUE(bad.error);
    EXPECT_TRUE(bad.lost_sync);
    bad = parse_command("BDAT x LAST");
    EXPECT_TRUE(bad.lost_sync);
    bad = parse_command("BDAT 99999999999999999999999");
    EXPECT_TRUE(bad.lost_sync);
    bad = parse_command("BDAT 10 FIRST");
    ASSERT_TRUE(bad.error);
    EXPECT_FALSE(bad.lost_sync);  // the size is known: read the chunk, then 501
    EXPECT_EQ(bad.bdat_size, 10u);
}

TEST(SmtpCommand, Auth) {
    Command c = ok("AUTH plain dGVzdAB0ZXN0AHRlc3Q=");
    EXPECT_EQ(c.argument, "PLAIN");
    EXPECT_EQ(c.initial_response, "dGVzdAB0ZXN0AHRlc3Q=");
    EXPECT_EQ(ok("AUTH LOGIN").argument, "LOGIN");
    expect_error("AUTH", 501, "5.5.4");
    expect_error("AUTH PL@IN", 501, "5.5.4");
    expect_error("AUTH PLAIN a b", 501, "5.5.4");
}

TEST(SmtpCommand, PipelineGroupEnders) {
    EXPECT_TRUE(ends_pipeline_group(Verb::ehlo));
    EXPECT_TRUE(ends_pipeline_group(Verb::data));
    EXPECT_TRUE(ends_pipeline_group(Verb::quit));
    EXPECT_TRUE(ends_pipeline_group(Verb::starttls));
    EXPECT_TRUE(ends_pipeline_group(Verb::noop));
    EXPECT_FALSE(ends_pipeline_group(Verb::mail));
    EXPECT_FALSE(ends_pipeline_group(Verb::rcpt));
    EXPECT_FALSE(ends_pipeline_group(Verb::rset));
}
