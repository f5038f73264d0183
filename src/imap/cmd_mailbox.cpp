// CREATE (with CREATE-SPECIAL-USE, RFC 6154 3), DELETE, RENAME, SUBSCRIBE,
// UNSUBSCRIBE (RFC 9051 6.3.4 - 6.3.8).
//
// Names under "Shared/<owner>/" (shared_mailboxes.h) work in the owner's
// account with the rights of RFC 4314 4: CREATE needs "k" on the nearest
// existing parent (the new mailbox inherits its ACL), DELETE "x" on the
// mailbox, RENAME "x" on the mailbox and "k" on the new parent, within one
// owner's tree. Top-level mailboxes of another account cannot be created.
// SUBSCRIBE/UNSUBSCRIBE store the client-visible name in the user's own
// subscription list.
#include "common/text.h"
#include "imap/acl_rights.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/notify.h"
#include "imap/object_id.h"
#include "imap/shared_mailboxes.h"
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

std::string parent_of(const std::string& name) {
    auto p = name.rfind('/');
    return p == std::string::npos ? std::string() : name.substr(0, p);
}

// The owner of a "Shared/<owner>/..." name; nullopt when there is no such
// account.
asio::awaitable<Result<std::optional<store::Account>>> find_owner(SessionPtr s,
                                                                  std::string address) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    auto owner = co_await net::await_store<std::optional<store::Account>>(
        [&](auto done) { st->find_account(address, std::move(done)); });
    if (!owner) co_return owner.error();
    co_return std::move(*owner);
}

// The nearest existing ancestor of `path` in the owner's account and the
// user's rights on it (RFC 4314 4: CREATE needs "k" there); nullopt when
// no ancestor exists (a top-level name).
struct Parent {
    store::Mailbox mailbox;
    std::string rights;
    std::vector<store::AclEntry> acl;
    std::vector<std::string> missing;  // superiors the store will create, nearest first
};

asio::awaitable<Result<std::optional<Parent>>> nearest_parent(SessionPtr s, store::Account owner,
                                                              std::string path) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId oid = owner.id;
    std::vector<std::string> missing;
    for (std::string p = parent_of(path); !p.empty(); p = parent_of(p)) {
        auto mb = co_await net::await_store<std::optional<store::Mailbox>>(
            [&](auto done) { st->get_mailbox(oid, p, std::move(done)); });
        if (!mb) co_return mb.error();
        if (!*mb) {
            missing.push_back(p);
            continue;
        }
        store::MailboxId mid = (*mb)->id;
        auto acl = co_await net::await_store<std::vector<store::AclEntry>>(
            [&](auto done) { st->get_acl(mid, std::move(done)); });
        if (!acl) co_return acl.error();
        Parent out;
        out.mailbox = std::move(**mb);
        out.rights = acl::effective_rights(s->account->address(), owner.address(), *acl);
        out.acl = std::move(*acl);
        out.missing = std::move(missing);
        co_return std::optional<Parent>(std::move(out));
    }
    co_return std::optional<Parent>();
}

// CREATE "Shared/<owner>/<path>".
asio::awaitable<Reply> create_shared(SessionPtr s, std::string owner_address, std::string path,
                                     std::string special) {
    auto owner = co_await find_owner(s, owner_address);
    if (!owner) co_return store_error_reply(owner.error(), "Cannot create mailbox");
    if (!*owner) co_return Reply::no("No such user", "NONEXISTENT");
    store::Account acct = **owner;
    auto parent = co_await nearest_parent(s, acct, path);
    if (!parent) co_return store_error_reply(parent.error(), "Cannot create mailbox");
    if (!*parent || !acl::has((*parent)->rights, 'k'))
        co_return Reply::no("Creating a mailbox here needs the \"k\" right on its parent",
                            "NOPERM");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId oid = acct.id;
    auto r = co_await net::await_store<store::Mailbox>(
        [&](auto done) { st->create_mailbox(oid, path, special, 0, std::move(done)); });
    if (!r) co_return store_error_reply(r.error(), "Cannot create mailbox");
    // RFC 4314 4: the new mailbox (and superiors created on the way) inherit
    // the parent's ACL, so the creator keeps the access it had.
    std::vector<store::MailboxId> fresh{r->id};
    std::vector<std::string> missing = (*parent)->missing;
    for (std::size_t i = 0; i < missing.size(); ++i) {
        std::string p = missing[i];
        auto mb = co_await net::await_store<std::optional<store::Mailbox>>(
            [&](auto done) { st->get_mailbox(oid, p, std::move(done)); });
        if (mb && *mb) fresh.push_back((*mb)->id);
    }
    std::vector<store::AclEntry> acl = (*parent)->acl;
    for (std::size_t i = 0; i < fresh.size(); ++i) {
        for (std::size_t j = 0; j < acl.size(); ++j) {
            store::MailboxId mid = fresh[i];
            store::AclEntry e = acl[j];
            auto set = co_await net::await_store<Unit>(
                [&](auto done) { st->set_acl(mid, std::move(e), std::move(done)); });
            if (!set)
                co_return store_error_reply(set.error(),
                                            "Mailbox created, but its ACL could not be set");
        }
    }
    co_return Reply::ok("CREATE completed", "MAILBOXID (" + mailbox_object_id(r->id) + ")");
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
    std::string n = *name;
    if (auto shared = split_shared_name(n)) {
        if (!text::iequals(shared->first, s->account->address())) {
            Reply rs = co_await create_shared(s, shared->first, shared->second, special);
            co_return rs;
        }
        n = shared->second;  // the user's own tree, as resolve_mailbox() sees it
    }
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = s->account->id;
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
    std::string path = n;
    if (split_shared_name(n)) {
        // Another user's mailbox: "x" on it (RFC 4314 4).
        auto target = co_await resolve_mailbox(s, n);
        if (!target) {
            if (target.error().code == Errc::not_found)
                co_return Reply::no("No such mailbox", "NONEXISTENT");
            co_return store_error_reply(target.error(), "Cannot delete mailbox");
        }
        if (!target->own) {
            if (!acl::has(target->rights, 'x'))
                co_return Reply::no("Deleting needs the \"x\" right", "NOPERM");
            if (target->mailbox.name == "INBOX")
                co_return Reply::no("INBOX cannot be deleted", "CANNOT");
            acct = target->owner.id;
        }
        path = target->mailbox.name;
    }
    auto r = co_await net::await_store<Unit>(
        [&](auto done) { st->delete_mailbox(acct, path, std::move(done)); });
    if (!r) {
        if (r.error().code == Errc::conflict)
            co_return Reply::no("Mailbox has child mailboxes; delete them first", "CANNOT");
        co_return store_error_reply(r.error(), "Cannot delete mailbox");
    }
    if (acct == s->account->id) notify_own_deleted(*s, path);
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
    std::string fpath = f, tpath = t;
    auto sf = split_shared_name(f);
    auto stt = split_shared_name(t);
    bool own_f = !sf || text::iequals(sf->first, s->account->address());
    bool own_t = !stt || text::iequals(stt->first, s->account->address());
    if (own_f != own_t)
        co_return Reply::no("RENAME cannot move a mailbox to another user", "CANNOT");
    if (!own_f) {
        // RFC 4314 4: "x" on the mailbox, "k" on the new parent; both in the
        // same owner's tree.
        auto src = co_await resolve_mailbox(s, f);
        if (!src) {
            if (src.error().code == Errc::not_found)
                co_return Reply::no("No such mailbox", "NONEXISTENT");
            co_return store_error_reply(src.error(), "Cannot rename mailbox");
        }
        auto towner = co_await find_owner(s, stt->first);
        if (!towner) co_return store_error_reply(towner.error(), "Cannot rename mailbox");
        if (!*towner || (*towner)->id != src->owner.id)
            co_return Reply::no("RENAME cannot move a mailbox to another user", "CANNOT");
        if (!acl::has(src->rights, 'x'))
            co_return Reply::no("Renaming needs the \"x\" right", "NOPERM");
        if (src->mailbox.name == "INBOX")
            co_return Reply::no("Another user's INBOX cannot be renamed", "CANNOT");
        auto parent = co_await nearest_parent(s, src->owner, stt->second);
        if (!parent) co_return store_error_reply(parent.error(), "Cannot rename mailbox");
        if (!*parent || !acl::has((*parent)->rights, 'k'))
            co_return Reply::no("Renaming there needs the \"k\" right on the new parent", "NOPERM");
        acct = src->owner.id;
        fpath = src->mailbox.name;
        tpath = stt->second;
    } else {
        if (sf) fpath = sf->second;
        if (stt) tpath = stt->second;
    }
    auto r = co_await net::await_store<Unit>(
        [&](auto done) { st->rename_mailbox(acct, fpath, tpath, std::move(done)); });
    if (!r) co_return store_error_reply(r.error(), "Cannot rename mailbox");
    if (acct == s->account->id) notify_own_renamed(*s, fpath, tpath);
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
