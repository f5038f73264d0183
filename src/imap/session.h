#pragma once
// One IMAP connection's state as the command executors see it (runner
// side: uses Asio). What an executor may use, documented in docs/imap.md
// for the helpers that add commands later:
//
//   s->ctx->store / s->ctx->auth / s->ctx->limits   shared services and limits
//   s->account                                      the logged-in account
//   s->selected                                     the selected mailbox (view, name, read-only)
//   s->send(text)                                   queue untagged response bytes
//   co_await s->flush_if_large()                    backpressure inside big responses
//   s->utf8()                                       UTF8=ACCEPT enabled (names/strings as UTF-8)
//   s->capability_state()                           what CAPABILITY says now
//
// An executor returns the Reply for its tag; the runner sends pending
// mailbox updates (where RFC 9051 7.4.1 allows) before it.
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "common/config.h"
#include "imap/capabilities.h"
#include "imap/command.h"
#include "imap/mailbox_view.h"
#include "imap/notify_spec.h"
#include "imap/response.h"
#include "net/asio.h"
#include "net/connection.h"
#include "store/store.h"

namespace postamt::imap {

namespace asio = net::asio;

struct RunnerContext {
    std::shared_ptr<store::Store> store;
    std::shared_ptr<auth::Authenticator> auth;
    LimitsConfig limits;
    std::string hostname;
    bool tls_available = false;
    bool allow_plaintext_on_loopback = true;
    // Untagged "* OK Still here" during IDLE (RFC 9051 6.3.13 / DESIGN.md).
    std::chrono::seconds idle_keepalive{120};
};

enum class SessionState { not_authenticated, authenticated, selected, logout };

// The doorbell of the selected mailbox, shared with the store's ring
// callback (store thread) through a weak pointer.
struct Doorbell {
    std::atomic<store::ModSeq> rung{0};
    // Set while IDLE waits; touched only on the connection's strand.
    asio::steady_timer* waiter = nullptr;
};

struct SelectedMailbox {
    MailboxView view;
    std::string name;  // store name (UTF-8)
    bool read_only = false;
    std::shared_ptr<Doorbell> bell;
    store::Subscription subscription;
    store::BlobPin pin;  // messages the view still shows stay readable
    std::optional<std::vector<store::Uid>> saved_search;  // SEARCHRES "$" (RFC 5182)
    bool gone = false;                                    // deleted by someone else
};

// NOTIFY (RFC 5465): the account doorbell's callback (a store thread)
// records which mailboxes changed; the session turns that into STATUS and
// LIST responses at command ends and at once during IDLE (cmd_notify.cpp).
struct NotifyBell {
    std::mutex mu;
    std::map<store::MailboxId, store::ModSeq> changed;  // guarded by mu
    bool list_changed = false;                          // guarded by mu
    bool overflow = false;                              // guarded by mu
    // Fixed when the bell is made: which rings matter at all.
    bool want_messages = false;
    bool want_list = false;
    // Set while IDLE waits; touched only on the connection's strand.
    asio::steady_timer* waiter = nullptr;
    bool pending() {
        std::lock_guard lk(mu);
        return !changed.empty() || list_changed || overflow;
    }
};

struct NotifyState {
    NotifySpec spec;
    std::shared_ptr<NotifyBell> bell;
    store::Subscription subscription;
    // The mailbox list and subscriptions as last reported (only when the
    // spec needs them: MailboxName, SubscriptionChange, SUBSCRIBED).
    std::optional<MailboxSnapshot> snapshot;
    std::set<std::string> own_created;  // created by this session since the last diff
    // What the last STATUS for a mailbox said (to leave out flag-only changes
    // the client did not ask for).
    struct Counts {
        uint32_t messages = 0, unseen = 0, uid_validity = 0;
        store::Uid uid_next = 1;
        store::ModSeq highest_modseq = 0;
        explicit Counts(const store::Mailbox& m)
            : messages(m.messages),
              unseen(m.unseen),
              uid_validity(m.uid_validity),
              uid_next(m.uid_next),
              highest_modseq(m.highest_modseq) {}
    };
    std::map<store::MailboxId, Counts> last_status;
};

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(std::shared_ptr<net::Connection> c, std::shared_ptr<const RunnerContext> x)
        : conn(std::move(c)), ctx(std::move(x)) {}

    std::shared_ptr<net::Connection> conn;
    std::shared_ptr<const RunnerContext> ctx;
    SessionState state = SessionState::not_authenticated;
    std::optional<store::Account> account;
    std::optional<net::ConnectionLimits::Ticket> user_ticket;
    std::unique_ptr<SelectedMailbox> selected;
    std::unique_ptr<NotifyState> notify;  // NOTIFY SET in effect
    CommandId running = CommandId::noop;  // the command being executed

    // ENABLE (RFC 5161) and implicitly enabled extensions.
    bool rev2 = false;       // IMAP4rev2 enabled: no \Recent, rev2 wording
    bool utf8_on = false;    // UTF8=ACCEPT
    bool condstore = false;  // a CONDSTORE-enabling command was seen (RFC 7162 3.1)
    bool qresync = false;    // QRESYNC enabled

    bool utf8() const { return utf8_on; }
    MailboxView::Wording wording() const { return {qresync, condstore, !rev2}; }
    CapabilityState capability_state() const;
    // TLS now, or a loopback peer when the config allows plaintext there.
    bool plaintext_auth_allowed() const;

    // ---- output ------------------------------------------------------------
    void send(std::string_view bytes) { conn->append(bytes); }
    // Flushes when the buffered output passed ~256 KiB (big FETCH/SEARCH
    // responses are produced incrementally). false: the connection failed.
    asio::awaitable<bool> flush_if_large();

    // ---- selected mailbox ----------------------------------------------------
    // Pulls store changes when the doorbell rang (or `force`) and queues
    // them in the view. false when the mailbox is gone.
    asio::awaitable<bool> pull_changes(bool force);
    // Pull, then send what the view has pending (EXPUNGE only if allowed).
    asio::awaitable<void> send_updates(bool allow_expunge, bool force_pull = false);
    // Opens a selection (subscribes to the doorbell, pins blobs).
    void select(std::unique_ptr<SelectedMailbox> sel);
    void unselect();
    // \Recent boundary claim for new messages of the selected mailbox.
    MailboxView::RecentClaim recent_claim() const;

    std::string log_user() const { return account ? account->address() : std::string("-"); }
};

using SessionPtr = std::shared_ptr<Session>;

}  // namespace postamt::imap
