// IDLE (RFC 2177, RFC 9051 6.3.13). While the client idles, changes of the
// selected mailbox are sent as soon as the store's doorbell rings (EXPUNGE
// included: IDLE is a command in progress that uses no sequence numbers),
// and an untagged "* OK Still here" goes out every couple of minutes so
// phones behind NAT keep the connection. The usual autologout timer
// (limits.imap_idle_timeout, 30 min) applies to IDLE too.
//
// Two coroutines share the connection on its strand: this one reads the
// client's "DONE", a notifier writes updates (Connection allows one reader
// and one writer at a time).
#include "common/text.h"
#include "imap/executors.h"
#include "imap/notify.h"

namespace postamt::imap {
namespace {

struct IdleState {
    explicit IdleState(asio::any_io_executor ex) : wake(ex), finished(ex) {}
    asio::steady_timer wake;      // the notifier sleeps on it; the doorbell and DONE cancel it
    asio::steady_timer finished;  // DONE waits on it until the notifier has returned
    bool stop = false;
    bool notifier_done = false;
    bool failed = false;  // a write failed: the connection is gone
};

asio::awaitable<void> idle_notifier(SessionPtr s, std::shared_ptr<IdleState> st) {
    std::chrono::seconds keepalive = s->ctx->idle_keepalive;
    // The last pull failed to catch up (store unavailable): retry after a
    // second instead of spinning.
    bool lagging = false;
    while (!st->stop) {
        // A ring that came while we were busy (no wait to cancel) is not lost:
        // the doorbell's MODSEQ is ahead of the view.
        bool sel_events = notify_selected_events(*s);
        bool rung = sel_events && s->selected &&
                    s->selected->bell->rung.load() > s->selected->view.known_modseq();
        bool notify_rung = s->notify && s->notify->bell->pending();
        rung = rung || notify_rung;
        bool keepalive_due = false;
        if (!rung || lagging) {
            st->wake.expires_after(lagging ? std::chrono::seconds(1) : keepalive);
            auto [ec] = co_await st->wake.async_wait(asio::as_tuple(asio::use_awaitable));
            if (st->stop) break;
            keepalive_due = !ec && !lagging;
        }
        if (keepalive_due) {
            s->send("* OK Still here\r\n");
        } else {
            if (s->selected && notify_selected_events(*s)) co_await s->send_updates(true);
            // Other mailboxes (NOTIFY, RFC 5465 4: IDLE sends the same events).
            bool notify_ok = true;
            if (s->notify && s->state != SessionState::logout)
                notify_ok = co_await send_notify_updates(s);
            if (st->stop) {
                // DONE came meanwhile: what was pulled goes out before the tagged OK.
                break;
            }
            lagging =
                !notify_ok || (notify_selected_events(*s) && s->selected &&
                               s->selected->bell->rung.load() > s->selected->view.known_modseq());
        }
        if (s->conn->buffered_output() > 0 && !co_await s->conn->flush()) {
            st->failed = true;
            break;
        }
        if (s->state == SessionState::logout) {
            st->failed = true;
            break;
        }
    }
    // The selected mailbox vanished or a write failed: wake the reader.
    if (st->failed) s->conn->close();
    st->notifier_done = true;
    st->finished.cancel();
}

}  // namespace

asio::awaitable<Reply> exec_idle(SessionPtr s, CommandPtr) {
    auto st = std::make_shared<IdleState>(s->conn->executor());
    // Whatever is pending goes out before the continuation.
    if (s->selected) co_await s->send_updates(true, true);
    if (s->notify) co_await send_notify_updates(s);
    if (s->state == SessionState::logout) {
        Reply r = Reply::no("Mailbox gone");
        r.close = true;
        co_return r;
    }
    s->send("+ idling\r\n");
    if (!co_await s->conn->flush()) {
        Reply r = Reply::no("connection lost");
        r.close = true;
        co_return r;
    }
    if (s->selected) s->selected->bell->waiter = &st->wake;
    if (s->notify) s->notify->bell->waiter = &st->wake;
    asio::co_spawn(s->conn->executor(), idle_notifier(s, st), asio::detached);

    net::LineResult line =
        co_await s->conn->read_line(s->ctx->limits.max_line_length, net::ReadMode::command);

    st->stop = true;
    if (s->selected && s->selected->bell) s->selected->bell->waiter = nullptr;
    if (s->notify) s->notify->bell->waiter = nullptr;
    st->wake.cancel();
    if (!st->notifier_done) {
        st->finished.expires_at(asio::steady_timer::time_point::max());
        co_await st->finished.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    Reply r;
    switch (line.end) {
        case net::LineEnd::crlf:
        case net::LineEnd::bare_lf:
            if (st->failed) {
                r = Reply::no("IDLE ended");
                r.close = true;
            } else if (text::iequals(line.line, "DONE")) {
                r = Reply::ok("IDLE terminated");
            } else {
                r = Reply::bad("Expected DONE");
            }
            co_return r;
        case net::LineEnd::timeout:
            s->send("* BYE Autologout; idle for too long\r\n");
            break;
        case net::LineEnd::shutdown:
            s->send("* BYE Server shutting down\r\n");
            break;
        case net::LineEnd::too_long:
            s->send("* BYE [TOOBIG] Line too long\r\n");
            break;
        case net::LineEnd::eof:
        case net::LineEnd::error:
            break;
    }
    s->state = SessionState::logout;
    r.already_sent = true;
    r.close = true;
    co_return r;
}

}  // namespace postamt::imap
