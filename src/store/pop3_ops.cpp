// The reads and writes only POP3 needs: the maildrop snapshot (rows only, no
// bodies) and the download time behind the retention policy (schema v4).
#include <fmt/core.h>

#include "store/store_impl.h"

namespace postamt::store {

std::string pop3_uidl(const Pop3Message& msg, uint32_t uid_validity) {
    if (!msg.imported_uidl.empty()) return msg.imported_uidl;
    return fmt::format("{:08X}{:08X}", msg.uid, uid_validity);
}

void Store::pop3_maildrop(AccountId account, Callback<Pop3Maildrop> done) {
    impl_->read<Pop3Maildrop>(
        [account](Db& db) -> Result<Pop3Maildrop> {
            auto mb = mailbox_by_name(db, account, "INBOX");
            if (!mb) return make_error(Errc::not_found, "account has no INBOX");
            Pop3Maildrop out;
            out.inbox = std::move(*mb);
            out.messages.reserve(out.inbox.messages);
            // Covered by UNIQUE(mailbox_id, uid): one index range scan.
            auto st = db.prepare(
                "SELECT uid, blob_id, size, pop3_retrieved, pop3_uidl FROM messages WHERE "
                "mailbox_id = ? "
                "ORDER BY uid");
            st->bind(1, out.inbox.id);
            while (st->step()) {
                Pop3Message m;
                m.uid = static_cast<Uid>(st->i64(0));
                m.blob = BlobRef{st->i64(1), st->i64(2)};
                m.retrieved_at = st->i64(3);
                m.imported_uidl = st->text(4);
                out.messages.push_back(std::move(m));
            }
            return out;
        },
        std::move(done));
}

void Store::pop3_mark_retrieved(MailboxId mailbox, std::vector<Uid> uids, int64_t when,
                                Callback<Unit> done) {
    impl_->write<Unit>(
        [mailbox, uids = std::move(uids), when](WriteTx& tx) -> Result<Unit> {
            auto st = tx.db.prepare(
                "UPDATE messages SET pop3_retrieved = ? WHERE mailbox_id = ? AND uid = ? AND "
                "pop3_retrieved = 0");
            for (Uid u : uids) {
                st->bind(1, when).bind(2, mailbox).bind(3, u);
                st->run();
                st->reset();
            }
            return Unit{};
        },
        std::move(done));
}

}  // namespace postamt::store
