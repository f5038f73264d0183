// The POP3 session state machine, driven step by step the way the runner
// drives it, with scripted authentication and store results.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "auth/scram.h"
#include "common/base64.h"
#include "pop3/session.h"

namespace postamt::pop3 {
namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr int64_t kDay = 86400;

SessionOptions options(bool tls_available = true) {
    SessionOptions o;
    o.hostname = "mail.example.org";
    o.tls_available = tls_available;
    return o;
}

PeerInfo loopback() {
    PeerInfo p;
    p.ip = "127.0.0.1";
    p.loopback = true;
    return p;
}

PeerInfo remote(bool tls = false) {
    PeerInfo p;
    p.ip = "192.0.2.7";
    p.tls = tls;
    return p;
}

store::Account bob() {
    store::Account a;
    a.id = 1;
    a.local_part = "bob";
    a.domain = "example.org";
    return a;
}

store::Pop3Maildrop inbox(std::size_t n) {
    store::Pop3Maildrop md;
    md.inbox.id = 3;
    md.inbox.name = "INBOX";
    md.inbox.uid_validity = 0x6553F101;
    for (std::size_t i = 0; i < n; ++i) {
        store::Pop3Message m;
        m.uid = static_cast<store::Uid>(i + 1);
        m.blob =
            store::BlobRef{static_cast<store::BlobId>(50 + i), static_cast<int64_t>(100 * (i + 1))};
        md.messages.push_back(m);
    }
    return md;
}

std::string text_of(const Step& s) {
    if (auto r = std::get_if<step::Reply>(&s)) return r->text;
    if (auto r = std::get_if<step::ReplyAndClose>(&s)) return r->text;
    if (auto r = std::get_if<step::StartTls>(&s)) return r->text;
    return "";
}

bool starts_with(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }

auth::AuthResult auth_ok() {
    auth::AuthResult r;
    r.status = auth::AuthStatus::ok;
    r.account = bob();
    return r;
}

auth::AuthResult auth_status(auth::AuthStatus st) {
    auth::AuthResult r;
    r.status = st;
    r.retry_after = std::chrono::seconds(90);
    return r;
}

struct Harness {
    Session s;
    explicit Harness(SessionOptions o = options(), PeerInfo peer = loopback())
        : s(std::move(o), SessionEnv{[] { return kNow; }}) {
        greeting = text_of(s.on_connect(peer));
    }
    std::string greeting;
    Step line(std::string_view l) { return s.on_line(l); }
    std::string say(std::string_view l) { return text_of(s.on_line(l)); }

    // USER/PASS up to the open maildrop with `md`.
    std::string login(store::Pop3Maildrop md) {
        EXPECT_EQ(say("USER bob"), "+OK Send PASS\r\n");
        Step st = line("PASS secret-pw");
        auto* v = std::get_if<step::VerifyPassword>(&st);
        EXPECT_NE(v, nullptr);
        if (v) {
            EXPECT_EQ(v->login, "bob");
            EXPECT_EQ(v->password, "secret-pw");
        }
        st = s.on_password_result(auth_ok());
        auto* open = std::get_if<step::OpenMaildrop>(&st);
        EXPECT_NE(open, nullptr);
        if (open) {
            EXPECT_EQ(open->account, 1);
            EXPECT_EQ(open->address, "bob@example.org");
        }
        return text_of(s.on_maildrop(std::move(md)));
    }
};

// ---- greeting, CAPA -------------------------------------------------------------

TEST(Pop3Session, Greeting) {
    Harness h;
    EXPECT_EQ(h.greeting, "+OK mail.example.org Postamt POP3 server ready\r\n");
    PeerInfo busy = loopback();
    busy.over_limit = true;
    Session s(options());
    Step st = s.on_connect(busy);
    ASSERT_TRUE(std::holds_alternative<step::ReplyAndClose>(st));
    EXPECT_EQ(text_of(st), "-ERR [SYS/TEMP] Too many connections, try again later\r\n");
    EXPECT_TRUE(s.closed());
}

TEST(Pop3Session, CapaBeforeLoginOnLoopback) {
    Harness h;
    EXPECT_EQ(h.say("CAPA"),
              "+OK Capability list "
              "follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
              "EXPIRE NEVER\r\nUSER\r\nSASL SCRAM-SHA-256 PLAIN LOGIN\r\nSTLS\r\nIMPLEMENTATION "
              "Postamt\r\n.\r\n");
}

TEST(Pop3Session, CapaWithoutTlsOffersNoPlaintext) {
    Harness h(options(), remote());
    std::string c = h.say("CAPA");
    EXPECT_EQ(c.find("USER\r\n"), std::string::npos) << c;
    EXPECT_NE(c.find("\r\nSASL SCRAM-SHA-256\r\n"), std::string::npos) << c;
    EXPECT_NE(c.find("\r\nSTLS\r\n"), std::string::npos) << c;
    Harness no_tls(options(false), remote());
    EXPECT_EQ(no_tls.say("CAPA").find("STLS"), std::string::npos);
}

TEST(Pop3Session, CapaAnnouncesPolicies) {
    auto o = options();
    o.expire_days = 30;
    o.login_delay = std::chrono::seconds(300);
    Harness h(o, remote(true));
    std::string c = h.say("CAPA");
    EXPECT_NE(c.find("\r\nEXPIRE 30\r\n"), std::string::npos) << c;
    EXPECT_NE(c.find("\r\nLOGIN-DELAY 300\r\n"), std::string::npos) << c;
    EXPECT_NE(c.find("\r\nUSER\r\n"), std::string::npos) << c;
    EXPECT_EQ(c.find("STLS"), std::string::npos) << "TLS is already active";
    h.login(inbox(1));
    c = h.say("CAPA");
    EXPECT_EQ(c.find("USER"), std::string::npos) << c;
    EXPECT_EQ(c.find("SASL"), std::string::npos) << c;
    EXPECT_NE(c.find("\r\nEXPIRE 30\r\n"), std::string::npos) << c;
    EXPECT_NE(c.find("IMPLEMENTATION"), std::string::npos) << c;
}

// ---- AUTHORIZATION ------------------------------------------------------------------

TEST(Pop3Session, PlaintextRefusedBeforeTlsWhenNotLoopback) {
    Harness h(options(), remote());
    EXPECT_EQ(h.say("USER bob"),
              "-ERR Plaintext authentication is not allowed without TLS; use STLS first\r\n");
    EXPECT_EQ(h.say("PASS secret-pw"), "-ERR Send USER first\r\n");
    EXPECT_TRUE(
        starts_with(h.say("AUTH PLAIN AGJvYgBzZWNyZXQtcHc="), "-ERR Plaintext authentication"));
    EXPECT_TRUE(starts_with(h.say("AUTH LOGIN"), "-ERR Plaintext authentication"));
    // SCRAM never sends the password: allowed.
    EXPECT_EQ(h.say("AUTH SCRAM-SHA-256"), "+ \r\n");
}

TEST(Pop3Session, PlaintextOnLoopbackCanBeDisallowed) {
    auto o = options();
    o.allow_plaintext_on_loopback = false;
    Harness h(o, loopback());
    EXPECT_TRUE(starts_with(h.say("USER bob"), "-ERR Plaintext"));
}

TEST(Pop3Session, StlsThenPlaintextIsAllowed) {
    Harness h(options(), remote());
    EXPECT_TRUE(starts_with(h.say("USER bob"), "-ERR"));
    Step st = h.line("STLS");
    ASSERT_TRUE(std::holds_alternative<step::StartTls>(st));
    EXPECT_EQ(text_of(st), "+OK Begin TLS negotiation\r\n");
    EXPECT_TRUE(h.s.awaiting_result());
    h.s.on_tls_started();
    EXPECT_EQ(h.say("STLS"), "-ERR TLS is already active\r\n");
    EXPECT_EQ(h.login(inbox(2)), "+OK Logged in, 2 messages (300 octets)\r\n");
}

TEST(Pop3Session, StlsForgetsUser) {
    Harness h;
    EXPECT_EQ(h.say("USER bob"), "+OK Send PASS\r\n");
    ASSERT_TRUE(std::holds_alternative<step::StartTls>(h.line("STLS")));
    h.s.on_tls_started();
    EXPECT_EQ(h.say("PASS secret-pw"), "-ERR Send USER first\r\n");
}

TEST(Pop3Session, StlsUnavailableOrAfterLogin) {
    Harness h(options(false));
    EXPECT_EQ(h.say("STLS"), "-ERR STLS is not available\r\n");
    h.login(inbox(0));
    EXPECT_EQ(h.say("STLS"), "-ERR STLS is only valid before login\r\n");
}

TEST(Pop3Session, WrongStateCommands) {
    Harness h;
    EXPECT_EQ(h.say("STAT"), "-ERR Not logged in: STAT is only valid after USER/PASS or AUTH\r\n");
    EXPECT_EQ(h.say("RETR 1"),
              "-ERR Not logged in: RETR is only valid after USER/PASS or AUTH\r\n");
    EXPECT_EQ(h.say("PASS x"), "-ERR Send USER first\r\n");
    EXPECT_EQ(h.say("APOP bob 0123456789abcdef0123456789abcdef"),
              "-ERR APOP is not supported; use USER/PASS or AUTH over TLS\r\n");
    h.login(inbox(1));
    EXPECT_EQ(h.say("USER bob"), "-ERR Already logged in\r\n");
    EXPECT_EQ(h.say("PASS x"), "-ERR Already logged in\r\n");
    EXPECT_EQ(h.say("AUTH PLAIN"), "-ERR Already logged in\r\n");
}

TEST(Pop3Session, BadPasswordGetsAuthCodeAndCanRetry) {
    Harness h;
    h.say("USER bob");
    ASSERT_TRUE(std::holds_alternative<step::VerifyPassword>(h.line("PASS wrong")));
    EXPECT_EQ(text_of(h.s.on_password_result(auth_status(auth::AuthStatus::bad_credentials))),
              "-ERR [AUTH] Authentication failed\r\n");
    EXPECT_EQ(h.say("PASS again"), "-ERR Send USER first\r\n") << "a failed PASS forgets USER";
    EXPECT_EQ(h.login(inbox(1)), "+OK Logged in, 1 messages (100 octets)\r\n");
}

TEST(Pop3Session, ThrottledOrUnavailableAuthIsTemporary) {
    Harness h;
    h.say("USER bob");
    h.line("PASS x");
    EXPECT_EQ(text_of(h.s.on_password_result(auth_status(auth::AuthStatus::temporarily_blocked))),
              "-ERR [SYS/TEMP] Too many failed logins; try again in 90 seconds\r\n");
    h.say("USER bob");
    h.line("PASS x");
    EXPECT_EQ(text_of(h.s.on_password_result(auth_status(auth::AuthStatus::unavailable))),
              "-ERR [SYS/TEMP] Authentication is temporarily unavailable, try again later\r\n");
}

TEST(Pop3Session, MaildropInUseAndLoginDelay) {
    Harness h;
    h.say("USER bob");
    h.line("PASS secret-pw");
    ASSERT_TRUE(std::holds_alternative<step::OpenMaildrop>(h.s.on_password_result(auth_ok())));
    EXPECT_EQ(text_of(h.s.on_open_refused(OpenRefusal::in_use)),
              "-ERR [IN-USE] Maildrop is in use by another POP3 session\r\n");
    EXPECT_FALSE(h.s.maildrop_open());
    EXPECT_TRUE(starts_with(h.say("STAT"), "-ERR Not logged in")) << "still AUTHORIZATION";
    h.say("USER bob");
    h.line("PASS secret-pw");
    h.s.on_password_result(auth_ok());
    EXPECT_EQ(text_of(h.s.on_open_refused(OpenRefusal::login_delay, std::chrono::seconds(42))),
              "-ERR [LOGIN-DELAY] Logged in too recently; try again in 42 seconds\r\n");
    h.say("USER bob");
    h.line("PASS secret-pw");
    h.s.on_password_result(auth_ok());
    EXPECT_EQ(text_of(h.s.on_open_refused(OpenRefusal::user_limit)),
              "-ERR [IN-USE] Too many connections for this user\r\n");
    // And then it works.
    EXPECT_EQ(h.login(inbox(1)), "+OK Logged in, 1 messages (100 octets)\r\n");
    EXPECT_TRUE(h.s.maildrop_open());
}

TEST(Pop3Session, StoreFailureOpeningTheMaildrop) {
    Harness h;
    h.say("USER bob");
    h.line("PASS secret-pw");
    h.s.on_password_result(auth_ok());
    EXPECT_EQ(text_of(h.s.on_maildrop(make_error(Errc::unavailable, "disk"))),
              "-ERR [SYS/TEMP] Cannot open the maildrop now, try again later\r\n");
    EXPECT_FALSE(h.s.maildrop_open());
    h.say("USER bob");
    h.line("PASS secret-pw");
    h.s.on_password_result(auth_ok());
    EXPECT_EQ(text_of(h.s.on_maildrop(make_error(Errc::not_found, "no inbox"))),
              "-ERR [SYS/PERM] This account has no INBOX\r\n");
}

// ---- TRANSACTION -------------------------------------------------------------------

TEST(Pop3Session, StatListUidl) {
    Harness h;
    auto md = inbox(3);
    md.messages[1].imported_uidl = "kept-from-import";
    h.login(md);
    EXPECT_EQ(h.say("STAT"), "+OK 3 600\r\n");
    EXPECT_EQ(h.say("LIST"), "+OK 3 messages (600 octets)\r\n1 100\r\n2 200\r\n3 300\r\n.\r\n");
    EXPECT_EQ(h.say("LIST 2"), "+OK 2 200\r\n");
    EXPECT_EQ(h.say("UIDL"),
              "+OK Unique-ID listing follows\r\n1 000000016553F101\r\n2 kept-from-import\r\n3 "
              "000000036553F101\r\n.\r\n");
    EXPECT_EQ(h.say("UIDL 3"), "+OK 3 000000036553F101\r\n");
    EXPECT_EQ(h.say("LIST 4"), "-ERR No such message, only 3 in the maildrop\r\n");
    EXPECT_EQ(h.say("UIDL 99"), "-ERR No such message, only 3 in the maildrop\r\n");
    EXPECT_EQ(h.say("LIST 0"), "-ERR Invalid message number\r\n");
    EXPECT_EQ(h.say("NOOP"), "+OK\r\n");
}

TEST(Pop3Session, EmptyMaildrop) {
    Harness h;
    EXPECT_EQ(h.login(inbox(0)), "+OK Logged in, 0 messages (0 octets)\r\n");
    EXPECT_EQ(h.say("STAT"), "+OK 0 0\r\n");
    EXPECT_EQ(h.say("LIST"), "+OK 0 messages (0 octets)\r\n.\r\n");
    EXPECT_EQ(h.say("RETR 1"), "-ERR No such message, only 0 in the maildrop\r\n");
}

TEST(Pop3Session, RetrAndTopAskForTheBlob) {
    Harness h;
    h.login(inbox(2));
    Step st = h.line("RETR 2");
    auto* send = std::get_if<step::SendMessage>(&st);
    ASSERT_NE(send, nullptr);
    EXPECT_EQ(send->status, "+OK 200 octets\r\n");
    EXPECT_EQ(send->blob.id, 51);
    EXPECT_FALSE(send->top_lines.has_value());
    EXPECT_TRUE(h.s.awaiting_result());
    EXPECT_TRUE(std::holds_alternative<step::None>(h.s.on_message_sent(SendOutcome::sent)));
    st = h.line("TOP 1 5");
    send = std::get_if<step::SendMessage>(&st);
    ASSERT_NE(send, nullptr);
    EXPECT_EQ(send->status, "+OK Top of message follows\r\n");
    EXPECT_EQ(send->top_lines, 5u);
    h.s.on_message_sent(SendOutcome::sent);
    // Only the RETR counts as downloaded.
    Step q = h.line("QUIT");
    auto* c = std::get_if<step::Commit>(&q);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->retrieved, (std::vector<store::Uid>{2}));
    EXPECT_TRUE(c->deleted.empty());
}

TEST(Pop3Session, UnreadableMessageIsATemporaryError) {
    Harness h;
    h.login(inbox(1));
    ASSERT_TRUE(std::holds_alternative<step::SendMessage>(h.line("RETR 1")));
    EXPECT_EQ(text_of(h.s.on_message_sent(SendOutcome::unreadable)),
              "-ERR [SYS/TEMP] Message 1 cannot be read now, try again later\r\n");
    Step q = h.line("QUIT");
    ASSERT_TRUE(std::holds_alternative<step::ReplyAndClose>(q)) << "nothing to commit";
    EXPECT_EQ(text_of(q), "+OK Logging out\r\n");
}

TEST(Pop3Session, DeleResetAndDeletedMessages) {
    Harness h;
    h.login(inbox(3));
    EXPECT_EQ(h.say("DELE 2"), "+OK Message 2 deleted\r\n");
    EXPECT_EQ(h.say("DELE 2"), "-ERR Message 2 is deleted\r\n");
    EXPECT_EQ(h.say("RETR 2"), "-ERR Message 2 is deleted\r\n");
    EXPECT_EQ(h.say("TOP 2 0"), "-ERR Message 2 is deleted\r\n");
    EXPECT_EQ(h.say("LIST 2"), "-ERR Message 2 is deleted\r\n");
    EXPECT_EQ(h.say("UIDL 2"), "-ERR Message 2 is deleted\r\n");
    EXPECT_EQ(h.say("STAT"), "+OK 2 400\r\n");
    EXPECT_EQ(h.say("LIST"), "+OK 2 messages (400 octets)\r\n1 100\r\n3 300\r\n.\r\n");
    EXPECT_EQ(h.say("RSET"), "+OK 1 messages undeleted; maildrop has 3 messages (600 octets)\r\n");
    EXPECT_EQ(h.say("STAT"), "+OK 3 600\r\n");
    EXPECT_EQ(h.say("DELE 1"), "+OK Message 1 deleted\r\n");
    EXPECT_EQ(h.say("DELE 3"), "+OK Message 3 deleted\r\n");
    EXPECT_EQ(h.say("DELE 4"), "-ERR No such message, only 3 in the maildrop\r\n");
    Step q = h.line("QUIT");
    auto* c = std::get_if<step::Commit>(&q);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->mailbox, 3);
    EXPECT_EQ(c->deleted, (std::vector<store::Uid>{1, 3}));
    store::ExpungeResult ex;
    ex.expunged = {1, 3};
    Step done = h.s.on_commit_result(ex);
    ASSERT_TRUE(std::holds_alternative<step::ReplyAndClose>(done));
    EXPECT_EQ(text_of(done), "+OK Logging out, 2 messages deleted\r\n");
    EXPECT_FALSE(h.s.maildrop_open());
    EXPECT_TRUE(h.s.closed());
    EXPECT_TRUE(std::holds_alternative<step::None>(h.line("NOOP"))) << "silent after close";
}

TEST(Pop3Session, FailedUpdateSaysSo) {
    Harness h;
    h.login(inbox(1));
    h.say("DELE 1");
    ASSERT_TRUE(std::holds_alternative<step::Commit>(h.line("QUIT")));
    EXPECT_EQ(text_of(h.s.on_commit_result(make_error(Errc::unavailable, "disk full"))),
              "-ERR [SYS/TEMP] Some deleted messages were not removed, try again later\r\n");
}

TEST(Pop3Session, TimeoutAndShutdownNeverDelete) {
    Harness h;
    h.login(inbox(2));
    h.say("DELE 1");
    Step t = h.s.on_timeout();
    ASSERT_TRUE(std::holds_alternative<step::ReplyAndClose>(t));
    EXPECT_EQ(text_of(t), "-ERR Disconnected for inactivity\r\n");
    Harness g;
    g.login(inbox(2));
    g.say("DELE 1");
    Step s = g.s.on_shutdown();
    ASSERT_TRUE(std::holds_alternative<step::ReplyAndClose>(s));
    EXPECT_EQ(text_of(s), "-ERR [SYS/TEMP] Server shutting down, try again later\r\n");
}

TEST(Pop3Session, QuitBeforeLogin) {
    Harness h;
    Step q = h.line("quit");
    ASSERT_TRUE(std::holds_alternative<step::ReplyAndClose>(q));
    EXPECT_EQ(text_of(q), "+OK Bye\r\n");
}

// ---- malformed input ------------------------------------------------------------------

TEST(Pop3Session, MalformedInputGetsClearErrors) {
    Harness h;
    EXPECT_EQ(h.say("HELO x"), "-ERR Unknown command\r\n");
    EXPECT_EQ(h.say(""), "-ERR Empty command\r\n");
    EXPECT_EQ(text_of(h.s.on_line_too_long()), "-ERR Line too long\r\n");
    h.login(inbox(2));
    EXPECT_EQ(h.say("RETR x"), "-ERR Invalid message number\r\n");
    EXPECT_EQ(h.say("RETR 4294967296"), "-ERR Invalid message number\r\n");
    EXPECT_EQ(h.say("TOP 1 x"), "-ERR Invalid number of lines\r\n");
    EXPECT_EQ(h.say(std::string("LIST\0 1", 7)), "-ERR Invalid characters in command\r\n");
    EXPECT_EQ(text_of(h.s.on_line_too_long()), "-ERR Line too long\r\n");
    EXPECT_EQ(h.say("STAT"), "+OK 2 300\r\n") << "still in sync after errors";
}

TEST(Pop3Session, TooManyBadCommandsCloses) {
    Harness h;
    Step st;
    for (uint32_t i = 1; i < kMaxBadCommands; ++i) {
        st = h.line("BOGUS");
        ASSERT_TRUE(std::holds_alternative<step::Reply>(st)) << i;
    }
    st = h.line("BOGUS");
    ASSERT_TRUE(std::holds_alternative<step::ReplyAndClose>(st));
    EXPECT_EQ(text_of(st), "-ERR Too many bad commands, closing connection\r\n");
}

TEST(Pop3Session, InputWhileWaitingIsAnInternalError) {
    Harness h;
    h.say("USER bob");
    h.line("PASS x");
    Step st = h.line("STAT");
    ASSERT_TRUE(std::holds_alternative<step::ReplyAndClose>(st));
    EXPECT_TRUE(starts_with(text_of(st), "-ERR [SYS/TEMP] Internal error"));
}

TEST(Pop3Session, ResultsOutOfOrderAreRefused) {
    Harness h;
    EXPECT_TRUE(std::holds_alternative<step::ReplyAndClose>(h.s.on_maildrop(inbox(1))));
    Harness g;
    EXPECT_TRUE(
        std::holds_alternative<step::ReplyAndClose>(g.s.on_message_sent(SendOutcome::sent)));
}

// ---- retention ------------------------------------------------------------------------

TEST(Pop3Session, RetentionExpiresOldDownloadsAtLogin) {
    auto o = options();
    o.expire_days = 7;
    Harness h(o);
    auto md = inbox(3);
    md.messages[0].retrieved_at = kNow - 8 * kDay;
    md.messages[2].retrieved_at = kNow - 1 * kDay;
    h.say("USER bob");
    h.line("PASS secret-pw");
    h.s.on_password_result(auth_ok());
    Step st = h.s.on_maildrop(md);
    auto* e = std::get_if<step::Expire>(&st);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->mailbox, 3);
    EXPECT_EQ(e->uids, (std::vector<store::Uid>{1}));
    store::ExpungeResult ex;
    ex.expunged = {1};
    EXPECT_EQ(text_of(h.s.on_expire_result(ex)), "+OK Logged in, 2 messages (500 octets)\r\n");
    EXPECT_EQ(h.say("UIDL 1"), "+OK 1 000000026553F101\r\n") << "numbers are assigned after expiry";
}

TEST(Pop3Session, FailedExpiryKeepsEverything) {
    auto o = options();
    o.expire_days = 1;
    Harness h(o);
    auto md = inbox(2);
    md.messages[0].retrieved_at = kNow - 3 * kDay;
    h.say("USER bob");
    h.line("PASS secret-pw");
    h.s.on_password_result(auth_ok());
    ASSERT_TRUE(std::holds_alternative<step::Expire>(h.s.on_maildrop(md)));
    EXPECT_EQ(text_of(h.s.on_expire_result(make_error(Errc::unavailable, "busy"))),
              "+OK Logged in, 2 messages (300 octets)\r\n");
}

TEST(Pop3Session, NoExpiryWithoutPolicy) {
    Harness h;
    auto md = inbox(1);
    md.messages[0].retrieved_at = kNow - 1000 * kDay;
    EXPECT_EQ(h.login(md), "+OK Logged in, 1 messages (100 octets)\r\n");
}

// ---- AUTH (RFC 5034) --------------------------------------------------------------------

TEST(Pop3Auth, PlainWithInitialResponse) {
    Harness h;
    Step st = h.line("AUTH PLAIN " + base64_encode(std::string("\0bob\0secret-pw", 14)));
    auto* v = std::get_if<step::VerifyPassword>(&st);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->login, "bob");
    EXPECT_EQ(v->password, "secret-pw");
    ASSERT_TRUE(std::holds_alternative<step::OpenMaildrop>(h.s.on_password_result(auth_ok())));
    EXPECT_EQ(text_of(h.s.on_maildrop(inbox(1))), "+OK Logged in, 1 messages (100 octets)\r\n");
}

TEST(Pop3Auth, PlainAfterEmptyChallenge) {
    Harness h;
    EXPECT_EQ(h.say("AUTH PLAIN"), "+ \r\n");
    EXPECT_TRUE(h.s.in_sasl());
    Step st = h.line(base64_encode(std::string("\0bob\0pw", 7)));
    ASSERT_TRUE(std::holds_alternative<step::VerifyPassword>(st));
    EXPECT_EQ(text_of(h.s.on_password_result(auth_status(auth::AuthStatus::bad_credentials))),
              "-ERR [AUTH] Authentication failed\r\n");
    EXPECT_FALSE(h.s.in_sasl());
}

TEST(Pop3Auth, LoginMechanism) {
    Harness h;
    EXPECT_EQ(h.say("AUTH LOGIN"), "+ " + base64_encode("Username:") + "\r\n");
    EXPECT_EQ(h.say(base64_encode("bob")), "+ " + base64_encode("Password:") + "\r\n");
    Step st = h.line(base64_encode("secret-pw"));
    auto* v = std::get_if<step::VerifyPassword>(&st);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->login, "bob");
    ASSERT_TRUE(std::holds_alternative<step::OpenMaildrop>(h.s.on_password_result(auth_ok())));
}

TEST(Pop3Auth, CancelAndBadBase64) {
    Harness h;
    EXPECT_EQ(h.say("AUTH PLAIN"), "+ \r\n");
    EXPECT_EQ(h.say("*"), "-ERR Authentication cancelled\r\n");
    EXPECT_EQ(h.say("AUTH PLAIN"), "+ \r\n");
    EXPECT_EQ(h.say("not base64!"), "-ERR Invalid base64 data\r\n");
    EXPECT_EQ(h.say("AUTH PLAIN @@@"), "-ERR Invalid base64 in the initial response\r\n");
    EXPECT_EQ(h.say("AUTH PLAIN"), "+ \r\n");
    EXPECT_EQ(text_of(h.s.on_line_too_long()), "-ERR Authentication failed: response too long\r\n");
    EXPECT_EQ(h.say("AUTH PLAIN " + base64_encode("no-nul-separators")),
              "-ERR Authentication failed: malformed\r\n");
    EXPECT_EQ(h.say("STAT"), "-ERR Not logged in: STAT is only valid after USER/PASS or AUTH\r\n");
}

TEST(Pop3Auth, MechanismList) {
    Harness h;
    EXPECT_EQ(h.say("AUTH"),
              "+OK Supported mechanisms follow\r\nSCRAM-SHA-256\r\nPLAIN\r\nLOGIN\r\n.\r\n");
    EXPECT_EQ(h.say("AUTH CRAM-MD5"), "-ERR Unsupported authentication mechanism\r\n");
    Harness r(options(), remote());
    EXPECT_EQ(r.say("AUTH"), "+OK Supported mechanisms follow\r\nSCRAM-SHA-256\r\n.\r\n");
}

// ---- SCRAM-SHA-256 with an independent client ------------------------------------------

std::string hmac(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string client_proof(const std::string& password, const std::string& salt, int iter,
                         const std::string& am) {
    unsigned char salted[32];
    PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()),
                      static_cast<int>(salt.size()), iter, EVP_sha256(), 32, salted);
    std::string client_key = hmac(std::string(reinterpret_cast<char*>(salted), 32), "Client Key");
    unsigned char stored[32];
    SHA256(reinterpret_cast<const unsigned char*>(client_key.data()), 32, stored);
    std::string sig = hmac(std::string(reinterpret_cast<char*>(stored), 32), am);
    std::string proof(32, '\0');
    for (int i = 0; i < 32; ++i) proof[i] = static_cast<char>(client_key[i] ^ sig[i]);
    return base64_encode(proof);
}

std::string field(const std::string& msg, char name) {
    std::string key = std::string(1, name) + "=";
    auto p = msg.find(key);
    if (p == std::string::npos) return "";
    auto e = msg.find(',', p);
    return msg.substr(p + 2, e == std::string::npos ? std::string::npos : e - p - 2);
}

// Runs SCRAM up to the ReportScram step; returns it.
Step scram_exchange(Harness& h, const std::string& password) {
    auto stored = auth::make_scram_credentials("secret-pw", 4096);
    EXPECT_TRUE(stored.ok());
    auto creds = auth::parse_scram_credentials(*stored);
    const std::string bare = "n=bob,r=clientnonce123";
    Step st = h.line("AUTH SCRAM-SHA-256 " + base64_encode("n,," + bare));
    auto* look = std::get_if<step::LookupScram>(&st);
    EXPECT_NE(look, nullptr);
    if (look) {
        EXPECT_EQ(look->login, "bob");
    }
    auth::ScramLookup lk;
    lk.status = auth::AuthStatus::ok;
    lk.credentials = creds;
    lk.account = bob();
    std::string challenge = text_of(h.s.on_scram_lookup(lk));
    EXPECT_TRUE(starts_with(challenge, "+ ")) << challenge;
    std::string server_first = *base64_decode(challenge.substr(2, challenge.size() - 4));
    std::string nonce = field(server_first, 'r');
    std::string salt = *base64_decode(field(server_first, 's'));
    int iter = std::stoi(field(server_first, 'i'));
    std::string without_proof = "c=biws,r=" + nonce;
    std::string am = bare + "," + server_first + "," + without_proof;
    return h.line(base64_encode(without_proof + ",p=" + client_proof(password, salt, iter, am)));
}

TEST(Pop3Auth, ScramSuccessSendsServerFinalAsChallenge) {
    Harness h(options(), remote());
    Step st = scram_exchange(h, "secret-pw");
    auto* rep = std::get_if<step::ReportScram>(&st);
    ASSERT_NE(rep, nullptr);
    EXPECT_TRUE(rep->ok);
    EXPECT_EQ(rep->login, "bob");
    // RFC 5034 4: no data with +OK, so v= goes out as a challenge...
    std::string fin = text_of(h.s.on_scram_reported());
    ASSERT_TRUE(starts_with(fin, "+ "));
    EXPECT_TRUE(starts_with(*base64_decode(fin.substr(2, fin.size() - 4)), "v="));
    // ... and the client's empty response completes the login.
    Step open = h.line("");
    auto* o = std::get_if<step::OpenMaildrop>(&open);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->address, "bob@example.org");
    EXPECT_EQ(text_of(h.s.on_maildrop(inbox(2))), "+OK Logged in, 2 messages (300 octets)\r\n");
}

TEST(Pop3Auth, ScramWrongPasswordIsReportedAndRefused) {
    Harness h(options(), remote());
    Step st = scram_exchange(h, "wrong");
    auto* rep = std::get_if<step::ReportScram>(&st);
    ASSERT_NE(rep, nullptr);
    EXPECT_FALSE(rep->ok);
    EXPECT_EQ(rep->login, "bob");
    EXPECT_EQ(text_of(h.s.on_scram_reported()), "-ERR [AUTH] Authentication failed\r\n");
    EXPECT_FALSE(h.s.in_sasl());
}

TEST(Pop3Auth, ScramCancelAfterLookupCountsAsFailure) {
    Harness h;
    h.line("AUTH SCRAM-SHA-256 " + base64_encode("n,,n=bob,r=abc"));
    auth::ScramLookup lk;
    lk.status = auth::AuthStatus::ok;
    ASSERT_TRUE(starts_with(text_of(h.s.on_scram_lookup(lk)), "+ "));
    Step st = h.line("*");
    auto* rep = std::get_if<step::ReportScram>(&st);
    ASSERT_NE(rep, nullptr);
    EXPECT_FALSE(rep->ok);
    EXPECT_EQ(text_of(h.s.on_scram_reported()), "-ERR [AUTH] Authentication failed\r\n");
}

TEST(Pop3Auth, ScramBlocked) {
    Harness h;
    h.line("AUTH SCRAM-SHA-256 " + base64_encode("n,,n=bob,r=abc"));
    auth::ScramLookup lk;
    lk.status = auth::AuthStatus::temporarily_blocked;
    lk.retry_after = std::chrono::seconds(600);
    EXPECT_EQ(text_of(h.s.on_scram_lookup(lk)),
              "-ERR [SYS/TEMP] Too many failed logins; try again in 600 seconds\r\n");
}

}  // namespace
}  // namespace postamt::pop3
