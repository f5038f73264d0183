// Drives one pop3::Session over a net::Connection: performs each Step
// (replies, STLS, authentication, maildrop lock and snapshot, streaming
// RETR/TOP, the UPDATE state) and feeds the next input line. The only file
// of pop3/ that knows about sockets and Asio.
#include "pop3/runner.h"

#include <algorithm>
#include <ctime>

#include "common/log.h"
#include "auth/await_auth.h"
#include "net/await_store.h"
#include "pop3/maildrop.h"
#include "pop3/maildrop_registry.h"
#include "pop3/message_streamer.h"
#include "pop3/session.h"

namespace postamt::pop3 {

struct RunnerContext {
    std::shared_ptr<store::Store> store;
    std::shared_ptr<auth::Authenticator> auth;
    std::shared_ptr<MaildropRegistry> registry;
    SessionOptions options;
    std::size_t max_line = 8192;
};

std::shared_ptr<const RunnerContext> make_runner_context(
    const Config& cfg, std::shared_ptr<store::Store> store,
    std::shared_ptr<auth::Authenticator> authenticator, bool tls_available) {
    auto c = std::make_shared<RunnerContext>();
    c->store = std::move(store);
    c->auth = std::move(authenticator);
    c->registry = MaildropRegistry::create({cfg.pop3.lock_maildrop, cfg.pop3.login_delay});
    c->options = SessionOptions::from_config(cfg, tls_available);
    c->max_line = cfg.limits.max_line_length;
    return c;
}

namespace {

namespace asio = net::asio;

// RETR/TOP read the blob in pieces of this size (never the whole message)
// and hand the socket at least this much before waiting for it to drain.
constexpr int64_t kChunk = 64 << 10;
constexpr std::size_t kFlushAt = 256 << 10;

enum class Sent { ok, unreadable, failed };

// The +OK line and the message, dot-stuffed, chunk by chunk. The first
// chunk is read before anything is sent so a missing blob still gets -ERR.
asio::awaitable<Sent> send_message(std::shared_ptr<net::Connection> conn,
                                   std::shared_ptr<store::Store> st, std::string status,
                                   store::BlobRef blob, std::optional<uint32_t> top_lines) {
    MessageStreamer streamer(top_lines);
    std::string out;
    const int64_t size = blob.size;
    int64_t offset = 0;
    bool first = true;
    while (first || (offset < size && !streamer.done())) {
        const int64_t len = std::min(kChunk, size - offset);
        std::string data;
        if (len > 0) {
            const int64_t at = offset;
            auto r = co_await net::await_store<std::string>(
                [&](auto done) { st->read_blob(blob, at, len, std::move(done)); });
            if (!r || static_cast<int64_t>(r->size()) != len) {
                std::string why = r ? "short read" : r.error().message;
                log::error("event=pop3_blob_read_failed conn={} blob={} offset={} error={}",
                           conn->id(), blob.id, at, log::quote(why));
                co_return first ? Sent::unreadable : Sent::failed;
            }
            data = std::move(r).value();
        }
        if (first) {
            conn->append(status);
            first = false;
        }
        out.clear();
        streamer.feed(data, out);
        offset += len;
        conn->append(out);
        if (conn->buffered_output() >= kFlushAt && !co_await conn->flush()) co_return Sent::failed;
    }
    out.clear();
    streamer.finish(out);
    conn->append(out);
    co_return Sent::ok;
}

// The UPDATE state (RFC 1939 6). Download times and \Seen first (their
// failure is logged, not fatal), then the expunge the client asked for.
asio::awaitable<Result<store::ExpungeResult>> commit(std::shared_ptr<store::Store> st,
                                                     step::Commit c, uint64_t conn_id) {
    if (!c.retrieved.empty()) {
        std::vector<store::Uid> uids = c.retrieved;
        const store::MailboxId mailbox = c.mailbox;
        const int64_t now = static_cast<int64_t>(std::time(nullptr));
        auto m = co_await net::await_store<Unit>([&](auto done) {
            st->pop3_mark_retrieved(mailbox, std::move(uids), now, std::move(done));
        });
        if (!m)
            log::warn("event=pop3_mark_retrieved_failed conn={} error={}", conn_id,
                      log::quote(m.error().message));
        // A message a POP3 client downloaded counts as read for IMAP
        // clients of the same account (as Dovecot does).
        store::FlagChange fc;
        fc.mailbox = mailbox;
        fc.uids = to_ranges(c.retrieved);
        fc.op = store::FlagOp::add;
        fc.flags.system = store::kSeen;
        auto f = co_await net::await_store<store::FlagChangeResult>(
            [&](auto done) { st->change_flags(std::move(fc), std::move(done)); });
        if (!f)
            log::warn("event=pop3_mark_seen_failed conn={} error={}", conn_id,
                      log::quote(f.error().message));
    }
    if (c.deleted.empty()) co_return store::ExpungeResult{};
    store::ExpungeRequest req;
    req.mailbox = c.mailbox;
    req.uids = to_ranges(c.deleted);
    req.only_deleted = false;
    co_return co_await net::await_store<store::ExpungeResult>(
        [&](auto done) { st->expunge(std::move(req), std::move(done)); });
}

}  // namespace

asio::awaitable<void> run_session(std::shared_ptr<net::Connection> conn,
                                  std::shared_ptr<const RunnerContext> ctx) {
    // Values only in this frame (g++ 12.2, docs/networking.md): fields of
    // the current step are copied into named locals before every co_await.
    std::shared_ptr<store::Store> st = ctx->store;
    std::shared_ptr<auth::Authenticator> au = ctx->auth;
    std::shared_ptr<MaildropRegistry> registry = ctx->registry;
    const std::size_t max_line = ctx->max_line;
    Session session(ctx->options);
    PeerInfo peer;
    peer.ip = conn->peer_address();
    peer.loopback = conn->peer_is_loopback();
    peer.tls = conn->is_tls();
    peer.over_limit = conn->admission() != net::Admission::ok;
    peer.conn_id = conn->id();
    const std::string ip = peer.ip;

    // Held while the session has the maildrop open.
    std::optional<net::ConnectionLimits::Ticket> ticket;
    MaildropRegistry::Lock lock;
    std::optional<store::BlobPin> pin;

    Step step = session.on_connect(peer);
    for (;;) {
        bool want_input = false;
        while (!want_input) {
            if (std::holds_alternative<step::Reply>(step)) {
                conn->append(std::get<step::Reply>(step).text);
                want_input = true;
            } else if (std::holds_alternative<step::ReplyAndClose>(step)) {
                conn->append(std::get<step::ReplyAndClose>(step).text);
                co_await conn->flush();
                conn->close();
                co_return;
            } else if (std::holds_alternative<step::StartTls>(step)) {
                conn->append(std::get<step::StartTls>(step).text);
                if (!co_await conn->flush()) co_return;
                // start_tls() drops whatever the client pipelined after STLS.
                if (!co_await conn->start_tls()) co_return;
                session.on_tls_started();
                want_input = true;
            } else if (std::holds_alternative<step::VerifyPassword>(step)) {
                std::string login = std::get<step::VerifyPassword>(step).login;
                std::string password = std::move(std::get<step::VerifyPassword>(step).password);
                step = step::None{};
                auto r = co_await auth::await_password(au, std::move(login), std::move(password), ip, auth::Service::pop3);
                step = session.on_password_result(std::move(r));
            } else if (std::holds_alternative<step::LookupScram>(step)) {
                std::string login = std::get<step::LookupScram>(step).login;
                auto r = co_await auth::await_scram_lookup(au, std::move(login), ip, auth::Service::pop3);
                step = session.on_scram_lookup(std::move(r));
            } else if (std::holds_alternative<step::ReportScram>(step)) {
                std::string login = std::get<step::ReportScram>(step).login;
                bool ok = std::get<step::ReportScram>(step).ok;
                std::string reason = std::get<step::ReportScram>(step).reason;
                auto delay = au->report_scram(login, ip, auth::Service::pop3, ok, reason);
                if (!ok && delay.count() > 0) {
                    asio::steady_timer timer(conn->executor(), delay);
                    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                }
                step = session.on_scram_reported();
            } else if (std::holds_alternative<step::OpenMaildrop>(step)) {
                store::AccountId account = std::get<step::OpenMaildrop>(step).account;
                std::string address = std::get<step::OpenMaildrop>(step).address;
                auto t = conn->acquire_user(address);
                if (!t) {
                    step = session.on_open_refused(OpenRefusal::user_limit);
                } else {
                    auto adm = registry->admit(account);
                    if (adm.refusal == MaildropRegistry::Refusal::in_use) {
                        step = session.on_open_refused(OpenRefusal::in_use);
                    } else if (adm.refusal == MaildropRegistry::Refusal::login_delay) {
                        step = session.on_open_refused(OpenRefusal::login_delay, adm.retry_after);
                    } else {
                        lock = std::move(adm.lock);
                        ticket = std::move(*t);
                        // Messages another session expunges stay readable
                        // for this snapshot (DESIGN.md "Blobs").
                        pin.emplace(st->pin());
                        auto md = co_await net::await_store<store::Pop3Maildrop>(
                            [&](auto done) { st->pop3_maildrop(account, std::move(done)); });
                        step = session.on_maildrop(std::move(md));
                    }
                }
                if (!session.maildrop_open()) {
                    lock.release();
                    ticket.reset();
                    pin.reset();
                }
            } else if (std::holds_alternative<step::Expire>(step)) {
                store::ExpungeRequest req;
                req.mailbox = std::get<step::Expire>(step).mailbox;
                req.uids = to_ranges(std::get<step::Expire>(step).uids);
                req.only_deleted = false;
                auto r = co_await net::await_store<store::ExpungeResult>(
                    [&](auto done) { st->expunge(std::move(req), std::move(done)); });
                step = session.on_expire_result(std::move(r));
            } else if (std::holds_alternative<step::SendMessage>(step)) {
                std::string status = std::get<step::SendMessage>(step).status;
                store::BlobRef blob = std::get<step::SendMessage>(step).blob;
                std::optional<uint32_t> top = std::get<step::SendMessage>(step).top_lines;
                Sent sent = co_await send_message(conn, st, std::move(status), blob, top);
                if (sent == Sent::failed) {
                    // Part of a multi-line response is out: nothing sensible
                    // can follow it. No UPDATE.
                    session.on_disconnect();
                    conn->close();
                    co_return;
                }
                step = session.on_message_sent(sent == Sent::ok ? SendOutcome::sent
                                                                : SendOutcome::unreadable);
            } else if (std::holds_alternative<step::Commit>(step)) {
                step::Commit c = std::move(std::get<step::Commit>(step));
                step = step::None{};
                auto r = co_await commit(st, std::move(c), conn->id());
                step = session.on_commit_result(std::move(r));
            } else {
                want_input = true;  // step::None
            }
        }
        // RFC 2449 6.6: replies to pipelined commands may wait until the
        // client has no more commands buffered, but not pile up without
        // bound for a client that pipelines and never reads.
        if (conn->buffered_output() > 0 &&
            (!conn->has_buffered_input() || conn->buffered_output() >= kFlushAt)) {
            if (!co_await conn->flush()) {
                session.on_disconnect();
                co_return;
            }
        }

        net::LineResult line = co_await conn->read_line(max_line, net::ReadMode::command);
        switch (line.end) {
            case net::LineEnd::crlf:
            case net::LineEnd::bare_lf:
                step = session.on_line(line.line);
                break;
            case net::LineEnd::too_long:
                step = session.on_line_too_long();
                break;
            case net::LineEnd::timeout:
                step = session.on_timeout();
                break;
            case net::LineEnd::shutdown:
                step = session.on_shutdown();
                break;
            case net::LineEnd::eof:
            case net::LineEnd::error:
                session.on_disconnect();
                co_return;
        }
    }
}

}  // namespace postamt::pop3
