// APPEND (RFC 9051 6.3.12) with MULTIAPPEND (RFC 3502), APPENDUID
// (UIDPLUS, RFC 4315), APPENDLIMIT (RFC 7889), literal8 (BINARY, RFC 3516)
// and UTF8 (RFC 6855 4). OK is sent only after the store committed (the
// message survives kill -9 from then on).
#include "common/log.h"
#include "imap/acl_rights.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/sequence_set.h"
#include "imap/shared_mailboxes.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

Reply trycreate() { return Reply::no("Mailbox does not exist", "TRYCREATE"); }

// The target, own or shared (shared_mailboxes.h); a Reply when APPEND to
// it must be refused: no such mailbox (TRYCREATE), or no "i" right
// (RFC 4314 4: APPEND needs "i").
struct Target {
    std::optional<ResolvedMailbox> mailbox;
    std::optional<Reply> refusal;
};

asio::awaitable<Target> find_target(SessionPtr s, std::string name) {
    Target t;
    auto r = co_await resolve_mailbox(s, name);
    if (!r) {
        t.refusal = r.error().code == Errc::not_found
                        ? trycreate()
                        : store_error_reply(r.error(), "Cannot append message");
        co_return t;
    }
    if (!acl::has(r->rights, 'i')) {
        t.refusal = Reply::no("Appending needs the \"i\" right", "NOPERM");
        co_return t;
    }
    t.mailbox = std::move(*r);
    co_return t;
}

// RFC 4314 4: flags the user may not set are dropped from an APPEND.
store::Flags allowed_flags(store::Flags f, const std::string& rights) {
    if (!acl::has(rights, 's')) f.system &= ~static_cast<uint32_t>(store::kSeen);
    if (!acl::has(rights, 't')) f.system &= ~static_cast<uint32_t>(store::kDeleted);
    if (!acl::has(rights, 'w')) {
        f.system &= static_cast<uint32_t>(store::kSeen | store::kDeleted);
        f.keywords.clear();
    }
    return f;
}

Reply delivery_error(Errc code, const std::string& msg) {
    switch (code) {
        case Errc::over_quota:
            return Reply::no("Mailbox is full (quota exceeded)", "OVERQUOTA");
        case Errc::not_found:
            return trycreate();
        case Errc::too_big:
            return Reply::no("Message too big", "TOOBIG");
        default:
            return store_error_reply(Error{code, msg}, "Cannot append message");
    }
}

}  // namespace

asio::awaitable<std::optional<Reply>> append_precheck(SessionPtr s, LiteralProbe probe,
                                                      uint64_t size) {
    if (!s->account) co_return Reply::bad("Log in first");
    auto name = mailbox_from_wire(probe.mailbox, s->utf8());
    if (!name) co_return Reply::no(name.error().message, "CANNOT");
    if (size > s->ctx->limits.max_message_size)
        co_return Reply::no("Message is larger than the server accepts", "TOOBIG");
    Target target = co_await find_target(s, *name);
    if (target.refusal) co_return target.refusal;
    // RFC 9051 6.3.12 / DESIGN.md: refuse over quota before the client sends
    // the data (the owner's quota for a shared mailbox).
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = target.mailbox->owner.id;
    int64_t bytes = static_cast<int64_t>(size);
    auto q = co_await net::await_store<Unit>(
        [&](auto done) { st->check_quota(acct, bytes, std::move(done)); });
    if (!q) {
        if (q.error().code == Errc::over_quota)
            co_return Reply::no("Mailbox is full (quota exceeded)", "OVERQUOTA");
        co_return store_error_reply(q.error(), "Cannot append message");
    }
    co_return std::nullopt;
}

asio::awaitable<Reply> exec_append(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<AppendCmd>(c->body).mailbox;
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return Reply::no(name.error().message, "CANNOT");
    std::size_t count = std::get<AppendCmd>(c->body).messages.size();
    // Flags and sizes of every message first: nothing is stored when one is wrong.
    std::vector<store::Flags> flags;
    for (std::size_t i = 0; i < count; ++i) {
        auto f = parse_flags(std::get<AppendCmd>(c->body).messages[i].flags);
        if (!f) co_return Reply::bad(f.error().message);
        flags.push_back(std::move(*f));
        if (std::get<AppendCmd>(c->body).messages[i].data.empty())
            co_return Reply::no("Empty message", "CANNOT");
    }
    Target target = co_await find_target(s, *name);
    if (target.refusal) co_return *target.refusal;
    store::Mailbox box = target.mailbox->mailbox;
    std::string rights = target.mailbox->rights;
    for (auto& f : flags) f = allowed_flags(std::move(f), rights);

    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId acct = target.mailbox->owner.id;
    std::vector<uint32_t> uids;
    uint32_t uid_validity = box.uid_validity;
    for (std::size_t i = 0; i < count; ++i) {
        store::NewMessage msg;
        // Moved, not copied: the literal's bytes go straight to the store.
        msg.data = std::move(std::get<AppendCmd>(c->body).messages[i].data);
        if (std::get<AppendCmd>(c->body).messages[i].date)
            msg.internal_date = std::get<AppendCmd>(c->body).messages[i].date->unix_seconds;
        store::DeliveryTarget t;
        t.account = acct;
        t.mailbox = box.id;
        t.flags = flags[i];
        msg.targets.push_back(std::move(t));
        msg.enforce_quota = true;
        auto r = co_await net::await_store<std::vector<store::DeliveredCopy>>(
            [&](auto done) { st->deliver(std::move(msg), std::move(done)); });
        std::optional<Reply> failure;
        if (!r)
            failure = delivery_error(r.error().code, r.error().message);
        else if (r->empty())
            failure = store_error_reply(Error{Errc::internal, "no copy"}, "Cannot append message");
        else if ((*r)[0].error != Errc::ok)
            failure = delivery_error((*r)[0].error, (*r)[0].error_message);
        if (failure) {
            if (!uids.empty()) {
                // RFC 3502: a MULTIAPPEND is all or nothing; take back what
                // was stored before the failure.
                store::ExpungeRequest undo;
                undo.mailbox = box.id;
                undo.only_deleted = false;
                for (uint32_t u : uids) undo.uids.push_back(store::UidRange{u, u});
                co_await net::await_store<store::ExpungeResult>(
                    [&](auto done) { st->expunge(std::move(undo), std::move(done)); });
            }
            co_return *failure;
        }
        uids.push_back((*r)[0].uid);
        uid_validity = (*r)[0].uid_validity;
    }
    // Appending to the selected mailbox: the client learns about the new
    // message(s) with this command's EXISTS, whether or not the doorbell
    // rang before the store's answer came back.
    if (s->selected && s->selected->view.mailbox() == box.id) co_await s->pull_changes(true);
    log::debug("event=imap_append conn={} user={} mailbox={} messages={}", s->conn->id(),
               log::quote(s->log_user()), log::quote(*name), count);
    co_return Reply::ok("APPEND completed",
                        "APPENDUID " + std::to_string(uid_validity) + " " + format_set(uids));
}

}  // namespace postamt::imap
