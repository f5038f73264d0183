#include "imap/shared_mailboxes.h"

#include "common/text.h"
#include "imap/acl_rights.h"
#include "net/await_store.h"

namespace postamt::imap {

std::optional<std::pair<std::string, std::string>> split_shared_name(std::string_view name) {
    if (name.size() <= kSharedPrefix.size() + 1 ||
        name.substr(0, kSharedPrefix.size()) != kSharedPrefix ||
        name[kSharedPrefix.size()] != store::kHierarchySep)
        return std::nullopt;
    std::string_view rest = name.substr(kSharedPrefix.size() + 1);
    auto sep = rest.find(store::kHierarchySep);
    if (sep == std::string_view::npos || sep == 0 || sep + 1 == rest.size()) return std::nullopt;
    std::string owner(rest.substr(0, sep));
    std::string box(rest.substr(sep + 1));
    // RFC 9051 5.1: INBOX is case-insensitive, also as the owner's top level.
    auto first = box.substr(0, box.find(store::kHierarchySep));
    if (text::iequals(first, "INBOX")) box.replace(0, first.size(), "INBOX");
    return std::make_pair(std::move(owner), std::move(box));
}

std::string shared_name(std::string_view owner_address, std::string_view mailbox) {
    std::string out(kSharedPrefix);
    out += store::kHierarchySep;
    out.append(owner_address);
    out += store::kHierarchySep;
    out.append(mailbox);
    return out;
}

asio::awaitable<Result<ResolvedMailbox>> resolve_mailbox(SessionPtr s, std::string name) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    auto shared = split_shared_name(name);
    if (!shared) {
        store::AccountId acct = s->account->id;
        auto mb = co_await net::await_store<std::optional<store::Mailbox>>(
            [&](auto done) { st->get_mailbox(acct, name, std::move(done)); });
        if (!mb) co_return mb.error();
        if (!*mb) co_return make_error(Errc::not_found, "no such mailbox");
        ResolvedMailbox r;
        r.owner = *s->account;
        r.mailbox = std::move(**mb);
        r.rights = std::string(acl::kAllRights);
        co_return r;
    }
    std::string owner_addr = shared->first;
    std::string box = shared->second;
    auto owner = co_await net::await_store<std::optional<store::Account>>(
        [&](auto done) { st->find_account(owner_addr, std::move(done)); });
    if (!owner) co_return owner.error();
    if (!*owner) co_return make_error(Errc::not_found, "no such mailbox");
    store::AccountId owner_id = (*owner)->id;
    auto mb = co_await net::await_store<std::optional<store::Mailbox>>(
        [&](auto done) { st->get_mailbox(owner_id, box, std::move(done)); });
    if (!mb) co_return mb.error();
    if (!*mb) co_return make_error(Errc::not_found, "no such mailbox");
    store::MailboxId mid = (*mb)->id;
    auto entries = co_await net::await_store<std::vector<store::AclEntry>>(
        [&](auto done) { st->get_acl(mid, std::move(done)); });
    if (!entries) co_return entries.error();
    ResolvedMailbox r;
    r.owner = std::move(**owner);
    r.mailbox = std::move(**mb);
    r.rights = acl::effective_rights(s->account->address(), r.owner.address(), *entries);
    r.own = r.owner.id == s->account->id;
    // RFC 4314 6: without "l" (or any right at all) the mailbox does not
    // exist for this user.
    if (r.rights.empty() || (!acl::has(r.rights, 'l') && !acl::has(r.rights, 'r')))
        co_return make_error(Errc::not_found, "no such mailbox");
    co_return r;
}

asio::awaitable<std::vector<SharedMailbox>> list_shared_mailboxes(SessionPtr s) {
    std::vector<SharedMailbox> out;
    std::shared_ptr<store::Store> st = s->ctx->store;
    std::string me = s->account->address();
    store::AccountId my_id = s->account->id;
    auto rows = co_await net::await_store<std::vector<std::pair<store::Mailbox, store::AclEntry>>>(
        [&](auto done) { st->list_shared_with(me, std::move(done)); });
    if (!rows) co_return out;
    // Group by mailbox (an entry for the user and one for "anyone" may both
    // be there); negative entries are applied from the full ACL.
    std::vector<store::MailboxId> seen;
    std::vector<std::pair<store::Mailbox, store::AclEntry>> all = std::move(*rows);
    for (std::size_t i = 0; i < all.size(); ++i) {
        store::Mailbox copy = all[i].first;
        if (copy.account_id == my_id) continue;
        bool dup = false;
        for (auto id : seen) dup = dup || id == copy.id;
        if (dup) continue;
        seen.push_back(copy.id);
        store::MailboxId mid = copy.id;
        store::AccountId owner_id = copy.account_id;
        auto owner = co_await net::await_store<std::optional<store::Account>>(
            [&](auto done) { st->get_account(owner_id, std::move(done)); });
        if (!owner || !*owner) continue;
        auto entries = co_await net::await_store<std::vector<store::AclEntry>>(
            [&](auto done) { st->get_acl(mid, std::move(done)); });
        if (!entries) continue;
        std::string rights = acl::effective_rights(me, (*owner)->address(), *entries);
        if (!acl::has(rights, 'l')) continue;
        SharedMailbox sm;
        sm.owner = (*owner)->address();
        sm.name = shared_name(sm.owner, copy.name);
        sm.mailbox = std::move(copy);
        sm.rights = std::move(rights);
        out.push_back(std::move(sm));
    }
    co_return out;
}

asio::awaitable<std::optional<Reply>> recheck_selected_rights(SessionPtr s) {
    if (!s->selected || !s->account) co_return std::nullopt;
    std::string name = s->selected->name;
    auto shared = split_shared_name(name);
    if (!shared || text::iequals(shared->first, s->account->address())) co_return std::nullopt;
    store::MailboxId selected_id = s->selected->view.mailbox();
    auto r = co_await resolve_mailbox(s, name);
    if (!s->selected || s->selected->view.mailbox() != selected_id) co_return std::nullopt;
    if (!r && r.error().code != Errc::not_found)
        co_return std::nullopt;  // store trouble: keep going
    if (!r || r->mailbox.id != selected_id || !acl::has(r->rights, 'r')) {
        s->unselect();
        s->send("* OK [CLOSED] Access to the selected mailbox was revoked\r\n");
        co_return Reply::no("The \"r\" right on the selected mailbox was revoked", "NOPERM");
    }
    for (char right : std::string_view("swte"))
        if (!acl::has(r->rights, right)) s->selected->read_only = true;
    co_return std::nullopt;
}

}  // namespace postamt::imap
