#include "imap/session.h"

#include <algorithm>

#include "common/log.h"
#include "imap/notify.h"
#include "imap/recent_registry.h"
#include "net/await_store.h"

namespace postamt::imap {

namespace {
constexpr std::size_t kFlushThreshold = 256 * 1024;
}

bool Session::plaintext_auth_allowed() const {
    return conn->is_tls() || (ctx->allow_plaintext_on_loopback && conn->peer_is_loopback());
}

CapabilityState Session::capability_state() const {
    CapabilityState c;
    c.authenticated = state == SessionState::authenticated || state == SessionState::selected;
    c.tls_active = conn->is_tls();
    c.starttls_available = ctx->tls_available && !conn->is_tls();
    c.plaintext_allowed = plaintext_auth_allowed();
    c.append_limit = ctx->limits.max_message_size;
    return c;
}

asio::awaitable<bool> Session::flush_if_large() {
    if (conn->buffered_output() < kFlushThreshold) co_return true;
    bool ok = co_await conn->flush();
    co_return ok;
}

void Session::select(std::unique_ptr<SelectedMailbox> sel) {
    unselect();
    auto bell = std::make_shared<Doorbell>();
    sel->bell = bell;
    std::weak_ptr<Doorbell> weak = bell;
    auto ex = conn->executor();
    // Runs on a store thread: record the MODSEQ, wake an IDLE on our strand.
    sel->subscription =
        ctx->store->subscribe(sel->view.mailbox(), [weak, ex](store::MailboxId, store::ModSeq ms) {
            auto b = weak.lock();
            if (!b) return;
            store::ModSeq cur = b->rung.load();
            while (cur < ms && !b->rung.compare_exchange_weak(cur, ms)) {
            }
            asio::post(ex, [weak] {
                if (auto b2 = weak.lock())
                    if (b2->waiter) b2->waiter->cancel();
            });
        });
    sel->pin = ctx->store->pin();
    selected = std::move(sel);
    state = SessionState::selected;
}

void Session::unselect() {
    if (selected) {
        if (selected->bell) selected->bell->waiter = nullptr;
        selected.reset();
    }
    if (state == SessionState::selected) state = SessionState::authenticated;
}

MailboxView::RecentClaim Session::recent_claim() const {
    if (!selected || rev2) return [](store::Uid highest) { return highest; };
    store::MailboxId mb = selected->view.mailbox();
    bool claim = !selected->read_only;
    return [mb, claim](store::Uid highest) {
        return RecentRegistry::instance().boundary(mb, highest, claim, 0);
    };
}

asio::awaitable<bool> Session::pull_changes(bool force) {
    if (!selected) co_return true;
    if (selected->gone) co_return false;
    store::ModSeq known = selected->view.known_modseq();
    store::ModSeq rung = selected->bell->rung.load();
    if (!force && rung <= known) co_return true;
    std::shared_ptr<store::Store> st = ctx->store;
    store::MailboxId mb = selected->view.mailbox();
    auto ch = co_await net::await_store<store::MailboxChanges>(
        [&](auto done) { st->changes_since(mb, known, std::move(done)); });
    // The selection may have changed while we waited.
    if (!selected || selected->view.mailbox() != mb) co_return true;
    if (!ch) {
        if (ch.error().code == Errc::not_found) {
            selected->gone = true;
            co_return false;
        }
        log::warn("event=imap_changes_failed conn={} error={}", conn->id(),
                  log::quote(ch.error().message));
        co_return true;
    }
    selected->view.apply(*ch);
    // Everything rung before the pull is in it: never pull again for the
    // same ring (an IDLE would spin if a ring's MODSEQ were above what the
    // mailbox reports).
    selected->view.raise_known(rung);
    co_return true;
}

asio::awaitable<void> Session::send_updates(bool allow_expunge, bool force_pull) {
    if (!selected) co_return;
    bool ok = co_await pull_changes(force_pull);
    if (!selected) co_return;
    if (!ok) {
        // RFC 9051 does not say what to do when the selected mailbox
        // disappears; like Dovecot, end the session rather than let the
        // client work on a mailbox that no longer exists.
        send("* BYE Selected mailbox was deleted, have to disconnect\r\n");
        state = SessionState::logout;
        co_return;
    }
    if (!selected->view.has_pending()) co_return;
    store::Uid before = selected->view.max_uid();
    std::string text = selected->view.take_updates(allow_expunge, wording(), recent_claim());
    send(text);
    // NOTIFY MessageNew (fetch-att ...): the FETCH follows the EXISTS (RFC 5465 5.2).
    if (notify && selected && selected->view.max_uid() > before)
        co_await notify_fetch_new(shared_from_this(), before + 1, selected->view.max_uid());
}

}  // namespace postamt::imap
