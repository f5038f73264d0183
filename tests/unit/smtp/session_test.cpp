#include "smtp/session.h"

#include <gtest/gtest.h>

#include <regex>

#include "session_harness.h"

using namespace postamt;
using namespace postamt::smtp;
using postamt::smtp::testing::Harness;

namespace {

// A harness with users a@ (1), b@ (2), an alias team@ -> 1, 2 and a forward
// alias fwd@ -> remote, greeted with EHLO.
struct Ready : Harness {
    Ready(SessionOptions o = default_options()) : Harness(o) {
        backend.add_user("a@example.com", 1);
        backend.add_user("b@example.com", 2);
        backend.add_user("postmaster@example.com", 1);
        store::Resolution team;
        team.kind = store::RecipientKind::local;
        team.accounts = {1, 2};
        backend.directory["team@example.com"] = team;
        store::Resolution fwd;
        fwd.kind = store::RecipientKind::forward;
        fwd.forward_to = {"someone@remote.example"};
        backend.directory["fwd@example.com"] = fwd;
        connect();
    }
    std::string ehlo() { return line("EHLO client.example.org"); }
};

std::string body_of(const store::NewMessage& m) {
    auto pos = m.data.find("\r\n\r\n");
    return pos == std::string::npos ? std::string() : m.data.substr(pos + 4);
}

}  // namespace

TEST(SmtpSession, Greeting) {
    Harness h;
    EXPECT_EQ(h.connect(), "220 mx.example.com ESMTP Postamt\r\n");
    EXPECT_FALSE(h.closed);
}

TEST(SmtpSession, TooManyConnections) {
    Harness h;
    PeerInfo p = Harness::default_peer();
    p.too_many_connections = true;
    EXPECT_EQ(h.connect(p), "421 4.7.0 mx.example.com Error: too many connections\r\n");
    EXPECT_TRUE(h.closed);
    EXPECT_EQ(h.line("EHLO x"), "");  // nothing after close
}

TEST(SmtpSession, EhloExtensions) {
    Ready h;
    EXPECT_EQ(
        h.ehlo(),
        "250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
        "250-ENHANCEDSTATUSCODES\r\n250 CHUNKING\r\n");
}

TEST(SmtpSession, EhloOffersStartTlsOnlyWhenAvailableAndInactive) {
    auto o = Harness::default_options();
    o.tls_available = true;
    Ready h(o);
    std::string r = h.ehlo();
    EXPECT_NE(r.find("250 STARTTLS\r\n"), std::string::npos);
    EXPECT_EQ(r.find("AUTH"), std::string::npos);  // never AUTH on port 25

    Harness t(o);
    PeerInfo p = Harness::default_peer();
    p.tls = TlsInfo{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256};
    t.connect(p);
    EXPECT_EQ(t.line("EHLO x.example").find("STARTTLS"), std::string::npos);
}

TEST(SmtpSession, Helo) {
    Ready h;
    EXPECT_EQ(h.line("HELO client.example.org"), "250 mx.example.com\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example>"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSession, FullTransaction) {
    Ready h;
    h.ehlo();
    EXPECT_EQ(h.line("MAIL FROM:<sender@remote.example> SIZE=100"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.lookups, std::vector<std::string>{"a@example.com"});
    EXPECT_EQ(h.line("DATA"), "354 End data with <CR><LF>.<CR><LF>\r\n");
    EXPECT_TRUE(h.session().in_data());
    EXPECT_EQ(h.data({"Subject: hello", "Message-ID: <m1@remote.example>", "", "..dot", "body"}),
              "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(h.delivered.size(), 1u);
    const auto& m = h.delivered[0];
    ASSERT_EQ(m.targets.size(), 1u);
    EXPECT_EQ(m.targets[0].account, 1);
    EXPECT_TRUE(m.enforce_quota);
    EXPECT_EQ(m.internal_date, 1727784000);
    EXPECT_EQ(m.data.rfind(
                  "Return-Path: <sender@remote.example>\r\nReceived: from client.example.org ", 0),
              0u);
    EXPECT_NE(m.data.find(
                  "\r\nSubject: hello\r\nMessage-ID: <m1@remote.example>\r\n\r\n.dot\r\nbody\r\n"),
              std::string::npos);
    EXPECT_EQ(m.data.substr(m.data.size() - 6), "body\r\n");
    ASSERT_EQ(h.reports.size(), 1u);
    EXPECT_TRUE(h.reports[0].accepted);
    EXPECT_TRUE(h.reports[0].retry.empty());
    EXPECT_EQ(h.reports[0].stored_message_id, 101);
    // The session is ready for the next transaction.
    EXPECT_EQ(h.line("MAIL FROM:<>"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(h.line("QUIT"), "221 2.0.0 Bye\r\n");
    EXPECT_TRUE(h.closed);
}

TEST(SmtpSession, ReceivedHeaderContent) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<sender@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    h.line("DATA");
    h.data({"Subject: x", "", "b"});
    ASSERT_EQ(h.delivered.size(), 1u);
    EXPECT_EQ(h.delivered[0].data.substr(0, h.delivered[0].data.find("Subject:")),
              "Return-Path: <sender@remote.example>\r\n"
              "Received: from client.example.org (client.example.org [192.0.2.1])\r\n"
              "\tby mx.example.com (Postamt) with ESMTP id QID1\r\n"
              "\tfor <a@example.com>;\r\n"
              "\tTue, 01 Oct 2024 12:00:00 +0000\r\n");
}

TEST(SmtpSession, ReceivedHeaderTwoRecipientsTlsUtf8) {
    auto o = Harness::default_options();
    o.tls_available = true;
    Ready h(o);
    h.backend.add_user("jörg@example.com", 2);
    h.ehlo();
    EXPECT_EQ(h.line("STARTTLS"), "220 2.0.0 Ready to start TLS\r\n");
    EXPECT_TRUE(h.tls_requested);
    h.tls_started(TlsInfo{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256});
    h.line("EHLO client.example.org");
    EXPECT_EQ(h.line("MAIL FROM:<sender@remote.example> SMTPUTF8"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<jörg@example.com>"), "250 2.1.5 Ok\r\n");
    h.line("DATA");
    h.data({"Subject: x", "", "b"});
    ASSERT_EQ(h.delivered.size(), 1u);
    const std::string& d = h.delivered[0].data;
    EXPECT_NE(d.find("\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256 bits))\r\n"),
              std::string::npos);
    EXPECT_NE(d.find("with UTF8SMTPS id QID1;\r\n"), std::string::npos);
    EXPECT_EQ(d.find("\tfor <"), std::string::npos);  // only with one recipient
}

TEST(SmtpSession, ReceivedHeaderHeloAndIpv6WithoutRdns) {
    Ready h;
    Harness g;
    g.backend.add_user("a@example.com", 1);
    PeerInfo p;
    p.ip = "2001:db8::5";
    g.connect(p);
    g.line("HELO [IPv6:2001:db8::5]");
    g.line("MAIL FROM:<s@remote.example>");
    g.line("RCPT TO:<a@example.com>");
    g.line("DATA");
    g.data({"x"});
    ASSERT_EQ(g.delivered.size(), 1u);
    EXPECT_NE(g.delivered[0].data.find("Received: from [IPv6:2001:db8::5] ([IPv6:2001:db8::5])\r\n"
                                       "\tby mx.example.com (Postamt) with SMTP id QID1"),
              std::string::npos);
}

TEST(SmtpSession, NullSenderReturnPath) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<>");
    h.line("RCPT TO:<a@example.com>");
    h.line("DATA");
    h.data({"x"});
    ASSERT_EQ(h.delivered.size(), 1u);
    EXPECT_EQ(h.delivered[0].data.rfind("Return-Path: <>\r\n", 0), 0u);
}

TEST(SmtpSession, OrderingErrors) {
    Ready h;
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example>"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
    h.ehlo();
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
    EXPECT_EQ(h.line("DATA"), "503 5.5.1 Error: need MAIL command\r\n");
    h.line("MAIL FROM:<s@remote.example>");
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example>"), "503 5.5.1 Error: nested MAIL command\r\n");
    EXPECT_EQ(h.line("DATA"), "503 5.5.1 Error: need RCPT command\r\n");
    EXPECT_EQ(h.line("RCPT TO:<nobody@example.com>"),
              "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown\r\n");
    EXPECT_EQ(h.line("DATA"), "554 5.5.1 Error: no valid recipients\r\n");
    EXPECT_FALSE(h.session().in_data());
    EXPECT_TRUE(h.delivered.empty());
}

TEST(SmtpSession, HeloNotRequiredWhenConfigured) {
    auto o = Harness::default_options();
    o.helo_required = false;
    Ready h(o);
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example>"), "250 2.1.0 Ok\r\n");
    h.line("RCPT TO:<a@example.com>");
    h.line("DATA");
    h.data({"x"});
    ASSERT_EQ(h.delivered.size(), 1u);
    EXPECT_NE(
        h.delivered[0].data.find("Received: from [192.0.2.1] (client.example.org [192.0.2.1])"),
        std::string::npos);
}

TEST(SmtpSession, UnknownCommandAndSyntaxErrors) {
    Ready h;
    EXPECT_EQ(h.line("FOO"), "500 5.5.1 Error: command not recognized\r\n");
    EXPECT_EQ(h.line(""), "500 5.5.2 Error: bad syntax\r\n");
    h.ehlo();
    EXPECT_EQ(h.line("MAIL FROM:bad"), "501 5.1.7 Error: bad sender address syntax\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example> FOO=1"),
              "555 5.5.4 Unsupported parameter: FOO\r\n");
    EXPECT_EQ(h.session().error_count(), 4u);
}

TEST(SmtpSession, LineTooLongStaysInSync) {
    Ready h;
    h.ehlo();
    EXPECT_EQ(h.line("NOOP " + std::string(3000, 'x')), "500 5.5.2 Error: line too long\r\n");
    // The same through fragments: one reply, when the line ends.
    EXPECT_EQ(h.line(std::string(1500, 'y'), LineEnd::none), "");
    EXPECT_EQ(h.line(std::string(1500, 'y'), LineEnd::none), "");
    EXPECT_EQ(h.line("zzz"), "500 5.5.2 Error: line too long\r\n");
    EXPECT_EQ(h.line("NOOP"), "250 2.0.0 Ok\r\n");
    // A fragmented line under the limit is put back together.
    EXPECT_EQ(h.line("NO", LineEnd::none), "");
    EXPECT_EQ(h.line("OP"), "250 2.0.0 Ok\r\n");
}

TEST(SmtpSession, BareLfCommandAccepted) {
    Ready h;
    EXPECT_NE(h.line("EHLO x.example", LineEnd::lf).find("250 CHUNKING"), std::string::npos);
}

TEST(SmtpSession, TooManyErrorsCloses) {
    auto o = Harness::default_options();
    o.max_errors = 3;
    Ready h(o);
    EXPECT_EQ(h.line("BAD1").substr(0, 3), "500");
    EXPECT_EQ(h.line("BAD2").substr(0, 3), "500");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>").substr(0, 3), "503");
    EXPECT_FALSE(h.closed);
    EXPECT_EQ(h.line("NOOP"), "421 4.7.0 mx.example.com Error: too many errors\r\n");
    EXPECT_TRUE(h.closed);
    EXPECT_EQ(h.line("NOOP"), "");
}

TEST(SmtpSession, RecipientDecisions) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    EXPECT_EQ(h.line("RCPT TO:<x@remote.example>"),
              "554 5.7.1 <x@remote.example>: Relay access denied\r\n");
    EXPECT_EQ(h.line("RCPT TO:<nobody@example.com>"),
              "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown\r\n");
    EXPECT_EQ(h.line("RCPT TO:<x@[192.0.2.9]>"),
              "554 5.7.1 <x@[192.0.2.9]>: Relay access denied\r\n");
    EXPECT_EQ(h.line("RCPT TO:<Postmaster>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.lookups.back(), "postmaster@example.com");
    EXPECT_EQ(h.line("RCPT TO:<@relay.example:a@example.com>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.lookups.back(), "a@example.com");
}

TEST(SmtpSession, ForwardOnlyAliasDeferredUntilQueueExists) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    EXPECT_EQ(h.line("RCPT TO:<fwd@example.com>"),
              "451 4.3.0 <fwd@example.com>: Forwarding not available yet, try again later\r\n");

    auto o = Harness::default_options();
    o.forwarding_available = true;
    Ready f(o);
    f.ehlo();
    f.line("MAIL FROM:<s@remote.example>");
    EXPECT_EQ(f.line("RCPT TO:<fwd@example.com>"), "250 2.1.5 Ok\r\n");
    f.line("DATA");
    EXPECT_EQ(f.data({"x"}), "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(f.forwards.size(), 1u);
    EXPECT_EQ(f.forwards[0], std::vector<std::string>{"someone@remote.example"});
    EXPECT_TRUE(f.delivered[0].targets.empty());
    EXPECT_EQ(f.reports[0].forward_to, std::vector<std::string>{"someone@remote.example"});
}

TEST(SmtpSession, LookupFailureIsTemporary) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.backend.lookup_fails = true;
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"),
              "451 4.3.0 <a@example.com>: Temporary lookup failure\r\n");
}

TEST(SmtpSession, QuotaAtRcpt) {
    Ready h;
    h.backend.quota_limit[1] = 1000;
    h.backend.usage[1] = 900;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example> SIZE=50");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "250 2.1.5 Ok\r\n");
    h.line("RSET");
    h.line("MAIL FROM:<s@remote.example> SIZE=200");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"),
              "452 4.2.2 <a@example.com>: Mailbox full, try again later\r\n");
    h.line("RSET");
    h.line("MAIL FROM:<s@remote.example> SIZE=5000");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"),
              "552 5.2.2 <a@example.com>: Message exceeds the mailbox quota\r\n");
    // Postmaster is always accepted (RFC 5321 4.5.1): no quota refusal.
    EXPECT_EQ(h.line("RCPT TO:<postmaster@example.com>"), "250 2.1.5 Ok\r\n");
    // An alias is accepted while one account behind it has room.
    EXPECT_EQ(h.line("RCPT TO:<team@example.com>"), "250 2.1.5 Ok\r\n");
    // Without SIZE the check uses 0 bytes.
    h.line("RSET");
    h.backend.usage[1] = 1000;
    h.line("MAIL FROM:<s@remote.example>");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "250 2.1.5 Ok\r\n");
}

TEST(SmtpSession, TooManyRecipients) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    for (int i = 0; i < 5; ++i) EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<b@example.com>"), "452 4.5.3 Error: too many recipients\r\n");
    EXPECT_EQ(h.lookups.size(), 5u);
}

TEST(SmtpSession, DuplicateRecipientsDeliverOnce) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    h.line("RCPT TO:<A@Example.com>");
    h.line("RCPT TO:<team@example.com>");
    h.line("DATA");
    EXPECT_EQ(h.data({"x"}), "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(h.delivered.size(), 1u);
    ASSERT_EQ(h.delivered[0].targets.size(), 2u);
    EXPECT_EQ(h.delivered[0].targets[0].account, 1);
    EXPECT_EQ(h.delivered[0].targets[1].account, 2);
}

TEST(SmtpSession, PipelinedRepliesInOrder) {
    Ready h;
    h.ehlo();
    std::string out =
        h.pipeline({"MAIL FROM:<s@remote.example>", "RCPT TO:<a@example.com>",
                    "RCPT TO:<nobody@example.com>", "RCPT TO:<b@example.com>", "DATA"});
    EXPECT_EQ(out,
              "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
              "550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown\r\n"
              "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
    h.line("x");
    EXPECT_EQ(h.pipeline({".", "QUIT"}), "250 2.0.0 Ok: queued as QID1\r\n221 2.0.0 Bye\r\n");
}

TEST(SmtpSession, EveryReplyAfterGreetingHasEnhancedCode) {
    Ready h;
    h.ehlo();
    std::string out;
    for (const char* l :
         {"MAIL FROM:<s@remote.example>", "RCPT TO:<a@example.com>", "RCPT TO:<x@remote.example>",
          "RCPT TO:<nobody@example.com>", "NOOP", "VRFY a", "EXPN a", "HELP", "AUTH PLAIN",
          "STARTTLS", "RSET", "BOGUS", "MAIL FROM:<<>", "QUIT"})
        out += h.line(l);
    std::regex line_re("^[245][0-9][0-9] [245]\\.[0-9]{1,3}\\.[0-9]{1,3} .*$");
    std::size_t pos = 0, n = 0;
    while (pos < out.size()) {
        std::size_t e = out.find("\r\n", pos);
        ASSERT_NE(e, std::string::npos);
        std::string l = out.substr(pos, e - pos);
        EXPECT_TRUE(std::regex_match(l, line_re)) << l;
        pos = e + 2;
        ++n;
    }
    EXPECT_EQ(n, 14u);  // exactly one reply per line
}

TEST(SmtpSession, SmallCommands) {
    Ready h;
    EXPECT_EQ(h.line("NOOP"), "250 2.0.0 Ok\r\n");
    EXPECT_EQ(h.line("VRFY a@example.com"),
              "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n");
    EXPECT_EQ(h.line("EXPN staff"), "502 5.5.1 Error: EXPN not available\r\n");
    EXPECT_EQ(h.line("HELP").substr(0, 10), "214 2.0.0 ");
    EXPECT_EQ(h.line("AUTH PLAIN AHVzZXIAcGFzcw=="),
              "503 5.5.1 Error: authentication not enabled\r\n");
    EXPECT_EQ(h.line("STARTTLS"), "502 5.5.1 Error: command not implemented\r\n");
    EXPECT_TRUE(h.lookups.empty());
}

TEST(SmtpSession, RsetClearsTransaction) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    EXPECT_EQ(h.line("RSET"), "250 2.0.0 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
    EXPECT_EQ(h.line("DATA"), "503 5.5.1 Error: need MAIL command\r\n");
    // EHLO resets too (RFC 5321 4.1.4).
    h.line("MAIL FROM:<s@remote.example>");
    h.ehlo();
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SmtpSession, MailSizeAndBody) {
    Ready h;
    h.ehlo();
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example> SIZE=10001"),
              "552 5.3.4 Message size exceeds fixed limit\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example> SIZE=99999999999999999999"),
              "552 5.3.4 Message size exceeds fixed limit\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example> BODY=BINARYMIME"),
              "555 5.5.4 Unsupported BODY type: BINARYMIME\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example> SIZE=10000 BODY=8BITMIME"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSession, Utf8AddressesNeedSmtputf8) {
    Ready h;
    h.backend.add_user("jörg@example.com", 2);
    h.ehlo();
    EXPECT_EQ(h.line("MAIL FROM:<jürgen@remote.example>"),
              "553 5.6.7 Error: non-ASCII sender address needs SMTPUTF8\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example>"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<jörg@example.com>"),
              "553 5.6.7 <jörg@example.com>: non-ASCII recipient address needs SMTPUTF8\r\n");
    h.line("RSET");
    EXPECT_EQ(h.line("MAIL FROM:<jürgen@remote.example> SMTPUTF8"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<jörg@example.com>"), "250 2.1.5 Ok\r\n");
}

TEST(SmtpSession, DataTooBigRejectedAfterEnd) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    h.line("DATA");
    for (int i = 0; i < 200; ++i) EXPECT_EQ(h.line(std::string(98, 'x')), "");
    EXPECT_EQ(h.line("."), "552 5.3.4 Message size exceeds fixed limit\r\n");
    EXPECT_TRUE(h.delivered.empty());
    EXPECT_FALSE(h.closed);
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example>"), "250 2.1.0 Ok\r\n");
}

TEST(SmtpSession, BareLfInDataRejectsAndCloses) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    h.line("DATA");
    EXPECT_EQ(h.line("Subject: x"), "");
    // What a runner splitting "body\n.\nMAIL FROM:..." at LF hands over.
    EXPECT_EQ(h.line("body", LineEnd::lf),
              "521 5.5.2 mx.example.com Error: bare <LF> received\r\n");
    EXPECT_TRUE(h.closed);
    EXPECT_EQ(h.line(".", LineEnd::lf), "");
    EXPECT_EQ(h.line("MAIL FROM:<evil@attacker.example>"), "");
    EXPECT_EQ(h.line("RCPT TO:<b@example.com>"), "");
    EXPECT_EQ(h.line("DATA"), "");
    EXPECT_TRUE(h.delivered.empty());
}

TEST(SmtpSession, BareCrInDataRejectsAndCloses) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    h.line("DATA");
    EXPECT_EQ(h.line("body\r.\rMAIL FROM:<evil@attacker.example>"),
              "521 5.5.2 mx.example.com Error: bare <CR> received\r\n");
    EXPECT_TRUE(h.closed);
    EXPECT_TRUE(h.delivered.empty());
}

TEST(SmtpSession, SmugglingStreamNeverYieldsSecondMessage) {
    // Feed whole raw streams the way a runner would split them; count deliveries.
    const std::vector<std::string> variants = {"\n.\n",   "\r.\r",       "\n.\r\n",
                                               "\r\n.\n", "\r\n.\r\r\n", "\r.\r\n"};
    for (const auto& v : variants) {
        Ready h;
        h.ehlo();
        h.line("MAIL FROM:<s@remote.example>");
        h.line("RCPT TO:<a@example.com>");
        h.line("DATA");
        std::string stream =
            "Subject: 1\r\n\r\nfirst" + v +
            "MAIL FROM:<evil@attacker.example>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
            "Subject: smuggled\r\n\r\nsecond\r\n.\r\n";
        std::size_t pos = 0;
        int replies = 0;
        while (pos < stream.size() && !h.closed) {
            std::size_t lf = stream.find('\n', pos);
            std::string l = stream.substr(pos, lf - pos);
            LineEnd e = LineEnd::lf;
            if (!l.empty() && l.back() == '\r') {
                l.pop_back();
                e = LineEnd::crlf;
            }
            if (!h.line(l, e).empty()) ++replies;
            pos = lf + 1;
        }
        EXPECT_TRUE(h.closed) << "variant " << ::testing::PrintToString(v);
        EXPECT_EQ(replies, 1) << "variant " << ::testing::PrintToString(v);
        EXPECT_TRUE(h.delivered.empty()) << "variant " << ::testing::PrintToString(v);
        EXPECT_EQ(h.lookups.size(), 1u);  // b@ was never looked up
    }
}

TEST(SmtpSession, EarlyTalker) {
    Harness h;
    EXPECT_EQ(
        h.run(h.session().on_early_input()),
        "554 5.5.0 mx.example.com Error: protocol error, client spoke before the greeting\r\n");
    EXPECT_TRUE(h.closed);
}

TEST(SmtpSession, TimeoutAndShutdown) {
    Ready h;
    EXPECT_EQ(h.run(h.session().on_timeout()),
              "421 4.4.2 mx.example.com Error: timeout exceeded\r\n");
    EXPECT_TRUE(h.closed);
    Ready g;
    EXPECT_EQ(g.run(g.session().on_shutdown()).substr(0, 10), "421 4.3.2 ");
}

TEST(SmtpSession, StartTlsResetsState) {
    auto o = Harness::default_options();
    o.tls_available = true;
    Ready h(o);
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    // Pipelined after STARTTLS: still 220; the runner discards the rest.
    EXPECT_EQ(h.line("STARTTLS", LineEnd::crlf, true), "220 2.0.0 Ready to start TLS\r\n");
    EXPECT_TRUE(h.session().awaiting_result());
    h.tls_started(TlsInfo{"TLSv1.3", "TLS_AES_128_GCM_SHA256", 128});
    EXPECT_EQ(h.line("MAIL FROM:<s@remote.example>"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
    std::string e = h.ehlo();
    EXPECT_EQ(e.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(h.line("STARTTLS"), "503 5.5.1 Error: TLS already active\r\n");
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
}

// ---- BDAT (RFC 3030) ----------------------------------------------------------

TEST(SmtpSession, BdatTransaction) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    EXPECT_EQ(h.bdat("BDAT 14", "Subject: x\r\n\r\n"), "250 2.0.0 Ok: 14 octets received\r\n");
    EXPECT_EQ(h.bdat("BDAT 8 LAST", "a\n.\nbody"), "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(h.delivered.size(), 1u);
    EXPECT_EQ(body_of(h.delivered[0]), "a\n.\nbody");  // raw: no dot rules in BDAT
    EXPECT_EQ(h.line("NOOP"), "250 2.0.0 Ok\r\n");
}

TEST(SmtpSession, BdatZeroLast) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    EXPECT_EQ(h.bdat("BDAT 3", "abc"), "250 2.0.0 Ok: 3 octets received\r\n");
    EXPECT_EQ(h.line("BDAT 0 LAST"), "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(h.delivered.size(), 1u);
    EXPECT_EQ(h.delivered[0].data.substr(h.delivered[0].data.size() - 3), "abc");
}

TEST(SmtpSession, BdatWithoutTransactionReadsChunkThenRefuses) {
    Ready h;
    h.ehlo();
    EXPECT_EQ(h.line("BDAT 5"), "");
    EXPECT_EQ(h.chunk_wanted, 5u);
    EXPECT_EQ(h.chunk("QUIT\n"), "503 5.5.1 Error: need MAIL command\r\n");
    EXPECT_FALSE(h.closed);  // the chunk's "QUIT" was never read as a command
    h.line("MAIL FROM:<s@remote.example>");
    EXPECT_EQ(h.bdat("BDAT 2", "xx"), "503 5.5.1 Error: need RCPT command\r\n");
    EXPECT_EQ(h.bdat("BDAT 2 FIRST", "yy"), "501 5.5.4 Syntax: BDAT chunk-size [LAST]\r\n");
}

TEST(SmtpSession, BdatUnreadableSizeCloses) {
    Ready h;
    h.ehlo();
    EXPECT_EQ(h.line("BDAT lots"),
              "501 5.5.4 Syntax: BDAT chunk-size [LAST] (closing: chunk size unknown)\r\n");
    EXPECT_TRUE(h.closed);
}

TEST(SmtpSession, BdatOverLimit) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    EXPECT_EQ(h.bdat("BDAT 6000", std::string(6000, 'a')),
              "250 2.0.0 Ok: 6000 octets received\r\n");
    EXPECT_EQ(h.bdat("BDAT 6000", std::string(6000, 'b')),
              "552 5.3.4 Message size exceeds fixed limit\r\n");
    EXPECT_EQ(h.bdat("BDAT 3 LAST", "ccc"), "503 5.5.1 Error: need MAIL command\r\n");
    EXPECT_TRUE(h.delivered.empty());
    EXPECT_EQ(h.line("BDAT 20000"), "552 5.3.4 Message size exceeds fixed limit\r\n");
    EXPECT_TRUE(h.closed);
}

TEST(SmtpSession, DataAfterBdatRefused) {
    Ready h;
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<a@example.com>");
    h.bdat("BDAT 1", "a");
    EXPECT_EQ(h.line("DATA"), "503 5.5.1 Error: DATA after BDAT\r\n");
}

// ---- delivery outcomes ----------------------------------------------------------

namespace {
std::string send_to_team(Ready& h) {
    h.ehlo();
    h.line("MAIL FROM:<s@remote.example>");
    h.line("RCPT TO:<team@example.com>");
    h.line("RCPT TO:<b@example.com>");
    h.line("DATA");
    return h.data({"Subject: x", "", "b"});
}
}  // namespace

TEST(SmtpSession, PartialFailureAfterDataGoesToRetry) {
    Ready h;
    h.backend.deliver =
        [](const store::NewMessage& m) -> Result<std::vector<store::DeliveredCopy>> {
        std::vector<store::DeliveredCopy> v;
        for (const auto& t : m.targets) {
            store::DeliveredCopy c;
            c.account = t.account;
            if (t.account == 2) {
                c.error = Errc::over_quota;
                c.error_message = "mailbox full";
            } else {
                c.message_id = 77;
            }
            v.push_back(c);
        }
        return v;
    };
    EXPECT_EQ(send_to_team(h), "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(h.reports.size(), 1u);
    const auto& r = h.reports[0];
    EXPECT_TRUE(r.accepted);
    EXPECT_EQ(r.stored_message_id, 77);
    ASSERT_EQ(r.retry.size(), 1u);
    EXPECT_EQ(r.retry[0].account, 2);
    EXPECT_EQ(r.retry[0].error, Errc::over_quota);
    EXPECT_EQ(r.retry[0].recipients,
              (std::vector<std::string>{"team@example.com", "b@example.com"}));
}

TEST(SmtpSession, DiskFullIsTemporaryForWholeTransaction) {
    Ready h;
    h.backend.deliver = [](const store::NewMessage&) -> Result<std::vector<store::DeliveredCopy>> {
        return make_error(Errc::unavailable, "disk nearly full");
    };
    EXPECT_EQ(send_to_team(h), "452 4.3.1 Error: insufficient system storage\r\n");
    EXPECT_TRUE(h.reports.empty());
    EXPECT_EQ(h.line("RCPT TO:<a@example.com>"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SmtpSession, EveryCopyUnavailable) {
    Ready h;
    h.backend.deliver =
        [](const store::NewMessage& m) -> Result<std::vector<store::DeliveredCopy>> {
        std::vector<store::DeliveredCopy> v;
        for (const auto& t : m.targets) {
            store::DeliveredCopy c;
            c.account = t.account;
            c.error = Errc::unavailable;
            v.push_back(c);
        }
        return v;
    };
    EXPECT_EQ(send_to_team(h), "452 4.3.1 Error: insufficient system storage\r\n");
}

TEST(SmtpSession, EveryCopyOverQuota) {
    Ready h;
    h.backend.deliver =
        [](const store::NewMessage& m) -> Result<std::vector<store::DeliveredCopy>> {
        std::vector<store::DeliveredCopy> v;
        for (const auto& t : m.targets) {
            store::DeliveredCopy c;
            c.account = t.account;
            c.error = Errc::over_quota;
            v.push_back(c);
        }
        return v;
    };
    EXPECT_EQ(send_to_team(h), "452 4.2.2 Error: mailbox full, try again later\r\n");
}

TEST(SmtpSession, OtherStoreErrorIsTemporary) {
    Ready h;
    h.backend.deliver = [](const store::NewMessage&) -> Result<std::vector<store::DeliveredCopy>> {
        return make_error(Errc::internal, "boom");
    };
    EXPECT_EQ(send_to_team(h), "451 4.3.0 Error: local delivery failed, try again later\r\n");
}

TEST(SmtpSession, FromConfig) {
    Config cfg;
    cfg.server.hostname = "mx.test";
    cfg.server.default_domain = "test";
    cfg.smtp.max_recipients = 7;
    cfg.smtp.banner = "ESMTP hi";
    cfg.limits.max_message_size = 1234;
    cfg.limits.max_errors = 4;
    cfg.smtp.helo_required = false;
    auto o = SessionOptions::from_config(cfg, Mode::inbound, true);
    EXPECT_EQ(o.hostname, "mx.test");
    EXPECT_EQ(o.postmaster_domain, "test");
    EXPECT_EQ(o.max_recipients, 7u);
    EXPECT_EQ(o.max_message_size, 1234u);
    EXPECT_EQ(o.max_errors, 4u);
    EXPECT_FALSE(o.helo_required);
    EXPECT_TRUE(o.tls_available);
    EXPECT_EQ(o.banner, "ESMTP hi");
}

TEST(SmtpSession, MisuseByRunnerClosesInsteadOfCrashing) {
    Ready h;
    EXPECT_EQ(h.run(h.session().on_lookup_result(store::Resolution{})).substr(0, 10), "421 4.3.0 ");
    EXPECT_TRUE(h.closed);
}
