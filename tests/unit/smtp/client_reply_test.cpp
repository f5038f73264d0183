#include "smtp/client_reply.h"

#include <gtest/gtest.h>

#include "smtp/client_protocol.h"

using namespace postamt::smtp;

TEST(ClientReply, SingleLineWithEnhancedCode) {
    std::string err;
    auto r = parse_replies("550 5.1.1 <x@y>: user unknown\r\n", &err);
    ASSERT_EQ(r.size(), 1u) << err;
    EXPECT_EQ(r[0].code, 550);
    EXPECT_EQ(r[0].enhanced, "5.1.1");
    EXPECT_EQ(r[0].text(), "<x@y>: user unknown");
    EXPECT_EQ(r[0].summary(), "550 5.1.1 <x@y>: user unknown");
    EXPECT_TRUE(r[0].permanent());
}

TEST(ClientReply, MultilineEhlo) {
    auto r = parse_replies(
        "250-mx.example Hello\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].lines.size(), 4u);
    EXPECT_EQ(r[0].lines[2], "SIZE 1000");
    EXPECT_EQ(r[0].enhanced, "");
}

TEST(ClientReply, BareCodeAndLfOnly) {
    auto r = parse_replies("250\n354\r\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].code, 250);
    EXPECT_TRUE(r[0].lines[0].empty());
    EXPECT_EQ(r[1].code, 354);
}

TEST(ClientReply, EnhancedCodeMustMatchClass) {
    auto r =
        parse_replies("450 5.1.1 mismatched\r\n250 2.1.5 ok\r\n550 5.1 short\r\n250 2.0.0\r\n");
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].enhanced, "");
    EXPECT_EQ(r[1].enhanced, "2.1.5");
    EXPECT_EQ(r[2].enhanced, "");
    EXPECT_EQ(r[3].enhanced, "2.0.0");
    EXPECT_EQ(enhanced_code_length("5.7.1000 x"), 0u);
    EXPECT_EQ(enhanced_code_length("5.123.999"), 9u);
    EXPECT_EQ(enhanced_code_length("3.1.1 x"), 0u);
    EXPECT_EQ(enhanced_code_length("4.4.2x"), 0u);
}

TEST(ClientReply, GarbageIsAnError) {
    for (std::string bad : std::vector<std::string>{
             "hello\r\n", "25\r\n", "600 no\r\n", "250x\r\n", "199 low\r\n", "2a0 x\r\n",
             "HTTP/1.1 400 Bad Request\r\n", std::string("\0\0\0\r\n", 5)}) {
        std::string err;
        auto r = parse_replies(bad, &err);
        EXPECT_TRUE(r.empty()) << bad;
        EXPECT_FALSE(err.empty()) << bad;
    }
}

TEST(ClientReply, CodeChangeInsideMultilineIsAnError) {
    std::string err;
    auto r = parse_replies("250-first\r\n550 second\r\n", &err);
    EXPECT_TRUE(r.empty());
    EXPECT_NE(err.find("changed"), std::string::npos);
}

TEST(ClientReply, TooManyLines) {
    std::string s;
    for (std::size_t i = 0; i < kMaxReplyLines + 5; ++i) s += "250-x\r\n";
    s += "250 end\r\n";
    std::string err;
    EXPECT_TRUE(parse_replies(s, &err).empty());
    EXPECT_FALSE(err.empty());
}

TEST(ClientReply, ControlBytesAreMaskedInText) {
    auto r = parse_replies(std::string("550 bad\x01\x1b[31m\r\n"));
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].text(), "bad??[31m");
}

TEST(ClientProtocol, EhloCapabilities) {
    auto r = parse_replies(
        "250-mx.example\r\n250-pipelining\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
        "250-DSN\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-AUTH=LOGIN\r\n250 "
        "ENHANCEDSTATUSCODES\r\n");
    ASSERT_EQ(r.size(), 1u);
    auto c = parse_ehlo(r[0]);
    EXPECT_TRUE(c.esmtp && c.pipelining && c.eightbitmime && c.smtputf8 && c.dsn && c.starttls);
    EXPECT_TRUE(c.enhanced_status_codes);
    EXPECT_TRUE(c.has_size);
    EXPECT_EQ(c.size, 52428800u);
    EXPECT_EQ(c.auth, (std::vector<std::string>{"PLAIN", "LOGIN"}));
    auto bare = parse_ehlo(parse_replies("250 mx.example\r\n")[0]);
    EXPECT_FALSE(bare.pipelining || bare.starttls || bare.has_size || bare.eightbitmime);
    auto nolimit = parse_ehlo(parse_replies("250-x\r\n250 SIZE\r\n")[0]);
    EXPECT_TRUE(nolimit.has_size);
    EXPECT_EQ(nolimit.size, 0u);
}

TEST(ClientProtocol, MailAndRcptParameters) {
    OutboundMessage m;
    m.sender = "a@example.org";
    m.data = std::make_shared<const std::string>("Subject: x\r\n\r\nbody\r\n");
    m.body_8bit = true;
    m.ret = DsnRet::hdrs;
    m.envid = "QQ+1";
    EhloCapabilities none;
    EXPECT_EQ(mail_command(m, none), "MAIL FROM:<a@example.org>\r\n");
    EhloCapabilities all;
    all.has_size = all.eightbitmime = all.dsn = all.smtputf8 = true;
    EXPECT_EQ(mail_command(m, all),
              "MAIL FROM:<a@example.org> SIZE=20 BODY=8BITMIME RET=HDRS ENVID=QQ+2B1\r\n");
    m.sender = "";
    m.smtputf8 = true;
    EXPECT_EQ(mail_command(m, all),
              "MAIL FROM:<> SIZE=20 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B1\r\n");

    OutboundRecipient r{"b@example.net", "rfc822;b@example.net", notify_success | notify_failure};
    EXPECT_EQ(rcpt_command(r, none), "RCPT TO:<b@example.net>\r\n");
    EXPECT_EQ(rcpt_command(r, all),
              "RCPT TO:<b@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.net\r\n");
    r.notify = notify_never;
    r.orcpt.clear();
    EXPECT_EQ(rcpt_command(r, all), "RCPT TO:<b@example.net> NOTIFY=NEVER\r\n");
    EXPECT_EQ(xtext_encode("a+b=c d\xc3"), "a+2Bb+3Dc+20d+C3");
}

TEST(ClientProtocol, DotStuffingAndLineEnds) {
    EXPECT_EQ(data_payload("a\r\n.b\r\n..\r\n"), "a\r\n..b\r\n...\r\n.\r\n");
    EXPECT_EQ(data_payload(".\r\n"), "..\r\n.\r\n");
    EXPECT_EQ(data_payload("no final newline"), "no final newline\r\n.\r\n");
    EXPECT_EQ(data_payload("bare\nlf\rcr\r\n.x"), "bare\r\nlf\r\ncr\r\n..x\r\n.\r\n");
    EXPECT_EQ(data_payload(""), ".\r\n");
    EXPECT_EQ(data_payload("x.\r\n"), "x.\r\n.\r\n");
}

TEST(ClientProtocol, RefusalsBeforeMail) {
    OutboundMessage m;
    m.sender = "a@example.org";
    m.data = std::make_shared<const std::string>(std::string(2000, 'x'));
    EhloCapabilities c;
    EXPECT_FALSE(refuse_before_mail(m, c));
    c.has_size = true;
    c.size = 1000;
    auto r = refuse_before_mail(m, c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, 552);
    EXPECT_EQ(r->status, "5.3.4");
    c.size = 0;  // SIZE without a number: no limit
    EXPECT_FALSE(refuse_before_mail(m, c));
    m.smtputf8 = true;
    r = refuse_before_mail(m, c);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, "5.6.7");
    c.smtputf8 = true;
    EXPECT_FALSE(refuse_before_mail(m, c));
    EXPECT_TRUE(recipient_needs_utf8({"j\xc3\xb6rg@example.de", "", 0}));
    EXPECT_FALSE(recipient_needs_utf8({"jorg@example.de", "", 0}));
}

TEST(ClientProtocol, OutcomeFromReply) {
    auto o = outcome_from_reply(parse_replies("250 2.0.0 Ok: queued as X\r\n")[0]);
    EXPECT_EQ(o.kind, RecipientOutcome::Kind::delivered);
    EXPECT_EQ(o.status, "2.0.0");
    o = outcome_from_reply(parse_replies("451 try later\r\n")[0]);
    EXPECT_EQ(o.kind, RecipientOutcome::Kind::transient);
    EXPECT_EQ(o.status, "4.0.0");
    EXPECT_EQ(o.text, "451 try later");
    o = outcome_from_reply(parse_replies("550 5.1.1 no such user\r\n")[0]);
    EXPECT_EQ(o.kind, RecipientOutcome::Kind::permanent);
    EXPECT_EQ(o.status, "5.1.1");
}
