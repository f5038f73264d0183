// Domains, accounts, aliases and recipient resolution.
#include <algorithm>
#include <cctype>
#include <set>

#include "store/mailbox_name.h"
#include "store/store_impl.h"

namespace postamt::store {
namespace {

struct DefaultMailbox {
    const char* name;
    const char* special_use;
};
// RFC 6154 special-use names; clients that look for them find them and do
// not create their own "Sent Messages" or "Gesendet".
constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"INBOX", ""},         {"Sent", "\\Sent"},   {"Drafts", "\\Drafts"},
    {"Trash", "\\Trash"}, {"Junk", "\\Junk"},  {"Archive", "\\Archive"},
};

bool valid_domain_name(const std::string& d) {
    if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.' || d.find("..") != std::string::npos)
        return false;
    if (!is_valid_utf8(d)) return false;
    for (unsigned char c : d)
        if (c < 0x80 && !(std::isalnum(c) || c == '-' || c == '.')) return false;
    return true;
}

std::optional<DomainId> domain_id(Db& db, const std::string& name) {
    auto st = db.prepare("SELECT id FROM domains WHERE name = ?");
    st->bind(1, name);
    if (!st->step()) return std::nullopt;
    return st->i64(0);
}

std::optional<Account> account_by_address(Db& db, const std::string& local, const std::string& domain) {
    auto st = db.prepare("SELECT " POSTAMT_ACCOUNT_COLS "WHERE d.name = ? AND a.local_part = ?");
    st->bind(1, domain).bind(2, local);
    if (!st->step()) return std::nullopt;
    return account_from(*st);
}

std::vector<std::string> alias_targets(Db& db, const std::string& source) {
    std::vector<std::string> out;
    auto st = db.prepare("SELECT target FROM aliases WHERE source = ? ORDER BY target");
    st->bind(1, source);
    while (st->step()) out.push_back(st->text(0));
    return out;
}

constexpr char kPlusSeparator = '+';
constexpr int kMaxAliasDepth = 8;

// RFC 5321 4.5.1: postmaster must exist for every domain. Without an alias
// or account of that name it reaches the first account of the domain, or
// the first account of the installation when the domain has none.
std::optional<AccountId> postmaster_fallback(Db& db, DomainId domain) {
    auto st = db.prepare("SELECT id FROM accounts WHERE domain_id = ? ORDER BY id LIMIT 1");
    st->bind(1, domain);
    if (st->step()) return st->i64(0);
    auto any = db.prepare("SELECT id FROM accounts ORDER BY id LIMIT 1");
    if (any->step()) return any->i64(0);
    return std::nullopt;
}

void resolve_into(Db& db, const std::string& address, int depth, Resolution& out,
                  std::set<std::string>& seen) {
    if (depth > kMaxAliasDepth || !seen.insert(address).second) return;
    auto parts = split_address(address);
    if (!parts) return;
    auto& [local, domain] = *parts;
    auto did = domain_id(db, domain);
    if (!did) {
        out.forward_to.push_back(address);
        return;
    }
    std::string base = local;
    if (auto p = local.find(kPlusSeparator); p != std::string::npos && p > 0) base = local.substr(0, p);

    // Order as Postfix virtual(5): the full address, the address without
    // extension, the account, then the catch-all.
    for (const std::string& candidate : {local, base}) {
        auto targets = alias_targets(db, candidate + "@" + domain);
        if (!targets.empty()) {
            for (auto& t : targets) resolve_into(db, t, depth + 1, out, seen);
            return;
        }
        if (auto acct = account_by_address(db, candidate, domain)) {
            out.accounts.push_back(acct->id);
            return;
        }
    }
    if (base == "postmaster") {
        if (auto id = postmaster_fallback(db, *did)) {
            out.accounts.push_back(*id);
            return;
        }
    }
    auto catch_all = alias_targets(db, "@" + domain);
    for (auto& t : catch_all) resolve_into(db, t, depth + 1, out, seen);
}

}  // namespace

void Store::add_domain(std::string name, Callback<Domain> done) {
    impl_->write<Domain>(
        [name = ascii_lower(name)](WriteTx& tx) -> Result<Domain> {
            if (!valid_domain_name(name)) return make_error(Errc::invalid, "invalid domain name '" + name + "'");
            if (domain_id(tx.db, name)) return make_error(Errc::already_exists, "domain " + name + " exists");
            auto st = tx.db.prepare("INSERT INTO domains(name) VALUES (?)");
            st->bind(1, name);
            st->run();
            return Domain{tx.db.last_insert_rowid(), name};
        },
        std::move(done));
}

void Store::remove_domain(std::string name, Callback<Unit> done) {
    impl_->write<Unit>(
        [name = ascii_lower(name)](WriteTx& tx) -> Result<Unit> {
            auto id = domain_id(tx.db, name);
            if (!id) return make_error(Errc::not_found, "no domain " + name);
            auto st = tx.db.prepare("SELECT count(*) FROM accounts WHERE domain_id = ?");
            st->bind(1, *id);
            st->step();
            if (st->i64(0) > 0)
                return make_error(Errc::conflict, "domain " + name + " still has accounts; remove them first");
            auto del_alias = tx.db.prepare("DELETE FROM aliases WHERE source LIKE ? ESCAPE '\\'");
            std::string pattern = "%@";
            for (char c : name) {
                if (c == '%' || c == '_' || c == '\\') pattern += '\\';
                pattern += c;
            }
            del_alias->bind(1, pattern);
            del_alias->run();
            auto del = tx.db.prepare("DELETE FROM domains WHERE id = ?");
            del->bind(1, *id);
            del->run();
            return Unit{};
        },
        std::move(done));
}

void Store::list_domains(Callback<std::vector<Domain>> done) {
    impl_->read<std::vector<Domain>>(
        [](Db& db) -> Result<std::vector<Domain>> {
            std::vector<Domain> out;
            auto st = db.prepare("SELECT id, name FROM domains ORDER BY name");
            while (st->step()) out.push_back(Domain{st->i64(0), st->text(1)});
            return out;
        },
        std::move(done));
}

void Store::add_account(NewAccount acct, Callback<Account> done) {
    impl_->write<Account>(
        [acct = std::move(acct)](WriteTx& tx) -> Result<Account> {
            auto parts = split_address(acct.address);
            if (!parts || parts->first.find('+') != std::string::npos)
                return make_error(Errc::invalid, "invalid address '" + acct.address + "'");
            auto& [local, domain] = *parts;
            auto did = domain_id(tx.db, domain);
            if (!did) return make_error(Errc::not_found, "no domain " + domain + "; add it first");
            if (account_by_address(tx.db, local, domain))
                return make_error(Errc::already_exists, "account " + local + "@" + domain + " exists");
            if (!alias_targets(tx.db, local + "@" + domain).empty())
                return make_error(Errc::already_exists, local + "@" + domain + " is an alias");
            auto st = tx.db.prepare(
                "INSERT INTO accounts(domain_id, local_part, password_hash, scram_sha256, quota_bytes, "
                "quota_messages) VALUES (?, ?, ?, ?, ?, ?)");
            st->bind(1, *did).bind(2, local).bind(3, acct.credentials.password_hash);
            st->bind(4, acct.credentials.scram_sha256).bind(5, acct.quota_bytes).bind(6, acct.quota_messages);
            st->run();
            AccountId id = tx.db.last_insert_rowid();
            for (const auto& mb : kDefaultMailboxes) {
                auto ins = tx.db.prepare(
                    "INSERT INTO mailboxes(account_id, name, special_use, uid_validity) VALUES (?, ?, ?, ?)");
                ins->bind(1, id).bind(2, mb.name).bind(3, mb.special_use).bind(4, next_uid_validity(tx.db));
                ins->run();
                auto sub = tx.db.prepare("INSERT INTO subscriptions(account_id, name) VALUES (?, ?)");
                sub->bind(1, id).bind(2, mb.name);
                sub->run();
            }
            return *account_by_address(tx.db, local, domain);
        },
        std::move(done));
}

void Store::remove_account(std::string address, Callback<Unit> done) {
    impl_->write<Unit>(
        [address](WriteTx& tx) -> Result<Unit> {
            auto parts = split_address(address);
            if (!parts) return make_error(Errc::invalid, "invalid address '" + address + "'");
            auto acct = account_by_address(tx.db, parts->first, parts->second);
            if (!acct) return make_error(Errc::not_found, "no account " + address);
            // Blobs first: every message's reference goes, then the rows.
            auto msgs = tx.db.prepare(
                "SELECT blob_id FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?)");
            msgs->bind(1, acct->id);
            std::vector<BlobId> blobs;
            while (msgs->step()) blobs.push_back(msgs->i64(0));
            auto queued = tx.db.prepare("SELECT blob_id FROM delivery_queue WHERE account_id = ?");
            queued->bind(1, acct->id);
            while (queued->step()) blobs.push_back(queued->i64(0));
            for (BlobId b : blobs) release_blob(tx, b);
            const char* stmts[] = {
                "DELETE FROM delivery_queue WHERE account_id = ?1",
                "DELETE FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?1)",
                "DELETE FROM tombstones WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?1)",
                "DELETE FROM acl WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ?1)",
                "DELETE FROM mailboxes WHERE account_id = ?1",
                "DELETE FROM subscriptions WHERE account_id = ?1",
                "DELETE FROM accounts WHERE id = ?1",
            };
            for (const char* sql : stmts) {
                auto st = tx.db.prepare(sql);
                st->bind(1, acct->id);
                st->run();
            }
            auto acl = tx.db.prepare("DELETE FROM acl WHERE identifier = ?");
            acl->bind(1, acct->address());
            acl->run();
            return Unit{};
        },
        std::move(done));
}

void Store::set_credentials(AccountId id, Credentials cred, Callback<Unit> done) {
    impl_->write<Unit>(
        [id, cred = std::move(cred)](WriteTx& tx) -> Result<Unit> {
            auto st = tx.db.prepare("UPDATE accounts SET password_hash = ?, scram_sha256 = ? WHERE id = ?");
            st->bind(1, cred.password_hash).bind(2, cred.scram_sha256).bind(3, id);
            st->run();
            if (tx.db.changes() == 0) return make_error(Errc::not_found, "no such account");
            return Unit{};
        },
        std::move(done));
}

void Store::set_quota(AccountId id, int64_t bytes, int64_t messages, Callback<Unit> done) {
    impl_->write<Unit>(
        [id, bytes, messages](WriteTx& tx) -> Result<Unit> {
            if (bytes < 0 || messages < 0) return make_error(Errc::invalid, "quota must not be negative");
            auto st = tx.db.prepare("UPDATE accounts SET quota_bytes = ?, quota_messages = ? WHERE id = ?");
            st->bind(1, bytes).bind(2, messages).bind(3, id);
            st->run();
            if (tx.db.changes() == 0) return make_error(Errc::not_found, "no such account");
            return Unit{};
        },
        std::move(done));
}

void Store::set_disabled(AccountId id, bool disabled, Callback<Unit> done) {
    impl_->write<Unit>(
        [id, disabled](WriteTx& tx) -> Result<Unit> {
            auto st = tx.db.prepare("UPDATE accounts SET disabled = ? WHERE id = ?");
            st->bind(1, int64_t{disabled ? 1 : 0}).bind(2, id);
            st->run();
            if (tx.db.changes() == 0) return make_error(Errc::not_found, "no such account");
            return Unit{};
        },
        std::move(done));
}

void Store::list_accounts(std::string domain, Callback<std::vector<Account>> done) {
    impl_->read<std::vector<Account>>(
        [domain = ascii_lower(domain)](Db& db) -> Result<std::vector<Account>> {
            std::vector<Account> out;
            auto st = db.prepare("SELECT " POSTAMT_ACCOUNT_COLS
                                 "WHERE ?1 = '' OR d.name = ?1 ORDER BY d.name, a.local_part");
            st->bind(1, domain);
            while (st->step()) out.push_back(account_from(*st));
            return out;
        },
        std::move(done));
}

void Store::find_account(std::string address, Callback<std::optional<Account>> done) {
    impl_->read<std::optional<Account>>(
        [address](Db& db) -> Result<std::optional<Account>> {
            auto parts = split_address(address);
            if (!parts) return std::optional<Account>{};
            return account_by_address(db, parts->first, parts->second);
        },
        std::move(done));
}

void Store::get_account(AccountId id, Callback<std::optional<Account>> done) {
    impl_->read<std::optional<Account>>(
        [id](Db& db) -> Result<std::optional<Account>> {
            auto st = db.prepare("SELECT " POSTAMT_ACCOUNT_COLS "WHERE a.id = ?");
            st->bind(1, id);
            if (!st->step()) return std::optional<Account>{};
            return std::optional<Account>(account_from(*st));
        },
        std::move(done));
}

void Store::add_alias(Alias alias, Callback<Unit> done) {
    impl_->write<Unit>(
        [alias = std::move(alias)](WriteTx& tx) -> Result<Unit> {
            std::string source;
            std::string domain;
            if (!alias.source.empty() && alias.source.front() == '@') {
                domain = ascii_lower(alias.source.substr(1));
                if (!valid_domain_name(domain)) return make_error(Errc::invalid, "invalid catch-all " + alias.source);
                source = "@" + domain;
            } else {
                auto p = split_address(alias.source);
                if (!p) return make_error(Errc::invalid, "invalid alias address '" + alias.source + "'");
                domain = p->second;
                source = p->first + "@" + p->second;
                if (account_by_address(tx.db, p->first, p->second))
                    return make_error(Errc::already_exists, source + " is an account");
            }
            if (!domain_id(tx.db, domain)) return make_error(Errc::not_found, "no domain " + domain + "; add it first");
            auto t = split_address(alias.target);
            if (!t) return make_error(Errc::invalid, "invalid alias target '" + alias.target + "'");
            std::string target = t->first + "@" + t->second;
            auto st = tx.db.prepare("INSERT OR IGNORE INTO aliases(source, target) VALUES (?, ?)");
            st->bind(1, source).bind(2, target);
            st->run();
            if (tx.db.changes() == 0) return make_error(Errc::already_exists, "alias exists");
            return Unit{};
        },
        std::move(done));
}

void Store::remove_alias(std::string source, std::string target, Callback<Unit> done) {
    impl_->write<Unit>(
        [source = ascii_lower(source), target = ascii_lower(target)](WriteTx& tx) -> Result<Unit> {
            auto st = tx.db.prepare("DELETE FROM aliases WHERE source = ?1 AND (?2 = '' OR target = ?2)");
            st->bind(1, source).bind(2, target);
            st->run();
            if (tx.db.changes() == 0) return make_error(Errc::not_found, "no alias " + source);
            return Unit{};
        },
        std::move(done));
}

void Store::list_aliases(std::string domain, Callback<std::vector<Alias>> done) {
    impl_->read<std::vector<Alias>>(
        [domain = ascii_lower(domain)](Db& db) -> Result<std::vector<Alias>> {
            std::vector<Alias> out;
            auto st = db.prepare("SELECT source, target FROM aliases ORDER BY source, target");
            while (st->step()) {
                Alias a{st->text(0), st->text(1)};
                if (!domain.empty()) {
                    auto at = a.source.rfind('@');
                    if (at == std::string::npos || a.source.substr(at + 1) != domain) continue;
                }
                out.push_back(std::move(a));
            }
            return out;
        },
        std::move(done));
}

void Store::resolve_recipient(std::string address, Callback<Resolution> done) {
    impl_->read<Resolution>(
        [address](Db& db) -> Result<Resolution> {
            Resolution r;
            auto parts = split_address(address);
            if (!parts) {
                r.kind = RecipientKind::unknown_user;
                return r;
            }
            if (!domain_id(db, parts->second)) {
                r.kind = RecipientKind::not_local;
                return r;
            }
            std::set<std::string> seen;
            resolve_into(db, parts->first + "@" + parts->second, 0, r, seen);
            std::sort(r.accounts.begin(), r.accounts.end());
            r.accounts.erase(std::unique(r.accounts.begin(), r.accounts.end()), r.accounts.end());
            if (!r.accounts.empty())
                r.kind = RecipientKind::local;
            else if (!r.forward_to.empty())
                r.kind = RecipientKind::forward;
            else
                r.kind = RecipientKind::unknown_user;
            return r;
        },
        std::move(done));
}

}  // namespace postamt::store
