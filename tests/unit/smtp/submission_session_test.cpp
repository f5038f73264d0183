// Submission (RFC 6409, RFC 4954, RFC 8314) in the SMTP session: AUTH,
// sender ownership, remote recipients into the outbound envelope, header
// fix-ups, limits.
#include <gtest/gtest.h>

#include "common/base64.h"
#include "session_harness.h"
#include "smtp/submission_headers.h"
#include "smtp/submission_limiter.h"

namespace postamt::smtp {
namespace {

using testing::Harness;

std::string b64(std::string_view s) { return base64_encode(s); }

store::Account account(store::AccountId id, std::string local) {
    store::Account a;
    a.id = id;
    a.local_part = std::move(local);
    a.domain = "example.com";
    return a;
}

struct Submission : Harness {
    static SessionOptions options() {
        auto o = default_options();
        o.mode = Mode::submission;
        o.tls_available = true;
        o.forwarding_available = true;
        o.plaintext_auth_on_loopback = false;
        o.submission_max_recipients = 3;
        o.received = SessionOptions::ReceivedPolicy::hide_client;
        return o;
    }
    explicit Submission(SessionOptions o = options()) : Harness(o) {
        backend.add_user("anna@example.com", 1);
        backend.add_user("bert@example.com", 2);
        store::Resolution alias;  // sales@ delivers to anna
        alias.kind = store::RecipientKind::local;
        alias.accounts = {1};
        backend.directory["sales@example.com"] = alias;
        backend.passwords["anna@example.com"] = {"pw-anna", account(1, "anna")};
        backend.passwords["bert@example.com"] = {"pw-bert", account(2, "bert")};
        connect();
    }
    std::string ehlo() { return line("EHLO laptop"); }
    void secure() {
        ehlo();
        EXPECT_EQ(line("STARTTLS"), "220 2.0.0 Ready to start TLS\r\n");
        tls_started(TlsInfo{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256});
        ehlo();
    }
    std::string login_plain(std::string user, std::string pw) {
        return line("AUTH PLAIN " + b64(std::string("\0", 1) + user + std::string("\0", 1) + pw));
    }
};

TEST(Submission, NoAuthBeforeTls) {
    Submission h;
    std::string e = h.ehlo();
    EXPECT_NE(e.find("STARTTLS"), std::string::npos);
    EXPECT_EQ(e.find("AUTH"), std::string::npos);
    EXPECT_EQ(h.login_plain("anna@example.com", "pw-anna"),
              "530 5.7.0 Must issue a STARTTLS command first\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<anna@example.com>"), "530 5.7.0 Authentication required\r\n");
}

TEST(Submission, PlaintextOnLoopbackWhenAllowed) {
    auto o = Submission::options();
    o.plaintext_auth_on_loopback = true;
    Submission h(o);  // default peer is not loopback
    EXPECT_EQ(h.ehlo().find("AUTH"), std::string::npos);
    Harness l(o);
    PeerInfo p = Harness::default_peer();
    p.ip = "127.0.0.1";
    p.loopback = true;
    l.connect(p);
    EXPECT_NE(l.line("EHLO x").find("250 AUTH SCRAM-SHA-256 PLAIN LOGIN"), std::string::npos);
}

TEST(Submission, AuthPlain) {
    Submission h;
    h.secure();
    EXPECT_NE(h.ehlo().find("AUTH SCRAM-SHA-256 PLAIN LOGIN"), std::string::npos);
    EXPECT_EQ(h.line("MAIL FROM:<anna@example.com>"), "530 5.7.0 Authentication required\r\n");
    EXPECT_EQ(h.login_plain("anna@example.com", "wrong"),
              "535 5.7.8 Error: authentication credentials invalid\r\n");
    EXPECT_EQ(h.login_plain("anna@example.com", "pw-anna"),
              "235 2.7.0 Authentication successful\r\n");
    EXPECT_EQ(h.session().account(), 1u);
    // RFC 4954 4: no second AUTH; the EHLO list no longer offers it.
    EXPECT_EQ(h.login_plain("anna@example.com", "pw-anna"),
              "503 5.5.1 Error: already authenticated\r\n");
    EXPECT_EQ(h.ehlo().find("AUTH"), std::string::npos);
}

TEST(Submission, AuthPlainWithoutInitialResponseAndCancel) {
    Submission h;
    h.secure();
    EXPECT_EQ(h.line("AUTH PLAIN"), "334 \r\n");
    EXPECT_TRUE(h.session().in_sasl());
    EXPECT_EQ(h.line("*"), "501 5.0.0 Authentication cancelled\r\n");
    EXPECT_FALSE(h.session().in_sasl());
    EXPECT_EQ(h.line("AUTH PLAIN"), "334 \r\n");
    EXPECT_EQ(h.line("not base64!"), "501 5.5.2 Error: invalid base64 data\r\n");
    EXPECT_EQ(h.line("AUTH PLAIN"), "334 \r\n");
    EXPECT_EQ(h.line(b64(std::string("\0bert@example.com\0pw-bert", 25))),
              "235 2.7.0 Authentication successful\r\n");
    EXPECT_EQ(h.session().account(), 2u);
}

TEST(Submission, AuthLogin) {
    Submission h;
    h.secure();
    std::string r = h.line("AUTH LOGIN");
    ASSERT_EQ(r.substr(0, 4), "334 ");
    r = h.line(b64("anna@example.com"));
    ASSERT_EQ(r.substr(0, 4), "334 ");
    EXPECT_EQ(h.line(b64("pw-anna")), "235 2.7.0 Authentication successful\r\n");
}

TEST(Submission, AuthErrors) {
    Submission h;
    h.secure();
    EXPECT_EQ(h.line("AUTH CRAM-MD5"), "504 5.5.4 Error: unsupported authentication mechanism\r\n");
    EXPECT_EQ(h.line("AUTH PLAIN %%%"), "501 5.5.2 Error: invalid base64 in the initial response\r\n");
    // An overlong response ends the exchange once the line ends.
    EXPECT_EQ(h.line("AUTH PLAIN"), "334 \r\n");
    EXPECT_EQ(h.line(std::string(100, 'A'), LineEnd::none), "");
    EXPECT_EQ(h.line("AAAA"), "500 5.5.6 Authentication exchange line is too long\r\n");
    EXPECT_EQ(h.line("NOOP"), "250 2.0.0 Ok\r\n");
    // SCRAM whose keys cannot be fetched: temporary failure.
    std::string first = "n,,n=anna@example.com,r=abcdefghijklmnop";
    EXPECT_EQ(h.line("AUTH SCRAM-SHA-256 " + b64(first)),
              "454 4.7.0 Temporary authentication failure\r\n");
}

TEST(Submission, NoAuthOnInbound) {
    auto o = Submission::options();
    o.mode = Mode::inbound;
    Submission h(o);
    h.secure();
    EXPECT_EQ(h.ehlo().find("AUTH"), std::string::npos);
    EXPECT_EQ(h.login_plain("anna@example.com", "pw-anna"),
              "503 5.5.1 Error: authentication not enabled\r\n");
}

TEST(Submission, SenderMustBeOwned) {
    Submission h;
    h.secure();
    h.login_plain("anna@example.com", "pw-anna");
    EXPECT_EQ(h.line("MAIL FROM:<bert@example.com>"),
              "553 5.7.1 <bert@example.com>: Sender address rejected: not owned by user "
              "anna@example.com\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<someone@remote.example>").substr(0, 9), "553 5.7.1");
    EXPECT_EQ(h.line("MAIL FROM:<Sales@Example.com>"), "250 2.1.0 Ok\r\n");  // alias of anna
    EXPECT_EQ(h.line("RSET"), "250 2.0.0 Ok\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<anna@example.com>"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(h.line("RSET"), "250 2.0.0 Ok\r\n");
    EXPECT_EQ(h.line("MAIL FROM:<>"), "250 2.1.0 Ok\r\n");
}

TEST(Submission, RemoteAndLocalRecipients) {
    Submission h;
    h.secure();
    h.login_plain("anna@example.com", "pw-anna");
    h.sign = [](std::string_view m) {
        EXPECT_NE(m.find("Subject: hi"), std::string_view::npos);
        return std::string("DKIM-Signature: v=1; test\r\n");
    };
    EXPECT_EQ(h.line("MAIL FROM:<anna@example.com> ENVID=abc RET=HDRS"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<bert@example.com>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<x@remote.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@remote.example"),
              "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<nobody@example.com>").substr(0, 9), "550 5.1.1");
    EXPECT_EQ(h.line("DATA").substr(0, 3), "354");
    EXPECT_EQ(h.data({"From: anna@example.com", "Subject: hi", "", "hello"}),
              "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(h.delivered.size(), 1u);
    const auto& m = h.delivered[0];
    ASSERT_EQ(m.targets.size(), 1u);
    EXPECT_EQ(m.targets[0].account, 2u);
    ASSERT_TRUE(m.outbound.has_value());
    EXPECT_EQ(m.outbound->queue_id, "QID1");
    EXPECT_EQ(m.outbound->sender, "anna@example.com");
    EXPECT_EQ(m.outbound->sender_account, 1u);
    EXPECT_EQ(m.outbound->envid, "abc");
    EXPECT_EQ(m.outbound->ret, 2);
    ASSERT_EQ(m.outbound->recipients.size(), 1u);
    EXPECT_EQ(m.outbound->recipients[0].address, "x@remote.example");
    EXPECT_EQ(m.outbound->recipients[0].orcpt, "rfc822;x@remote.example");
    EXPECT_EQ(m.outbound->recipients[0].notify, store::kNotifySuccess | store::kNotifyFailure);
    // Return-Path, then the signature, then the trace field without the
    // client's address, the added Date and Message-ID, then the message.
    EXPECT_EQ(m.data.rfind("Return-Path: <anna@example.com>\r\nDKIM-Signature: v=1; test\r\nReceived: by mx.example.com (Postamt) with ESMTPSA id QID1", 0), 0u)
        << m.data;
    EXPECT_EQ(m.data.find("192.0.2.1"), std::string::npos);
    EXPECT_NE(m.data.find("\r\nMessage-ID: <postamt.QID1@mx.example.com>\r\n"), std::string::npos);
    EXPECT_NE(m.data.find("\r\nDate: "), std::string::npos);
}

TEST(Submission, OnlyRemoteRecipientsAccepted) {
    Submission h;
    h.secure();
    h.login_plain("anna@example.com", "pw-anna");
    h.line("MAIL FROM:<anna@example.com>");
    h.line("RCPT TO:<x@remote.example>");
    h.line("DATA");
    EXPECT_EQ(h.data({"Message-ID: <m1@laptop>", "Date: Tue, 1 Oct 2024 12:00:00 +0000", "",
                      "hello"}),
              "250 2.0.0 Ok: queued as QID1\r\n");
    ASSERT_EQ(h.delivered.size(), 1u);
    EXPECT_TRUE(h.delivered[0].targets.empty());
    EXPECT_EQ(h.delivered[0].data.find("Message-ID: <postamt."), std::string::npos);
    EXPECT_EQ(h.delivered[0].data.find("\r\nDate: T"), h.delivered[0].data.rfind("\r\nDate: T"));
}

TEST(Submission, QueueFailureIsTemporary) {
    Submission h;
    h.secure();
    h.login_plain("anna@example.com", "pw-anna");
    h.backend.deliver = [](const store::NewMessage&) -> Result<std::vector<store::DeliveredCopy>> {
        return make_error(Errc::unavailable, "disk full");
    };
    h.line("MAIL FROM:<anna@example.com>");
    h.line("RCPT TO:<x@remote.example>");
    h.line("DATA");
    EXPECT_EQ(h.data({"Subject: x", "", "hello"}), "452 4.3.1 Error: insufficient system storage\r\n");
}

TEST(Submission, Limits) {
    Submission h;
    h.secure();
    h.login_plain("anna@example.com", "pw-anna");
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(h.line("RCPT TO:<x@remote.example>"), "503 5.5.1 Error: need MAIL command\r\n");
    h.line("MAIL FROM:<anna@example.com>");
    EXPECT_EQ(h.line("RCPT TO:<x1@remote.example>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<x2@remote.example>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<x3@remote.example>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(h.line("RCPT TO:<x4@remote.example>"), "452 4.5.3 Error: too many recipients\r\n");
    h.line("RSET");
    h.allow_message = [](store::AccountId) { return false; };
    EXPECT_EQ(h.line("MAIL FROM:<anna@example.com>"),
              "450 4.7.1 Error: too many messages sent in the last hour, try again later\r\n");
}

TEST(Submission, InboundStillNoRelay) {
    auto o = Submission::options();
    o.mode = Mode::inbound;
    Submission h(o);
    h.ehlo();
    h.line("MAIL FROM:<x@remote.example>");
    EXPECT_EQ(h.line("RCPT TO:<y@elsewhere.example>"),
              "554 5.7.1 <y@elsewhere.example>: Relay access denied\r\n");
}

TEST(SubmissionHeaders, MissingFields) {
    auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1727784000));
    EXPECT_EQ(missing_submission_fields("Subject: x\r\n\r\nbody", "Q1", "h.example", t),
              "Date: Tue, 01 Oct 2024 12:00:00 +0000\r\nMessage-ID: <postamt.Q1@h.example>\r\n");
    EXPECT_EQ(missing_submission_fields("message-id: <a@b>\r\nDATE: x\r\n\r\n", "Q1", "h", t), "");
    // A field name inside the body or a continuation line does not count.
    EXPECT_EQ(missing_submission_fields("Subject: a\r\n Date: no\r\n\r\nDate: x\r\n", "Q", "h", t)
                  .substr(0, 5),
              "Date:");
    EXPECT_TRUE(has_header_field("X: 1\nDate : y\n\n", "date"));
    EXPECT_FALSE(has_header_field("", "date"));
    EXPECT_FALSE(has_header_field("no colon here\r\n", "no colon here"));
}

TEST(SubmissionLimiter, SlidingHour) {
    SubmissionLimiter l(2);
    auto t0 = SubmissionLimiter::Clock::time_point(std::chrono::hours(100));
    EXPECT_TRUE(l.allow(1, t0));
    EXPECT_TRUE(l.allow(1, t0 + std::chrono::minutes(1)));
    EXPECT_FALSE(l.allow(1, t0 + std::chrono::minutes(2)));
    EXPECT_TRUE(l.allow(2, t0 + std::chrono::minutes(2)));  // per account
    EXPECT_TRUE(l.allow(1, t0 + std::chrono::minutes(61)));
    SubmissionLimiter none(0);
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(none.allow(1, t0));
}

}  // namespace
}  // namespace postamt::smtp
