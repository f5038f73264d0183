// QUOTA (RFC 9208): one quota root per account, named "" (the empty
// string), with the resources STORAGE (KiB, RFC 9208 5.1) and MESSAGE
// (5.2) from the account's limits. Only limited resources are reported; an
// account without any limit has no quota root at all, so GETQUOTAROOT
// lists none and GETQUOTA "" answers NO [NONEXISTENT] (RFC 9208 4.3.2
// allows a mailbox without quota roots; a QUOTA response must carry at
// least one resource, 4.3.1 / section 9 "quota-list"). Limits are set by
// administrators with the CLI, so SETQUOTA is refused with [NOPERM].
// A shared mailbox of another account (shared_mailboxes.h) counts against
// its owner's quota, which is not disclosed: no quota root is listed.
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/shared_mailboxes.h"
#include "imap/wire_string.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

// "(STORAGE 12 1024 MESSAGE 3 100)"; empty when nothing is limited.
std::string quota_list(const store::Account& a) {
    std::string out;
    auto add = [&out](const char* res, int64_t used, int64_t limit) {
        out += out.empty() ? "(" : " ";
        out += res;
        out += ' ' + std::to_string(used) + ' ' + std::to_string(limit);
    };
    // Usage rounds up and the limit down, so "used < limit" in KiB never
    // promises bytes that are not there.
    if (a.quota_bytes > 0) add("STORAGE", (a.used_bytes + 1023) / 1024, a.quota_bytes / 1024);
    if (a.quota_messages > 0) add("MESSAGE", a.used_messages, a.quota_messages);
    if (!out.empty()) out += ')';
    return out;
}

// The account as it is now (the session's copy is from LOGIN).
asio::awaitable<Result<store::Account>> fresh_account(SessionPtr s) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::AccountId id = s->account->id;
    auto a = co_await net::await_store<std::optional<store::Account>>(
        [&](auto done) { st->get_account(id, std::move(done)); });
    if (!a) co_return a.error();
    if (!*a) co_return make_error(Errc::not_found, "account is gone");
    co_return std::move(**a);
}

}  // namespace

asio::awaitable<Reply> exec_getquota(SessionPtr s, CommandPtr c) {
    std::string root = std::get<GetQuotaCmd>(c->body).root;
    if (!root.empty()) co_return Reply::no("No such quota root (the only one is \"\")", "NONEXISTENT");
    auto a = co_await fresh_account(s);
    if (!a) co_return store_error_reply(a.error(), "GETQUOTA failed");
    std::string list = quota_list(*a);
    if (list.empty()) co_return Reply::no("No quota applies to this account", "NONEXISTENT");
    s->send("* QUOTA \"\" " + list + "\r\n");
    co_return Reply::ok("GETQUOTA completed");
}

asio::awaitable<Reply> exec_getquotaroot(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<GetQuotaRootCmd>(c->body).mailbox;
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return Reply::no(name.error().message, "NONEXISTENT");
    auto mb = co_await resolve_mailbox(s, *name);
    if (!mb) co_return store_error_reply(mb.error(), "GETQUOTAROOT failed");
    std::string list;
    if (mb->own) {
        auto a = co_await fresh_account(s);
        if (!a) co_return store_error_reply(a.error(), "GETQUOTAROOT failed");
        list = quota_list(*a);
    }
    std::string out = "* QUOTAROOT ";
    append_mailbox(out, *name, s->utf8());
    if (!list.empty()) out += " \"\"";
    out += "\r\n";
    if (!list.empty()) out += "* QUOTA \"\" " + list + "\r\n";
    s->send(out);
    co_return Reply::ok("GETQUOTAROOT completed");
}

asio::awaitable<Reply> exec_setquota(SessionPtr, CommandPtr) {
    // RFC 9208 4.1.3: a server may refuse; limits belong to the administrator.
    co_return Reply::no("Quota limits are set by the administrator (postamt user quota)", "NOPERM");
}

}  // namespace postamt::imap
