// CREATE (with CREATE-SPECIAL-USE, RFC 6154 3), DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE (RFC 9051 6.3.4 - 6.3.8).
#include "common/text.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/notify.h"
#include "imap/object_id.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

Reply bad_name(const Error& e) { return Reply::no(e.message, "CANNOT"); }

bool known_special_use(std::string_view a) {
    for (auto k : {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash",
                   "\\Important"})
        if (text::iequals(a, k)) return true;
    return false;
}

// The store's spelling ("\Sent") of a special-use attribute sent in any case.
std::string canonical_special_use(std::string_view a) {
    for (auto k : {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash",
                   "\\Important"})
        if (text::iequals(a, k)) return k;
    return std::string(a);
}

}  // namespace

asio::awaitable<Reply> exec_create(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<CreateCmd>(c->body).mailbox;
    std::vector<std::string> uses = std::get<CreateCmd>(c->body).special_use;
    // RFC 9051 6.3.4: a trailing separator only declares the intent to
    // create children; the name is created without it.
    while (raw.size() > 1 && raw.back() == '/') raw.pop_back();
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return bad_name(name.error());
    if (*name == "INBOX") co_return Reply::no("INBOX always exists", "ALREADYEXISTS");
    std::string special;
    for (const auto& u : uses) {
        if (!known_special_use(u))
            co_return Reply::no("Unknown special-use attribute " + u, "USEATTR");
        if (!special.empty() && !text::iequals(special, u))
            co_return Reply::no("Only one special-use attribute per mailbox", "USEATTR");
        special = canonical_special_use(u);
    }
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = s->account->id;
    std::string n = *name;
    auto r = co_await net::await_store<store::Mailbox>(
        [&](auto done) { st->create_mailbox(acct, n, special, 0, std::move(done)); });
    if (!r) co_return store_error_reply(r.error(), "Cannot create mailbox");
    notify_own_created(*s, n);
    // RFC 8474 4.1: the new mailbox's MAILBOXID.
    co_return Reply::ok("CREATE completed", "MAILBOXID (" + mailbox_object_id(r->id) + ")");
}

asio::awaitable<Reply> exec_delete(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<DeleteCmd>(c->body).mailbox;
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return bad_name(name.error());
    if (*name == "INBOX") co_return Reply::no("INBOX cannot be deleted", "CANNOT");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = s->account->id;
    std::string n = *name;
    auto r = co_await net::await_store<Unit>(
        [&](auto done) { st->delete_mailbox(acct, n, std::move(done)); });
    if (!r) {
        if (r.error().code == Errc::conflict)
            co_return Reply::no("Mailbox has child mailboxes; delete them first", "CANNOT");
        co_return store_error_reply(r.error(), "Cannot delete mailbox");
    }
    notify_own_deleted(*s, n);
    if (s->selected && s->selected->name == n) {
        // RFC 9051 7.1: CLOSED tells the client the selection ended.
        s->unselect();
        s->send("* OK [CLOSED] Selected mailbox was deleted\r\n");
    }
    co_return Reply::ok("DELETE completed");
}

asio::awaitable<Reply> exec_rename(SessionPtr s, CommandPtr c) {
    std::string raw_from = std::get<RenameCmd>(c->body).from;
    std::string raw_to = std::get<RenameCmd>(c->body).to;
    auto from = mailbox_from_wire(raw_from, s->utf8());
    if (!from) co_return bad_name(from.error());
    auto to = mailbox_from_wire(raw_to, s->utf8());
    if (!to) co_return bad_name(to.error());
    if (*to == "INBOX") co_return Reply::no("INBOX always exists", "ALREADYEXISTS");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = s->account->id;
    std::string f = *from, t = *to;
    auto r = co_await net::await_store<Unit>(
        [&](auto done) { st->rename_mailbox(acct, f, t, std::move(done)); });
    if (!r) co_return store_error_reply(r.error(), "Cannot rename mailbox");
    notify_own_renamed(*s, f, t);
    // The selected mailbox keeps its identity; only its name changed (INBOX
    // stays INBOX: its messages moved away, which the doorbell reports).
    if (s->selected && f != "INBOX") {
        std::string& cur = s->selected->name;
        if (cur == f)
            cur = t;
        else if (cur.rfind(f + "/", 0) == 0)
            cur = t + cur.substr(f.size());
    }
    co_return Reply::ok("RENAME completed");
}

asio::awaitable<Reply> exec_subscribe(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<SubscribeCmd>(c->body).mailbox;
    bool on = std::get<SubscribeCmd>(c->body).subscribe;
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return bad_name(name.error());
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = s->account->id;
    std::string n = *name;
    auto r = co_await net::await_store<Unit>(
        [&](auto done) { st->set_subscribed(acct, n, on, std::move(done)); });
    if (!r) co_return store_error_reply(r.error(), on ? "Cannot subscribe" : "Cannot unsubscribe");
    notify_own_subscribed(*s, n, on);
    co_return Reply::ok(on ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

}  // namespace postamt::imap
