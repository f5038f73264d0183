// NOTIFY (RFC 5465). NOTIFY SET subscribes the session to the store's
// account doorbell (store.h subscribe_account): its callback only records
// "mailbox M changed" or "the mailbox list changed", so a delivery costs one
// map insert per watching session however many mailboxes the account has.
// At the end of each command, and at once during IDLE, the session reads
// the changed mailboxes' rows (one read each) and sends
//   - STATUS for message events in other mailboxes (RFC 5465 5.1-5.3),
//   - LIST for MailboxName / SubscriptionChange, found by comparing the
//     mailbox list with the one last seen (only re-read when the list
//     changed, which deliveries never do) (5.4, 5.5).
// The selected mailbox keeps its own doorbell (session.cpp); NOTIFY only
// decides whether IDLE pushes its changes, whether EXPUNGE may come at the
// end of any command (SELECTED), and adds the MessageNew FETCH.
//
// Only the personal namespace is watched: names under "Shared/" in SUBTREE
// or MAILBOXES never match (docs/imap-extensions.md).
#include "imap/notify.h"

#include "common/log.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

asio::awaitable<std::optional<MailboxSnapshot>> read_snapshot(SessionPtr s, bool subscriptions) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = s->account->id;
    auto boxes = co_await net::await_store<std::vector<store::Mailbox>>(
        [&](auto done) { st->list_mailboxes(acct, std::move(done)); });
    if (!boxes) co_return std::nullopt;
    MailboxSnapshot snap;
    for (auto& mb : *boxes) snap.boxes.emplace(mb.id, std::move(mb));
    if (subscriptions) {
        auto subs = co_await net::await_store<std::vector<std::string>>(
            [&](auto done) { st->list_subscriptions(acct, std::move(done)); });
        if (!subs) co_return std::nullopt;
        snap.subscribed.insert(subs->begin(), subs->end());
    }
    co_return snap;
}

bool is_subscribed(const NotifyState& n, const std::string& name) {
    return n.snapshot && n.snapshot->subscribed.count(name);
}

// The STATUS response for a non-selected mailbox (RFC 5465 5.1-5.3), or
// empty when nothing the client asked about changed.
std::string status_line(const Session& s, const store::Mailbox& mb, const NotifyEvents& ev,
                        const NotifyState::Counts* last) {
    // HIGHESTMODSEQ once CONDSTORE/QRESYNC is enabled (5.1-5.3), and with
    // FlagChange anyway (3.1: a server supporting CONDSTORE includes it), so
    // every flag change, not only one of \Seen, shows in the STATUS.
    bool modseq = s.condstore || s.qresync || ev.flag_change;
    if (last) {
        bool counts = last->messages != mb.messages || last->uid_next != mb.uid_next ||
                      last->uid_validity != mb.uid_validity;
        bool flags = ev.flag_change && (last->unseen != mb.unseen ||
                                        (modseq && last->highest_modseq != mb.highest_modseq));
        if (!counts && !flags) return {};
    }
    std::string out = "* STATUS ";
    append_mailbox(out, mb.name, s.utf8());
    out += " (MESSAGES " + std::to_string(mb.messages) + " UIDNEXT " + std::to_string(mb.uid_next) +
           " UIDVALIDITY " + std::to_string(mb.uid_validity);
    if (modseq) out += " HIGHESTMODSEQ " + std::to_string(mb.highest_modseq);
    if (ev.flag_change) out += " UNSEEN " + std::to_string(mb.unseen);
    out += ")\r\n";
    return out;
}

void overflow(Session& s) {
    s.send(
        "* OK [NOTIFICATIONOVERFLOW] Too many changes at once; notifications are off (as NOTIFY "
        "NONE)\r\n");
    s.notify.reset();
}

}  // namespace

bool notify_selected_events(const Session& s) {
    return !s.notify || s.notify->spec.selected.any_message();
}

void notify_own_created(Session& s, const std::string& name) {
    if (!s.notify || !s.notify->snapshot) return;
    // Superiors the store created on the way count as ours too.
    for (std::size_t p = name.find('/'); p != std::string::npos; p = name.find('/', p + 1))
        s.notify->own_created.insert(name.substr(0, p));
    s.notify->own_created.insert(name);
}

void notify_own_deleted(Session& s, const std::string& name) {
    if (s.notify && s.notify->snapshot) snapshot_delete(*s.notify->snapshot, name);
}

void notify_own_renamed(Session& s, const std::string& from, const std::string& to) {
    if (!s.notify || !s.notify->snapshot) return;
    snapshot_rename(*s.notify->snapshot, from, to);
    notify_own_created(s, to);  // INBOX: the new mailbox is a creation
}

void notify_own_subscribed(Session& s, const std::string& name, bool on) {
    if (s.notify && s.notify->snapshot) snapshot_subscribe(*s.notify->snapshot, name, on);
}

asio::awaitable<Reply> exec_notify(SessionPtr s, CommandPtr c) {
    NotifyCmd n = std::get<NotifyCmd>(c->body);
    if (n.none) {
        s->notify.reset();
        co_return Reply::ok("NOTIFY completed");
    }
    bool utf8 = s->utf8();
    NotifyCheck chk =
        check_notify(n, [utf8](const std::string& wire) -> std::optional<std::string> {
            auto r = mailbox_from_wire(wire, utf8);
            if (!r) return std::nullopt;
            return *r;
        });
    if (chk.outcome == NotifyCheck::Outcome::bad) co_return Reply::bad(chk.message);
    if (chk.outcome == NotifyCheck::Outcome::badevent)
        co_return Reply::no(chk.message, "BADEVENT (" + notify_supported_events() + ")");

    auto state = std::make_unique<NotifyState>();
    state->spec = std::move(chk.spec);
    auto bell = std::make_shared<NotifyBell>();
    bell->want_messages = state->spec.wants_other_messages();
    bell->want_list = state->spec.needs_snapshot();
    state->bell = bell;
    if (bell->want_messages || bell->want_list) {
        std::weak_ptr<NotifyBell> weak = bell;
        auto ex = s->conn->executor();
        // Runs on a store thread: note the change, wake an IDLE.
        state->subscription = s->ctx->store->subscribe_account(
            s->account->id, [weak, ex](store::MailboxId m, store::ModSeq ms) {
                auto b = weak.lock();
                if (!b) return;
                {
                    std::lock_guard lk(b->mu);
                    if (m == 0) {
                        if (!b->want_list) return;
                        b->list_changed = true;
                    } else {
                        if (!b->want_messages || b->overflow) return;
                        auto& v = b->changed[m];
                        v = std::max(v, ms);
                        if (b->changed.size() > kNotifyMaxPendingMailboxes) {
                            b->overflow = true;
                            b->changed.clear();
                        }
                    }
                }
                asio::post(ex, [weak] {
                    if (auto b2 = weak.lock())
                        if (b2->waiter) b2->waiter->cancel();
                });
            });
    }
    // Subscribed before the list is read: a change in between is seen twice
    // (harmless: the diff finds nothing), never missed.
    std::optional<MailboxSnapshot> snap;
    if (state->spec.needs_snapshot() || state->spec.wants_other_messages()) {
        snap = co_await read_snapshot(s, state->spec.needs_subscriptions());
        if (!snap)
            co_return Reply::no("Cannot read the mailbox list: temporarily unavailable",
                                "UNAVAILABLE");
    }
    // What the client knows (or is told now): later STATUS responses are
    // sent only when something it asked about differs from this.
    if (state->spec.wants_other_messages())
        for (const auto& kv : snap->boxes)
            state->last_status.insert_or_assign(kv.first, NotifyState::Counts(kv.second));
    if (n.status && state->spec.wants_other_messages()) {
        // RFC 5465 3.1: STATUS for every watched mailbox other than the
        // selected one before the tagged OK.
        store::MailboxId sel = s->selected ? s->selected->view.mailbox() : 0;
        std::vector<store::Mailbox> boxes;
        for (const auto& kv : snap->boxes) boxes.push_back(kv.second);
        for (std::size_t i = 0; i < boxes.size(); ++i) {
            if (boxes[i].id == sel) continue;
            NotifyEvents ev =
                state->spec.events_for(boxes[i].name, snap->subscribed.count(boxes[i].name) > 0);
            if (!ev.any_message()) continue;
            s->send(status_line(*s, boxes[i], ev, nullptr));
            state->last_status.insert_or_assign(boxes[i].id, NotifyState::Counts(boxes[i]));
            if (!co_await s->flush_if_large()) break;
        }
    }
    if (state->spec.needs_snapshot()) state->snapshot = std::move(snap);
    s->notify = std::move(state);
    // NOTIFY SET is an implicit NOOP (RFC 5465 3.1): the runner sends the
    // selected mailbox's pending changes after this.
    co_return Reply::ok("NOTIFY completed");
}

asio::awaitable<bool> send_notify_updates(SessionPtr s) {
    if (!s->notify || !s->account) co_return true;
    std::shared_ptr<NotifyBell> bell = s->notify->bell;
    std::vector<store::MailboxId> changed;
    bool list_changed = false;
    bool overflowed = false;
    {
        std::lock_guard lk(bell->mu);
        overflowed = bell->overflow;
        bell->overflow = false;
        for (const auto& kv : bell->changed) changed.push_back(kv.first);
        bell->changed.clear();
        list_changed = bell->list_changed;
        bell->list_changed = false;
    }
    if (overflowed) {
        overflow(*s);
        co_return true;
    }
    bool caught_up = true;
    if (list_changed && s->notify->snapshot) {
        auto snap = co_await read_snapshot(s, s->notify->spec.needs_subscriptions());
        if (!s->notify) co_return true;
        if (!snap) {
            // Try again at the next opportunity.
            std::lock_guard lk(bell->mu);
            bell->list_changed = true;
            caught_up = false;
        } else {
            std::vector<ListEvent> events = diff_mailbox_lists(
                *s->notify->snapshot, *snap, s->notify->spec, s->notify->own_created);
            s->notify->snapshot = std::move(snap);
            s->notify->own_created.clear();
            for (const auto& e : events) s->send(format_list_event(e, s->utf8()));
        }
    }
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId me = s->account->id;
    for (std::size_t i = 0; i < changed.size(); ++i) {
        if (!s->notify) co_return true;
        store::MailboxId mid = changed[i];
        // The selected mailbox is reported through its own view.
        if (s->selected && s->selected->view.mailbox() == mid) continue;
        auto mb = co_await net::await_store<std::optional<store::Mailbox>>(
            [&](auto done) { st->get_mailbox_by_id(mid, std::move(done)); });
        if (!s->notify) co_return true;
        if (!mb) {
            log::warn("event=imap_notify_read_failed conn={} error={}", s->conn->id(),
                      log::quote(mb.error().message));
            // Keep it for the next call.
            std::lock_guard lk(bell->mu);
            bell->changed.emplace(mid, 0);
            caught_up = false;
            continue;
        }
        if (!*mb || (*mb)->account_id != me) continue;  // deleted: MailboxName reports that
        const store::Mailbox& box = **mb;
        NotifyEvents ev = s->notify->spec.events_for(box.name, is_subscribed(*s->notify, box.name));
        if (!ev.any_message()) continue;
        auto last = s->notify->last_status.find(mid);
        // A mailbox created since NOTIFY SET that never held a message: its
        // creation is a MailboxName event, not a message event.
        if (last == s->notify->last_status.end() && box.uid_next == 1) {
            s->notify->last_status.insert_or_assign(mid, NotifyState::Counts(box));
            continue;
        }
        std::string line = status_line(
            *s, box, ev, last == s->notify->last_status.end() ? nullptr : &last->second);
        s->notify->last_status.insert_or_assign(mid, NotifyState::Counts(box));
        if (!line.empty()) s->send(line);
    }
    co_return caught_up;
}

asio::awaitable<void> notify_fetch_new(SessionPtr s, store::Uid first, store::Uid last) {
    if (!s->notify || !s->selected || s->notify->spec.new_message_items.empty() ||
        !s->notify->spec.selected.message_new)
        co_return;
    // RFC 5465 5.2: no FETCH for messages this connection added itself.
    if (s->running == CommandId::append || s->running == CommandId::copy ||
        s->running == CommandId::move)
        co_return;
    auto cmd = std::make_shared<Command>();
    cmd->tag = "*";
    cmd->id = CommandId::fetch;
    cmd->uid = true;
    FetchCmd f;
    f.uid = true;
    f.set.ranges.push_back(SeqRange{first, last});
    f.items = s->notify->spec.new_message_items;
    cmd->body = std::move(f);
    Reply ignored = co_await exec_fetch(s, cmd);
    (void)ignored;
}

}  // namespace postamt::imap
