// ACL (RFC 4314): SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS on the
// user's own mailboxes and on mailboxes shared with them
// (shared_mailboxes.h). The rights model is acl_rights.h: the owner always
// has every right and does not appear in the stored ACL; GETACL lists the
// owner first. Identifiers are "anyone", local addresses of existing
// accounts, or either with "-" (negative rights). Administering needs "a"
// (RFC 4314 4); MYRIGHTS needs any right (RFC 4314 4: l, r, i, k, x or a).
#include "common/text.h"
#include "imap/acl_rights.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/shared_mailboxes.h"
#include "imap/wire_string.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

struct Administered {
    ResolvedMailbox mb;
    std::string name;  // store-form client name, for responses
};

// Resolves `raw` and checks the user may administer it ("a").
asio::awaitable<Result<Administered>> administered(SessionPtr s, std::string raw) {
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return make_error(Errc::not_found, name.error().message);
    auto mb = co_await resolve_mailbox(s, *name);
    if (!mb) co_return mb.error();
    if (!acl::has(mb->rights, 'a')) co_return make_error(Errc::permission, "administering this mailbox needs the \"a\" right");
    co_return Administered{std::move(*mb), std::move(*name)};
}

// Identifier check for SETACL/DELETEACL: "anyone" or an existing account
// (optionally negative). BAD for a malformed one (RFC 4314 3), NO for an
// unknown user.
asio::awaitable<std::variant<std::string, Reply>> checked_identifier(SessionPtr s, std::string raw) {
    auto id = acl::normalise_identifier(raw);
    if (!id) co_return Reply::bad("Invalid identifier");
    std::string bare = acl::is_negative(*id) ? id->substr(1) : *id;
    if (bare == "anyone") co_return *id;
    std::shared_ptr<store::Store> st = s->ctx->store;
    auto acct = co_await net::await_store<std::optional<store::Account>>(
        [&](auto done) { st->find_account(bare, std::move(done)); });
    if (!acct) co_return store_error_reply(acct.error(), "Cannot check identifier");
    if (!*acct) co_return Reply::no("No such user " + bare, "NONEXISTENT");
    co_return *id;
}

std::string mailbox_out(const SessionPtr& s, std::string_view name) { return wire_mailbox(name, s->utf8()); }

}  // namespace

asio::awaitable<Reply> exec_setacl(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<SetAclCmd>(c->body).mailbox;
    std::string ident_raw = std::get<SetAclCmd>(c->body).identifier;
    std::string mod = std::get<SetAclCmd>(c->body).rights;
    // Unknown rights are BAD before anything else (RFC 4314 3.1).
    if (!acl::apply_modification("", mod)) co_return Reply::bad("Unknown right in \"" + mod + "\"");
    auto ident = co_await checked_identifier(s, ident_raw);
    if (auto* r = std::get_if<Reply>(&ident)) co_return *r;
    std::string id = std::get<std::string>(ident);
    auto adm = co_await administered(s, raw);
    if (!adm) co_return store_error_reply(adm.error(), "SETACL failed");
    if (id == *acl::normalise_identifier(adm->mb.owner.address()))
        co_return Reply::no("The owner always has all rights", "CANNOT");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MailboxId mid = adm->mb.mailbox.id;
    auto current = co_await net::await_store<std::vector<store::AclEntry>>(
        [&](auto done) { st->get_acl(mid, std::move(done)); });
    if (!current) co_return store_error_reply(current.error(), "SETACL failed");
    std::string have;
    for (const auto& e : *current)
        if (e.identifier == id) have = e.rights;
    std::string rights = *acl::apply_modification(have, mod);
    store::AclEntry entry{id, rights};
    auto r = co_await net::await_store<Unit>([&](auto done) { st->set_acl(mid, entry, std::move(done)); });
    if (!r) co_return store_error_reply(r.error(), "SETACL failed");
    co_return Reply::ok("SETACL completed");
}

asio::awaitable<Reply> exec_deleteacl(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<DeleteAclCmd>(c->body).mailbox;
    std::string ident_raw = std::get<DeleteAclCmd>(c->body).identifier;
    auto id = acl::normalise_identifier(ident_raw);
    if (!id) co_return Reply::bad("Invalid identifier");
    auto adm = co_await administered(s, raw);
    if (!adm) co_return store_error_reply(adm.error(), "DELETEACL failed");
    if (*id == *acl::normalise_identifier(adm->mb.owner.address()))
        co_return Reply::no("The owner always has all rights", "CANNOT");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MailboxId mid = adm->mb.mailbox.id;
    store::AclEntry entry{*id, ""};
    auto r = co_await net::await_store<Unit>([&](auto done) { st->set_acl(mid, entry, std::move(done)); });
    if (!r) co_return store_error_reply(r.error(), "DELETEACL failed");
    co_return Reply::ok("DELETEACL completed");
}

asio::awaitable<Reply> exec_getacl(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<GetAclCmd>(c->body).mailbox;
    auto adm = co_await administered(s, raw);
    if (!adm) co_return store_error_reply(adm.error(), "GETACL failed");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MailboxId mid = adm->mb.mailbox.id;
    auto entries = co_await net::await_store<std::vector<store::AclEntry>>(
        [&](auto done) { st->get_acl(mid, std::move(done)); });
    if (!entries) co_return store_error_reply(entries.error(), "GETACL failed");
    std::string out = "* ACL " + mailbox_out(s, adm->name) + ' ';
    append_astring(out, adm->mb.owner.address());
    out += ' ' + acl::display(acl::kAllRights);
    for (const auto& e : *entries) {
        out += ' ';
        append_astring(out, e.identifier);
        out += ' ';
        append_astring(out, acl::display(*acl::parse_rights(e.rights)));
    }
    s->send(out + "\r\n");
    co_return Reply::ok("GETACL completed");
}

asio::awaitable<Reply> exec_listrights(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<ListRightsCmd>(c->body).mailbox;
    std::string ident_raw = std::get<ListRightsCmd>(c->body).identifier;
    auto id = acl::normalise_identifier(ident_raw);
    if (!id) co_return Reply::bad("Invalid identifier");
    auto adm = co_await administered(s, raw);
    if (!adm) co_return store_error_reply(adm.error(), "LISTRIGHTS failed");
    acl::ListRights lr = acl::list_rights(*id, adm->mb.owner.address());
    std::string out = "* LISTRIGHTS " + mailbox_out(s, adm->name) + ' ';
    append_astring(out, ident_raw);
    out += ' ';
    if (lr.required.empty()) out += "\"\"";
    else out += lr.required;
    for (const auto& o : lr.optional) out += ' ' + o;
    s->send(out + "\r\n");
    co_return Reply::ok("LISTRIGHTS completed");
}

asio::awaitable<Reply> exec_myrights(SessionPtr s, CommandPtr c) {
    std::string raw = std::get<MyRightsCmd>(c->body).mailbox;
    auto name = mailbox_from_wire(raw, s->utf8());
    if (!name) co_return Reply::no(name.error().message, "NONEXISTENT");
    auto mb = co_await resolve_mailbox(s, *name);
    if (!mb) co_return store_error_reply(mb.error(), "MYRIGHTS failed");
    std::string rights = acl::display(mb->rights);
    std::string out = "* MYRIGHTS " + mailbox_out(s, *name) + ' ';
    if (rights.empty()) out += "\"\"";
    else out += rights;
    s->send(out + "\r\n");
    co_return Reply::ok("MYRIGHTS completed");
}

}  // namespace postamt::imap
