// Drives a POP3 session (src/pop3/session.h) with arbitrary client input
// and deterministic fake authentication and store results, the way the
// runner does: input split at LF, over-long lines reported as such, every
// Step answered. Invariants:
//  - every reply is CRLF-terminated, starts with "+OK", "-ERR" or "+ " (a
//    SASL challenge), and a multi-line one ends with ".\r\n" and has no
//    line that is a lone "." before that;
//  - the session never asks for anything while it waits for a result, and
//    says nothing after it closed;
//  - the store is changed only by the retention policy at login and after
//    QUIT (Commit), at most once, and only for messages of the snapshot;
//    a message deleted at QUIT is never also marked as downloaded;
//  - a RETR/TOP only ever names a message of the snapshot.
//
// Input: byte 0 = option flags, byte 1 = maildrop size, then the client
// byte stream.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/log.h"
#include "pop3/session.h"

using namespace postamt;
using namespace postamt::pop3;

namespace {

constexpr std::size_t kMaxLine = 512;

uint32_t hash(std::string_view s) {
    uint32_t h = 2166136261u;
    for (unsigned char c : s) h = (h ^ c) * 16777619u;
    return h;
}

void check_reply(const std::string& t) {
    if (t.size() < 3 || t.substr(t.size() - 2) != "\r\n") __builtin_trap();
    bool ok = t.rfind("+OK", 0) == 0, err = t.rfind("-ERR", 0) == 0, chal = t.rfind("+ ", 0) == 0;
    if (!ok && !err && !chal) __builtin_trap();
    std::size_t first_end = t.find("\r\n");
    if (first_end + 2 == t.size()) {
        // Single line: no CR or LF inside.
        if (t.find('\n') != t.size() - 1 || t.find('\r') != t.size() - 2) __builtin_trap();
        return;
    }
    if (!ok) __builtin_trap();  // only +OK starts a multi-line response
    if (t.size() < 5 || t.substr(t.size() - 5) != "\r\n.\r\n") __builtin_trap();
    std::size_t pos = first_end + 2;
    while (pos < t.size()) {
        std::size_t e = t.find("\r\n", pos);
        if (e == std::string::npos) __builtin_trap();
        bool last = e + 2 == t.size();
        if ((t.compare(pos, e - pos, ".") == 0) != last) __builtin_trap();
        pos = e + 2;
    }
}

struct Driver {
    Session session;
    uint8_t flags;
    uint32_t size;
    bool closed = false;
    bool committed = false;

    Driver(SessionOptions o, uint8_t f, uint32_t n)
        : session(std::move(o), env()), flags(f), size(n) {}

    static SessionEnv env() {
        SessionEnv e;
        e.now = [] { return int64_t{1'800'000'000}; };
        return e;
    }

    store::Pop3Maildrop maildrop() const {
        store::Pop3Maildrop md;
        md.inbox.id = 9;
        md.inbox.uid_validity = 1234;
        for (uint32_t i = 0; i < size; ++i) {
            store::Pop3Message m;
            m.uid = 3 * i + 1;
            m.blob =
                store::BlobRef{static_cast<store::BlobId>(i + 1), static_cast<int64_t>(100 + i)};
            // Some were downloaded long ago (retention runs when enabled).
            if (i % 3 == 0) m.retrieved_at = 1'000'000'000;
            if (i % 5 == 0) m.imported_uidl = "imported-" + std::to_string(i);
            md.messages.push_back(m);
        }
        return md;
    }

    bool in_snapshot(store::Uid u) const { return u % 3 == 1 && (u - 1) / 3 < size; }

    // Performs steps until one wants input.
    void perform(Step st) {
        for (int guard = 0; guard < 64; ++guard) {
            if (closed) {
                if (!std::holds_alternative<step::None>(st)) __builtin_trap();
                return;
            }
            if (auto r = std::get_if<step::Reply>(&st)) {
                check_reply(r->text);
                return;
            }
            if (auto r = std::get_if<step::ReplyAndClose>(&st)) {
                check_reply(r->text);
                closed = true;
                if (!session.closed()) __builtin_trap();
                return;
            }
            if (std::holds_alternative<step::None>(st)) return;
            if (!session.awaiting_result()) __builtin_trap();
            if (auto r = std::get_if<step::StartTls>(&st)) {
                check_reply(r->text);
                session.on_tls_started();
                return;
            }
            if (auto v = std::get_if<step::VerifyPassword>(&st)) {
                auth::AuthResult res;
                switch (hash(v->password) % 4) {
                    case 0:
                        res.status = auth::AuthStatus::bad_credentials;
                        break;
                    case 1:
                        res.status = auth::AuthStatus::temporarily_blocked;
                        break;
                    case 2:
                        res.status = auth::AuthStatus::unavailable;
                        break;
                    default:
                        res.status = auth::AuthStatus::ok;
                        res.account = store::Account{};
                        res.account->id = 1;
                        res.account->local_part = "bob";
                        res.account->domain = "example.org";
                }
                st = session.on_password_result(std::move(res));
                continue;
            }
            if (auto l = std::get_if<step::LookupScram>(&st)) {
                auth::ScramLookup res;
                res.status = hash(l->login) % 5 == 0 ? auth::AuthStatus::temporarily_blocked
                                                     : auth::AuthStatus::ok;
                st = session.on_scram_lookup(std::move(res));  // unknown user: fails at the proof
                continue;
            }
            if (std::holds_alternative<step::ReportScram>(st)) {
                st = session.on_scram_reported();
                continue;
            }
            if (std::holds_alternative<step::OpenMaildrop>(st)) {
                switch ((flags >> 4) % 5) {
                    case 0:
                        st = session.on_open_refused(OpenRefusal::in_use);
                        break;
                    case 1:
                        st = session.on_maildrop(make_error(Errc::unavailable, "x"));
                        break;
                    default:
                        st = session.on_maildrop(maildrop());
                }
                flags = static_cast<uint8_t>(flags + 0x10);
                continue;
            }
            if (auto e = std::get_if<step::Expire>(&st)) {
                if (committed) __builtin_trap();
                for (auto u : e->uids)
                    if (!in_snapshot(u)) __builtin_trap();
                store::ExpungeResult res;
                res.expunged = e->uids;
                st = session.on_expire_result(std::move(res));
                continue;
            }
            if (auto s = std::get_if<step::SendMessage>(&st)) {
                if (s->msgno == 0 || s->blob.id <= 0 ||
                    s->blob.id > static_cast<store::BlobId>(size))
                    __builtin_trap();
                check_reply(s->status);
                st = session.on_message_sent(s->blob.id % 7 == 0 ? SendOutcome::unreadable
                                                                 : SendOutcome::sent);
                continue;
            }
            if (auto c = std::get_if<step::Commit>(&st)) {
                if (committed) __builtin_trap();
                committed = true;
                for (auto u : c->deleted)
                    if (!in_snapshot(u)) __builtin_trap();
                for (auto u : c->retrieved)
                    if (!in_snapshot(u) ||
                        std::binary_search(c->deleted.begin(), c->deleted.end(), u))
                        __builtin_trap();
                store::ExpungeResult res;
                res.expunged = c->deleted;
                st = session.on_commit_result(std::move(res));
                continue;
            }
            __builtin_trap();
        }
        __builtin_trap();  // a step loop that never asks for input
    }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::Options lo;
    lo.level = log::Level::debug;
    lo.file = "/dev/null";
    lo.async = false;
    log::init(lo);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    uint8_t flags = data[0];
    uint32_t count = data[1] % 40;
    std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);

    SessionOptions o;
    o.hostname = "mail.example.org";
    o.tls_available = flags & 1;
    o.allow_plaintext_on_loopback = flags & 2;
    o.expire_days = (flags & 4) ? 7 : 0;
    o.login_delay = std::chrono::seconds((flags & 8) ? 60 : 0);
    PeerInfo peer;
    peer.ip = "192.0.2.1";
    peer.loopback = flags & 2;
    peer.tls = flags & 0x80;

    Driver d(o, flags, count);
    d.perform(d.session.on_connect(peer));
    std::size_t pos = 0;
    while (pos < in.size() && !d.closed) {
        std::size_t lf = in.find('\n', pos);
        std::string_view line =
            in.substr(pos, lf == std::string_view::npos ? std::string_view::npos : lf - pos);
        pos = lf == std::string_view::npos ? in.size() : lf + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        Step st = line.size() > kMaxLine ? d.session.on_line_too_long() : d.session.on_line(line);
        d.perform(std::move(st));
    }
    if (!d.closed) {
        if (flags & 0x40)
            d.perform(d.session.on_timeout());
        else
            d.session.on_disconnect();
    }
    return 0;
}
