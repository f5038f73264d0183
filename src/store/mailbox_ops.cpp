// Mailboxes: list, create, delete, rename, subscriptions, ACLs.
#include <algorithm>

#include "store/mailbox_name.h"
#include "store/store_impl.h"

namespace postamt::store {
namespace {

Error bad_name(const std::string& name) {
    return make_error(Errc::invalid, "invalid mailbox name '" + name + "'");
}

bool has_children(Db& db, AccountId account, const std::string& name) {
    auto st = db.prepare("SELECT 1 FROM mailboxes WHERE account_id = ? AND substr(name, 1, ?) = ? LIMIT 1");
    std::string prefix = name + kHierarchySep;
    st->bind(1, account).bind(2, static_cast<int64_t>(prefix.size())).bind(3, prefix);
    return st->step();
}

// Expunges every message of a mailbox (delete / INBOX rename helpers) and
// keeps quota usage in step, in the caller's transaction.
void drop_messages(WriteTx& tx, const Mailbox& mb) {
    auto st = tx.db.prepare("SELECT blob_id, size FROM messages WHERE mailbox_id = ?");
    st->bind(1, mb.id);
    std::vector<BlobId> blobs;
    int64_t bytes = 0, count = 0;
    while (st->step()) {
        blobs.push_back(st->i64(0));
        bytes += st->i64(1);
        ++count;
    }
    for (BlobId b : blobs) release_blob(tx, b);
    auto del = tx.db.prepare("DELETE FROM messages WHERE mailbox_id = ?");
    del->bind(1, mb.id);
    del->run();
    auto usage = tx.db.prepare(
        "UPDATE accounts SET used_bytes = used_bytes - ?, used_messages = used_messages - ? WHERE id = ?");
    usage->bind(1, bytes).bind(2, count).bind(3, mb.account_id);
    usage->run();
}

Mailbox create_row(WriteTx& tx, AccountId account, const std::string& name, const std::string& special_use,
                   uint32_t uid_validity) {
    auto ins = tx.db.prepare(
        "INSERT INTO mailboxes(account_id, name, special_use, uid_validity, highest_modseq) VALUES (?, ?, ?, ?, ?)");
    ModSeq ms = next_modseq(tx.db, account);
    ins->bind(1, account).bind(2, name).bind(3, special_use);
    ins->bind(4, uid_validity ? uid_validity : next_uid_validity(tx.db)).bind(5, ms);
    ins->run();
    return *mailbox_by_id(tx.db, tx.db.last_insert_rowid());
}

bool valid_special_use(const std::string& s) {
    static const char* kKnown[] = {"\\All", "\\Archive", "\\Drafts", "\\Flagged", "\\Junk", "\\Sent", "\\Trash", "\\Important"};
    if (s.empty()) return true;
    return std::any_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return s == k; });
}

}  // namespace

void Store::list_mailboxes(AccountId account, Callback<std::vector<Mailbox>> done) {
    impl_->read<std::vector<Mailbox>>(
        [account](Db& db) -> Result<std::vector<Mailbox>> {
            std::vector<Mailbox> out;
            auto st = db.prepare("SELECT " POSTAMT_MAILBOX_COLS "WHERE m.account_id = ? ORDER BY m.name");
            st->bind(1, account);
            while (st->step()) out.push_back(mailbox_from(*st));
            return out;
        },
        std::move(done));
}

void Store::get_mailbox(AccountId account, std::string name, Callback<std::optional<Mailbox>> done) {
    impl_->read<std::optional<Mailbox>>(
        [account, name](Db& db) -> Result<std::optional<Mailbox>> {
            auto n = normalize_mailbox_name(name);
            if (!n) return std::optional<Mailbox>{};
            return mailbox_by_name(db, account, *n);
        },
        std::move(done));
}

void Store::get_mailbox_by_id(MailboxId id, Callback<std::optional<Mailbox>> done) {
    impl_->read<std::optional<Mailbox>>([id](Db& db) -> Result<std::optional<Mailbox>> { return mailbox_by_id(db, id); },
                                        std::move(done));
}

void Store::create_mailbox(AccountId account, std::string name, std::string special_use, uint32_t uid_validity,
                           Callback<Mailbox> done) {
    impl_->write<Mailbox>(
        [account, name, special_use, uid_validity](WriteTx& tx) -> Result<Mailbox> {
            auto n = normalize_mailbox_name(name);
            if (!n) return bad_name(name);
            if (!valid_special_use(special_use))
                return make_error(Errc::invalid, "unknown special-use attribute " + special_use);
            if (mailbox_by_name(tx.db, account, *n))
                return make_error(Errc::already_exists, "mailbox " + *n + " exists");
            // RFC 9051 6.3.4: create missing superiors too, so LIST shows a
            // complete hierarchy.
            std::size_t pos = 0;
            while ((pos = n->find(kHierarchySep, pos)) != std::string::npos) {
                std::string parent = n->substr(0, pos);
                if (!mailbox_by_name(tx.db, account, parent)) create_row(tx, account, parent, "", 0);
                ++pos;
            }
            Mailbox mb = create_row(tx, account, *n, special_use, uid_validity);
            tx.touched(mb.id, mb.highest_modseq, account);
            tx.mailboxes_changed(account);
            return mb;
        },
        std::move(done));
}

void Store::delete_mailbox(AccountId account, std::string name, Callback<Unit> done) {
    impl_->write<Unit>(
        [account, name](WriteTx& tx) -> Result<Unit> {
            auto n = normalize_mailbox_name(name);
            if (!n) return bad_name(name);
            if (*n == "INBOX") return make_error(Errc::invalid, "INBOX cannot be deleted");
            auto mb = mailbox_by_name(tx.db, account, *n);
            if (!mb) return make_error(Errc::not_found, "no mailbox " + *n);
            // As Dovecot does: a mailbox with children is refused rather than
            // turned into a \Noselect placeholder (RFC 9051 6.3.5 allows it).
            if (has_children(tx.db, account, *n))
                return make_error(Errc::conflict, "mailbox " + *n + " has children; delete them first");
            drop_messages(tx, *mb);
            for (const char* sql : {"DELETE FROM tombstones WHERE mailbox_id = ?", "DELETE FROM acl WHERE mailbox_id = ?",
                                    "DELETE FROM mailboxes WHERE id = ?"}) {
                auto st = tx.db.prepare(sql);
                st->bind(1, mb->id);
                st->run();
            }
            // The doorbell tells selected sessions their mailbox is gone.
            tx.touched(mb->id, next_modseq(tx.db, account), account);
            tx.mailboxes_changed(account);
            return Unit{};
        },
        std::move(done));
}

void Store::rename_mailbox(AccountId account, std::string from, std::string to, Callback<Unit> done) {
    impl_->write<Unit>(
        [account, from, to](WriteTx& tx) -> Result<Unit> {
            auto f = normalize_mailbox_name(from);
            if (!f) return bad_name(from);
            auto t = normalize_mailbox_name(to);
            if (!t) return bad_name(to);
            auto src = mailbox_by_name(tx.db, account, *f);
            if (!src) return make_error(Errc::not_found, "no mailbox " + *f);
            if (mailbox_by_name(tx.db, account, *t)) return make_error(Errc::already_exists, "mailbox " + *t + " exists");
            if (*t == *f || t->rfind(*f + kHierarchySep, 0) == 0)
                return make_error(Errc::invalid, "cannot rename a mailbox into itself");
            if (*t == "INBOX" || t->rfind("INBOX/", 0) == 0) {
                if (*f != "INBOX" && *t == "INBOX") return make_error(Errc::already_exists, "INBOX exists");
            }
            // Superiors of the new name.
            std::size_t pos = 0;
            while ((pos = t->find(kHierarchySep, pos)) != std::string::npos) {
                std::string parent = t->substr(0, pos);
                if (!mailbox_by_name(tx.db, account, parent)) create_row(tx, account, parent, "", 0);
                ++pos;
            }
            if (*f == "INBOX") {
                // RFC 9051 6.3.6: renaming INBOX moves its messages to the new
                // name and leaves INBOX empty; its children stay where they are.
                Mailbox dst = create_row(tx, account, *t, "", 0);
                ModSeq ms = next_modseq(tx.db, account);
                auto uids = tx.db.prepare("SELECT uid FROM messages WHERE mailbox_id = ?");
                uids->bind(1, src->id);
                std::vector<int64_t> moved;
                while (uids->step()) moved.push_back(uids->i64(0));
                auto mv = tx.db.prepare("UPDATE messages SET mailbox_id = ?, modseq = ? WHERE mailbox_id = ?");
                mv->bind(1, dst.id).bind(2, ms).bind(3, src->id);
                mv->run();
                for (int64_t uid : moved) {
                    auto tomb = tx.db.prepare(
                        "INSERT OR REPLACE INTO tombstones(mailbox_id, uid, modseq, expunged_at) VALUES (?, ?, ?, ?)");
                    tomb->bind(1, src->id).bind(2, uid).bind(3, ms).bind(4, unix_now());
                    tomb->run();
                }
                auto upd_dst = tx.db.prepare(
                    "UPDATE mailboxes SET uid_next = ?, messages = ?, unseen = ?, size = ?, highest_modseq = ? WHERE id = ?");
                upd_dst->bind(1, src->uid_next).bind(2, src->messages).bind(3, src->unseen).bind(4, src->size);
                upd_dst->bind(5, ms).bind(6, dst.id);
                upd_dst->run();
                auto upd_src = tx.db.prepare(
                    "UPDATE mailboxes SET messages = 0, unseen = 0, size = 0, highest_modseq = ? WHERE id = ?");
                upd_src->bind(1, ms).bind(2, src->id);
                upd_src->run();
                tx.touched(src->id, ms, account);
                tx.touched(dst.id, ms, account);
                tx.mailboxes_changed(account);
                return Unit{};
            }
            ModSeq ms = next_modseq(tx.db, account);
            auto st = tx.db.prepare(
                "UPDATE mailboxes SET name = ?1 || substr(name, ?2), highest_modseq = ?5 "
                "WHERE account_id = ?3 AND (name = ?4 OR substr(name, 1, ?2) = ?4 || '/')");
            st->bind(1, *t).bind(2, static_cast<int64_t>(f->size() + 1)).bind(3, account).bind(4, *f).bind(5, ms);
            st->run();
            // Subscriptions follow the rename (as Dovecot does).
            auto sub = tx.db.prepare(
                "UPDATE OR IGNORE subscriptions SET name = ?1 || substr(name, ?2) "
                "WHERE account_id = ?3 AND (name = ?4 OR substr(name, 1, ?2) = ?4 || '/')");
            sub->bind(1, *t).bind(2, static_cast<int64_t>(f->size() + 1)).bind(3, account).bind(4, *f);
            sub->run();
            tx.touched(src->id, ms, account);
            tx.mailboxes_changed(account);
            return Unit{};
        },
        std::move(done));
}

void Store::set_subscribed(AccountId account, std::string name, bool on, Callback<Unit> done) {
    impl_->write<Unit>(
        [account, name, on](WriteTx& tx) -> Result<Unit> {
            auto n = normalize_mailbox_name(name);
            if (!n) return bad_name(name);
            auto st = tx.db.prepare(on ? "INSERT OR IGNORE INTO subscriptions(account_id, name) VALUES (?, ?)"
                                       : "DELETE FROM subscriptions WHERE account_id = ? AND name = ?");
            st->bind(1, account).bind(2, *n);
            st->run();
            if (tx.db.changes() > 0) tx.mailboxes_changed(account);
            return Unit{};
        },
        std::move(done));
}

void Store::list_subscriptions(AccountId account, Callback<std::vector<std::string>> done) {
    impl_->read<std::vector<std::string>>(
        [account](Db& db) -> Result<std::vector<std::string>> {
            std::vector<std::string> out;
            auto st = db.prepare("SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name");
            st->bind(1, account);
            while (st->step()) out.push_back(st->text(0));
            return out;
        },
        std::move(done));
}

void Store::set_uid_next(MailboxId mailbox, Uid uid_next, Callback<Unit> done) {
    impl_->write<Unit>(
        [mailbox, uid_next](WriteTx& tx) -> Result<Unit> {
            auto mb = mailbox_by_id(tx.db, mailbox);
            if (!mb) return make_error(Errc::not_found, "no such mailbox");
            if (uid_next < mb->uid_next) return make_error(Errc::invalid, "UIDNEXT never goes backwards");
            auto st = tx.db.prepare("UPDATE mailboxes SET uid_next = ? WHERE id = ?");
            st->bind(1, uid_next).bind(2, mailbox);
            st->run();
            return Unit{};
        },
        std::move(done));
}

void Store::set_uid_validity(MailboxId mailbox, uint32_t uid_validity, Callback<Unit> done) {
    impl_->write<Unit>(
        [mailbox, uid_validity](WriteTx& tx) -> Result<Unit> {
            auto mb = mailbox_by_id(tx.db, mailbox);
            if (!mb) return make_error(Errc::not_found, "no such mailbox");
            if (uid_validity == 0) return make_error(Errc::invalid, "UIDVALIDITY must not be 0");
            if (mb->messages != 0) return make_error(Errc::conflict, "mailbox " + mb->name + " is not empty");
            auto st = tx.db.prepare("UPDATE mailboxes SET uid_validity = ?, uid_next = 1, highest_modseq = ? WHERE id = ?");
            ModSeq ms = next_modseq(tx.db, mb->account_id);
            st->bind(1, uid_validity).bind(2, ms).bind(3, mailbox);
            st->run();
            auto tomb = tx.db.prepare("DELETE FROM tombstones WHERE mailbox_id = ?");
            tomb->bind(1, mailbox);
            tomb->run();
            tx.touched(mailbox, ms, mb->account_id);
            return Unit{};
        },
        std::move(done));
}

void Store::set_acl(MailboxId mailbox, AclEntry entry, Callback<Unit> done) {
    impl_->write<Unit>(
        [mailbox, entry = std::move(entry)](WriteTx& tx) -> Result<Unit> {
            if (!mailbox_by_id(tx.db, mailbox)) return make_error(Errc::not_found, "no such mailbox");
            if (entry.identifier.empty()) return make_error(Errc::invalid, "empty ACL identifier");
            // RFC 4314 2.1 rights letters; 'c' and 'd' are the obsolete RFC 2086 ones.
            for (char c : entry.rights)
                if (std::string_view("lrswipkxtea" "cd").find(c) == std::string_view::npos)
                    return make_error(Errc::invalid, std::string("unknown ACL right '") + c + "'");
            if (entry.rights.empty()) {
                auto st = tx.db.prepare("DELETE FROM acl WHERE mailbox_id = ? AND identifier = ?");
                st->bind(1, mailbox).bind(2, entry.identifier);
                st->run();
            } else {
                auto st = tx.db.prepare("INSERT OR REPLACE INTO acl(mailbox_id, identifier, rights) VALUES (?, ?, ?)");
                st->bind(1, mailbox).bind(2, entry.identifier).bind(3, entry.rights);
                st->run();
            }
            return Unit{};
        },
        std::move(done));
}

void Store::get_acl(MailboxId mailbox, Callback<std::vector<AclEntry>> done) {
    impl_->read<std::vector<AclEntry>>(
        [mailbox](Db& db) -> Result<std::vector<AclEntry>> {
            std::vector<AclEntry> out;
            auto st = db.prepare("SELECT identifier, rights FROM acl WHERE mailbox_id = ? ORDER BY identifier");
            st->bind(1, mailbox);
            while (st->step()) out.push_back(AclEntry{st->text(0), st->text(1)});
            return out;
        },
        std::move(done));
}

void Store::list_shared_with(std::string identifier, Callback<std::vector<std::pair<Mailbox, AclEntry>>> done) {
    impl_->read<std::vector<std::pair<Mailbox, AclEntry>>>(
        [identifier](Db& db) -> Result<std::vector<std::pair<Mailbox, AclEntry>>> {
            std::vector<std::pair<Mailbox, AclEntry>> out;
            auto st = db.prepare(
                "SELECT m.id, acl.identifier, acl.rights FROM acl JOIN mailboxes m ON m.id = acl.mailbox_id "
                "WHERE acl.identifier IN (?, 'anyone') ORDER BY m.account_id, m.name");
            st->bind(1, identifier);
            std::vector<std::tuple<MailboxId, std::string, std::string>> rows;
            while (st->step()) rows.emplace_back(st->i64(0), st->text(1), st->text(2));
            for (auto& [id, ident, rights] : rows)
                if (auto mb = mailbox_by_id(db, id)) out.emplace_back(*mb, AclEntry{ident, rights});
            return out;
        },
        std::move(done));
}

}  // namespace postamt::store
