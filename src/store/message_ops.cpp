// Messages: delivery/append, flags, expunge, copy/move and the reads that
// serve FETCH, QRESYNC and POP3.
#include <algorithm>

#include "common/log.h"
#include "mime/parsed_message.h"
#include "store/store_impl.h"

namespace postamt::store {
namespace {

struct QuotaState {
    int64_t quota_bytes, quota_messages, used_bytes, used_messages;
};

QuotaState quota_of(Db& db, AccountId account) {
    auto st = db.prepare("SELECT quota_bytes, quota_messages, used_bytes, used_messages FROM accounts WHERE id = ?");
    st->bind(1, account);
    if (!st->step()) throw SqliteError(SQLITE_NOTFOUND, "account vanished");
    return {st->i64(0), st->i64(1), st->i64(2), st->i64(3)};
}

bool over_quota(const QuotaState& q, int64_t add_bytes, int64_t add_messages) {
    if (q.quota_bytes > 0 && q.used_bytes + add_bytes > q.quota_bytes) return true;
    if (q.quota_messages > 0 && q.used_messages + add_messages > q.quota_messages) return true;
    return false;
}

void add_usage(Db& db, AccountId account, int64_t bytes, int64_t messages) {
    auto st = db.prepare("UPDATE accounts SET used_bytes = used_bytes + ?, used_messages = used_messages + ? WHERE id = ?");
    st->bind(1, bytes).bind(2, messages).bind(3, account);
    st->run();
}

Flags normalized(Flags f) {
    std::sort(f.keywords.begin(), f.keywords.end());
    f.keywords.erase(std::unique(f.keywords.begin(), f.keywords.end()), f.keywords.end());
    f.system &= (kSeen | kAnswered | kFlagged | kDeleted | kDraft);
    return f;
}

Flags apply_op(const Flags& cur, FlagOp op, const Flags& f) {
    Flags out = cur;
    switch (op) {
        case FlagOp::replace:
            out = f;
            break;
        case FlagOp::add:
            out.system |= f.system;
            out.keywords.insert(out.keywords.end(), f.keywords.begin(), f.keywords.end());
            break;
        case FlagOp::remove:
            out.system &= ~f.system;
            out.keywords.erase(std::remove_if(out.keywords.begin(), out.keywords.end(),
                                              [&](const std::string& k) {
                                                  return std::find(f.keywords.begin(), f.keywords.end(), k) !=
                                                         f.keywords.end();
                                              }),
                               out.keywords.end());
            break;
    }
    return normalized(std::move(out));
}

// Rows of a mailbox in the given UID ranges, in UID order.
std::vector<MessageRow> rows_in(Db& db, MailboxId mailbox, const std::vector<UidRange>& uids) {
    std::vector<MessageRow> out;
    auto st = db.prepare("SELECT " POSTAMT_MESSAGE_COLS "WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid");
    std::vector<UidRange> ranges = uids;
    if (ranges.empty()) ranges.push_back(UidRange{});
    for (const auto& r : ranges) {
        if (r.first > r.last) continue;
        st->bind(1, mailbox).bind(2, r.first).bind(3, r.last);
        while (st->step()) out.push_back(message_from(*st));
        st->reset();
    }
    std::sort(out.begin(), out.end(), [](const MessageRow& a, const MessageRow& b) { return a.uid < b.uid; });
    out.erase(std::unique(out.begin(), out.end(), [](const MessageRow& a, const MessageRow& b) { return a.uid == b.uid; }),
              out.end());
    return out;
}

struct Placement {
    Uid uid;
    ModSeq modseq;
    MessageId id;
};

// Inserts one message row into `mb` (already loaded), bumping UIDNEXT,
// counters, MODSEQ and the blob's refcount.
Placement place(WriteTx& tx, const Mailbox& mb, BlobId blob, int64_t size, const Flags& flags, int64_t internal_date,
                int64_t save_date, Uid explicit_uid, const std::string& uidl) {
    ModSeq ms = next_modseq(tx.db, mb.account_id);
    Uid uid = explicit_uid ? explicit_uid : mb.uid_next;
    auto ins = tx.db.prepare(
        "INSERT INTO messages(mailbox_id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id, "
        "pop3_uidl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins->bind(1, mb.id).bind(2, uid).bind(3, ms).bind(4, flags.system).bind(5, join_keywords(flags.keywords));
    ins->bind(6, internal_date).bind(7, save_date).bind(8, size).bind(9, blob).bind(10, uidl);
    ins->run();
    MessageId id = tx.db.last_insert_rowid();
    auto upd = tx.db.prepare(
        "UPDATE mailboxes SET uid_next = max(uid_next, ?), highest_modseq = ?, messages = messages + 1, "
        "unseen = unseen + ?, size = size + ? WHERE id = ?");
    upd->bind(1, static_cast<int64_t>(uid) + 1).bind(2, ms).bind(3, (flags.system & kSeen) ? 0 : 1);
    upd->bind(4, size).bind(5, mb.id);
    upd->run();
    auto ref = tx.db.prepare("UPDATE blobs SET refcount = refcount + 1 WHERE id = ?");
    ref->bind(1, blob);
    ref->run();
    add_usage(tx.db, mb.account_id, size, 1);
    tx.touched(mb.id, ms, mb.account_id);
    return {uid, ms, id};
}

void tombstone(WriteTx& tx, MailboxId mailbox, Uid uid, ModSeq ms) {
    auto st = tx.db.prepare("INSERT OR REPLACE INTO tombstones(mailbox_id, uid, modseq, expunged_at) VALUES (?, ?, ?, ?)");
    st->bind(1, mailbox).bind(2, uid).bind(3, ms).bind(4, unix_now());
    st->run();
}

// Removes rows (already loaded) from a mailbox: tombstones, counters, usage;
// releases blobs unless `keep_blobs` (MOVE hands them to the destination).
void remove_rows(WriteTx& tx, const Mailbox& mb, const std::vector<MessageRow>& rows, ModSeq ms, bool keep_blobs) {
    int64_t bytes = 0, unseen = 0;
    auto del = tx.db.prepare("DELETE FROM messages WHERE id = ?");
    for (const auto& r : rows) {
        del->bind(1, r.message_id);
        del->run();
        del->reset();
        tombstone(tx, mb.id, r.uid, ms);
        if (!keep_blobs) release_blob(tx, r.blob.id);
        bytes += r.blob.size;
        if (!(r.flags.system & kSeen)) ++unseen;
    }
    auto upd = tx.db.prepare(
        "UPDATE mailboxes SET messages = messages - ?, unseen = unseen - ?, size = size - ?, highest_modseq = ? "
        "WHERE id = ?");
    upd->bind(1, static_cast<int64_t>(rows.size())).bind(2, unseen).bind(3, bytes).bind(4, ms).bind(5, mb.id);
    upd->run();
    add_usage(tx.db, mb.account_id, -bytes, -static_cast<int64_t>(rows.size()));
    tx.touched(mb.id, ms, mb.account_id);
}

// A failed target waits in delivery_queue holding its own blob reference.
void enqueue_local(WriteTx& tx, BlobId blob, const DeliveryTarget& t, int64_t internal_date, int64_t now,
                   const std::string& error) {
    auto q = tx.db.prepare(
        "INSERT INTO delivery_queue(blob_id, account_id, mailbox_id, flags, keywords, internal_date, created, "
        "next_attempt, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    Flags f = normalized(t.flags);
    q->bind(1, blob).bind(2, t.account).bind(3, t.mailbox).bind(4, f.system).bind(5, join_keywords(f.keywords));
    q->bind(6, internal_date).bind(7, now).bind(8, now + 60).bind(9, error);
    q->run();
    auto ref = tx.db.prepare("UPDATE blobs SET refcount = refcount + 1 WHERE id = ?");
    ref->bind(1, blob);
    ref->run();
}

struct PreparedDelivery {
    std::string data;
    mime::Summary summary;
    BlobLocation loc;
    std::optional<Error> write_error;
    BlobId blob = 0;  // for the search index
};

}  // namespace

void Store::deliver(NewMessage msg, Callback<std::vector<DeliveredCopy>> done) {
    // Canonicalising and MIME parsing are CPU work: done on a pool thread
    // before the request reaches the single writer.
    auto impl = impl_.get();
    auto cb = std::make_shared<Callback<std::vector<DeliveredCopy>>>(std::move(done));
    auto job = [impl, msg = std::move(msg), cb](Db&) mutable {
        auto prep = std::make_shared<PreparedDelivery>();
        prep->data = mime::is_canonical_crlf(msg.data) ? std::move(msg.data) : mime::canonicalize_crlf(msg.data);
        prep->summary = mime::summarize(prep->data);
        std::size_t weight = prep->data.size();
        bool has_outbound = msg.outbound.has_value();
        impl->write<std::vector<DeliveredCopy>>(
            [impl, prep, msg = std::move(msg)](WriteTx& tx) -> Result<std::vector<DeliveredCopy>> {
                if (prep->write_error) return *prep->write_error;
                // Outbound queue and DSN bookkeeping fail the whole delivery
                // (nothing is stored): checked before anything is written.
                if (msg.outbound)
                    if (auto st = check_outbound(tx.db, *msg.outbound); !st) return st.error();
                if (!msg.bounce_for.empty() || !msg.delay_warned_for.empty())
                    if (auto st = apply_report_stored(tx, msg.bounce_for, msg.delay_warned_for); !st)
                        return st.error();
                int64_t size = prep->loc.length;
                const auto& f = prep->summary.fields;
                auto ins = tx.db.prepare(
                    "INSERT INTO blobs(segment, offset, length, refcount, released_epoch, summary, subject, "
                    "base_subject, from_addr, to_addr, cc_addr, message_id_hdr, sent_date) "
                    "VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
                ins->bind(1, prep->loc.segment).bind(2, prep->loc.offset).bind(3, size);
                ins->bind(4, static_cast<int64_t>(tx.pins.current_epoch())).bind_blob(5, prep->summary.serialized);
                ins->bind(6, f.subject).bind(7, f.base_subject).bind(8, f.from).bind(9, f.to).bind(10, f.cc);
                ins->bind(11, f.message_id).bind(12, f.sent_date);
                ins->run();
                BlobId blob = tx.db.last_insert_rowid();
                prep->blob = blob;
                impl->search->note_new_blob(blob);  // before COMMIT: ids can be reused
                int64_t now = unix_now();
                std::vector<DeliveredCopy> out;
                for (const auto& t : msg.targets) {
                    DeliveredCopy c;
                    c.account = t.account;
                    tx.partial([&]() -> bool {
                        std::optional<Mailbox> mb;
                        if (t.mailbox == 0) {
                            mb = mailbox_by_name(tx.db, t.account, "INBOX");
                        } else {
                            mb = mailbox_by_id(tx.db, t.mailbox);
                            if (mb && mb->account_id != t.account) mb.reset();
                        }
                        if (!mb) {
                            c.error = Errc::not_found;
                            c.error_message = "mailbox does not exist";
                            return false;
                        }
                        if (msg.enforce_quota && over_quota(quota_of(tx.db, t.account), size, 1)) {
                            c.error = Errc::over_quota;
                            c.error_message = "mailbox full";
                            return false;
                        }
                        if (msg.uid && msg.uid < mb->uid_next) {
                            c.error = Errc::invalid;
                            c.error_message = "explicit UID below UIDNEXT";
                            return false;
                        }
                        auto p = place(tx, *mb, blob, size, normalized(t.flags),
                                       msg.internal_date ? msg.internal_date : now,
                                       msg.save_date ? msg.save_date : now, msg.uid, msg.pop3_uidl);
                        c.mailbox = mb->id;
                        c.uid_validity = mb->uid_validity;
                        c.uid = p.uid;
                        c.modseq = p.modseq;
                        c.message_id = p.id;
                        return true;
                    });
                    out.push_back(std::move(c));
                }
                bool any_ok = std::any_of(out.begin(), out.end(), [](auto& c) { return c.error == Errc::ok; });
                if (msg.outbound) {
                    enqueue_outbound(tx, blob, *msg.outbound, now);
                    any_ok = true;  // the message is accepted for its remote recipients
                }
                if (msg.queue_failures && any_ok) {
                    for (std::size_t i = 0; i < out.size(); ++i) {
                        if (out[i].error == Errc::ok) continue;
                        const auto& t = msg.targets[i];
                        enqueue_local(tx, blob, t, msg.internal_date ? msg.internal_date : now, now,
                                      out[i].error_message);
                        out[i].queued = true;
                    }
                }
                return out;
            },
            [cb, impl, prep, has_outbound](Result<std::vector<DeliveredCopy>> r) {
                if (prep->blob) impl->search->blob_committed(prep->blob);
                bool wake = has_outbound && r.ok();
                (*cb)(std::move(r));
                if (wake) impl->notify_outbound();
            },
            [prep](BlobFiles& blobs) {
                auto loc = blobs.append(prep->data);
                if (!loc)
                    prep->write_error = loc.error();
                else
                    prep->loc = *loc;
                // The bytes are on their way to disk; the row needs only the location.
                std::string().swap(prep->data);
            },
            weight);
    };
    if (!impl_->readers->submit(std::move(job))) (*cb)(make_error(Errc::unavailable, "store is closed"));
}

void Store::change_flags(FlagChange change, Callback<FlagChangeResult> done) {
    impl_->write<FlagChangeResult>(
        [change = std::move(change)](WriteTx& tx) -> Result<FlagChangeResult> {
            auto mb = mailbox_by_id(tx.db, change.mailbox);
            if (!mb) return make_error(Errc::not_found, "mailbox does not exist");
            FlagChangeResult res;
            auto rows = rows_in(tx.db, mb->id, change.uids);
            Flags f = normalized(change.flags);
            std::vector<std::pair<MessageRow*, Flags>> updates;
            for (auto& r : rows) {
                if (change.unchanged_since && r.modseq > *change.unchanged_since) {
                    res.failed.push_back(r.uid);
                    continue;
                }
                Flags nf = apply_op(r.flags, change.op, f);
                if (nf == r.flags) continue;  // no change, no new MODSEQ (RFC 7162 3.1.3)
                updates.emplace_back(&r, std::move(nf));
            }
            if (updates.empty()) {
                res.highest_modseq = mb->highest_modseq;
                return res;
            }
            // One MODSEQ for the whole STORE (RFC 7162 3.1).
            ModSeq ms = next_modseq(tx.db, mb->account_id);
            int64_t unseen_delta = 0;
            auto upd = tx.db.prepare("UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE id = ?");
            for (auto& [r, nf] : updates) {
                bool was_seen = r->flags.system & kSeen, now_seen = nf.system & kSeen;
                if (was_seen != now_seen) unseen_delta += now_seen ? -1 : 1;
                upd->bind(1, nf.system).bind(2, join_keywords(nf.keywords)).bind(3, ms).bind(4, r->message_id);
                upd->run();
                upd->reset();
                r->flags = nf;
                r->modseq = ms;
                res.changed.push_back(*r);
            }
            auto mupd = tx.db.prepare("UPDATE mailboxes SET highest_modseq = ?, unseen = unseen + ? WHERE id = ?");
            mupd->bind(1, ms).bind(2, unseen_delta).bind(3, mb->id);
            mupd->run();
            res.highest_modseq = ms;
            tx.touched(mb->id, ms, mb->account_id);
            return res;
        },
        std::move(done));
}

void Store::expunge(ExpungeRequest req, Callback<ExpungeResult> done) {
    impl_->write<ExpungeResult>(
        [req = std::move(req)](WriteTx& tx) -> Result<ExpungeResult> {
            auto mb = mailbox_by_id(tx.db, req.mailbox);
            if (!mb) return make_error(Errc::not_found, "mailbox does not exist");
            auto rows = rows_in(tx.db, mb->id, req.uids);
            if (req.only_deleted)
                rows.erase(std::remove_if(rows.begin(), rows.end(),
                                          [](const MessageRow& r) { return !(r.flags.system & kDeleted); }),
                           rows.end());
            ExpungeResult res;
            res.highest_modseq = mb->highest_modseq;
            if (rows.empty()) return res;
            ModSeq ms = next_modseq(tx.db, mb->account_id);
            remove_rows(tx, *mb, rows, ms, false);
            for (auto& r : rows) res.expunged.push_back(r.uid);
            res.highest_modseq = ms;
            return res;
        },
        std::move(done));
}

void Store::copy(CopyRequest req, Callback<CopyResult> done) {
    impl_->write<CopyResult>(
        [req = std::move(req)](WriteTx& tx) -> Result<CopyResult> {
            auto src = mailbox_by_id(tx.db, req.from);
            auto dst = mailbox_by_id(tx.db, req.to);
            if (!src || !dst) return make_error(Errc::not_found, "mailbox does not exist");
            if (src->id == dst->id && req.move) return make_error(Errc::invalid, "cannot move into the same mailbox");
            auto rows = rows_in(tx.db, src->id, req.uids);
            CopyResult res;
            res.dest_uid_validity = dst->uid_validity;
            if (rows.empty()) return res;
            int64_t bytes = 0;
            for (auto& r : rows) bytes += r.blob.size;
            bool same_account = src->account_id == dst->account_id;
            if (!(req.move && same_account) &&
                over_quota(quota_of(tx.db, dst->account_id), bytes, static_cast<int64_t>(rows.size())))
                return make_error(Errc::over_quota, "destination mailbox is over quota");
            int64_t now = unix_now();
            ModSeq src_ms = 0;
            if (req.move) src_ms = next_modseq(tx.db, src->account_id);
            for (auto& r : rows) {
                auto cur = *mailbox_by_id(tx.db, dst->id);  // uid_next moves with each insert
                auto p = place(tx, cur, r.blob.id, r.blob.size, r.flags, r.internal_date, now, 0, "");
                res.mapping.emplace_back(r.uid, p.uid);
            }
            if (req.move) {
                // place() took a reference for the copy; the source's goes here.
                remove_rows(tx, *src, rows, src_ms, false);
                for (auto& r : rows) res.expunged.push_back(r.uid);
            }
            return res;
        },
        std::move(done));
}

void Store::fetch_rows(MailboxId mailbox, std::vector<UidRange> uids, Callback<std::vector<MessageRow>> done) {
    impl_->read<std::vector<MessageRow>>(
        [mailbox, uids = std::move(uids)](Db& db) -> Result<std::vector<MessageRow>> {
            return rows_in(db, mailbox, uids);
        },
        std::move(done));
}

void Store::changes_since(MailboxId mailbox, ModSeq since, Callback<MailboxChanges> done) {
    // A ring wakes every session watching the mailbox, and those at the same
    // MODSEQ all ask this same question (10,000 IDLE sessions on one INBOX:
    // 10,000 identical queries per delivery). A caller joins a query for the
    // same (mailbox, since) that is still queued: the query leaves the queue
    // before its first SELECT, and SQLite takes a WAL read snapshot at the
    // first read, not at BEGIN, so it sees every commit rung before any of
    // its callers asked. One already reading: this caller starts another.
    const auto key = std::make_pair(mailbox, since);
    auto impl = impl_.get();
    std::shared_ptr<Impl::ChangesQuery> q;
    {
        std::lock_guard<std::mutex> lk(impl->changes_mu);
        auto it = impl->changes_queued.find(key);
        if (it != impl->changes_queued.end()) {
            it->second->waiters.push_back(std::move(done));
            return;
        }
        q = std::make_shared<Impl::ChangesQuery>();
        q->waiters.push_back(std::move(done));
        impl->changes_queued.emplace(key, q);
    }
    auto leave_queue = [impl, key, q] {
        std::lock_guard<std::mutex> lk(impl->changes_mu);
        auto it = impl->changes_queued.find(key);
        if (it != impl->changes_queued.end() && it->second == q) impl->changes_queued.erase(it);
    };
    impl_->read<MailboxChanges>(
        [mailbox, since, leave_queue](Db& db) -> Result<MailboxChanges> {
            leave_queue();
            auto mb = mailbox_by_id(db, mailbox);
            if (!mb) return make_error(Errc::not_found, "mailbox does not exist");
            MailboxChanges ch;
            ch.highest_modseq = mb->highest_modseq;
            ch.uid_next = mb->uid_next;
            auto st = db.prepare("SELECT " POSTAMT_MESSAGE_COLS "WHERE mailbox_id = ? AND modseq > ? ORDER BY uid");
            st->bind(1, mailbox).bind(2, since);
            while (st->step()) ch.changed.push_back(message_from(*st));
            auto ts = db.prepare("SELECT uid FROM tombstones WHERE mailbox_id = ? AND modseq > ? ORDER BY uid");
            ts->bind(1, mailbox).bind(2, since);
            while (ts->step()) ch.expunged.push_back(static_cast<Uid>(ts->i64(0)));
            auto hz = db.prepare("SELECT expunge_horizon FROM mailboxes WHERE id = ?");
            hz->bind(1, mailbox);
            if (hz->step()) ch.expunges_complete = since >= static_cast<ModSeq>(hz->i64(0));
            return ch;
        },
        [impl, q, leave_queue](Result<MailboxChanges> r) {
            // Also when the query never ran (store closed): nobody may join it now.
            leave_queue();
            std::vector<Callback<MailboxChanges>> waiters;
            {
                std::lock_guard<std::mutex> lk(impl->changes_mu);
                waiters.swap(q->waiters);
            }
            for (std::size_t i = 0; i + 1 < waiters.size(); ++i) waiters[i](r);
            if (!waiters.empty()) waiters.back()(std::move(r));
        });
}

void Store::read_blob(BlobRef blob, int64_t offset, int64_t length, Callback<std::string> done) {
    auto impl = impl_.get();
    impl_->read<BlobLocation>(
        [id = blob.id](Db& db) -> Result<BlobLocation> {
            auto st = db.prepare("SELECT segment, offset, length FROM blobs WHERE id = ?");
            st->bind(1, id);
            if (!st->step()) return make_error(Errc::not_found, "blob " + std::to_string(id) + " is gone");
            return BlobLocation{st->i64(0), st->i64(1), st->i64(2)};
        },
        [impl, offset, length, done = std::move(done)](Result<BlobLocation> loc) {
            // Still on the reader thread: the pread happens here too.
            if (!loc) return done(loc.error());
            done(impl->blobs->read(*loc, offset, length));
        });
}

void Store::read_summary(BlobId blob, Callback<std::string> done) {
    impl_->read<std::string>(
        [blob](Db& db) -> Result<std::string> {
            auto st = db.prepare("SELECT summary FROM blobs WHERE id = ?");
            st->bind(1, blob);
            if (!st->step()) return make_error(Errc::not_found, "blob is gone");
            return st->text(0);
        },
        std::move(done));
}

void Store::run_delivery_queue(int64_t max_age_seconds, Callback<QueueRunStats> done, int64_t at) {
    impl_->write<QueueRunStats>(
        [max_age_seconds, at](WriteTx& tx) -> Result<QueueRunStats> {
            QueueRunStats stats;
            int64_t now = at ? at : unix_now();
            struct Entry {
                int64_t id;
                BlobId blob;
                AccountId account;
                MailboxId mailbox;
                Flags flags;
                int64_t internal_date, created, attempts;
            };
            std::vector<Entry> due;
            {
                auto st = tx.db.prepare(
                    "SELECT id, blob_id, account_id, mailbox_id, flags, keywords, internal_date, created, attempts "
                    "FROM delivery_queue WHERE next_attempt <= ? ORDER BY next_attempt LIMIT 500");
                st->bind(1, now);
                while (st->step())
                    due.push_back(Entry{st->i64(0), st->i64(1), st->i64(2), st->i64(3),
                                        Flags{static_cast<uint32_t>(st->i64(4)), split_keywords(st->text(5))},
                                        st->i64(6), st->i64(7), st->i64(8)});
            }
            for (const auto& e : due) {
                auto finish = [&] {
                    auto del = tx.db.prepare("DELETE FROM delivery_queue WHERE id = ?");
                    del->bind(1, e.id);
                    del->run();
                    release_blob(tx, e.blob);
                };
                std::optional<Mailbox> mb;
                if (e.mailbox) mb = mailbox_by_id(tx.db, e.mailbox);
                if (!mb || mb->account_id != e.account) mb = mailbox_by_name(tx.db, e.account, "INBOX");
                std::string error;
                if (!mb) {
                    error = "account no longer exists";
                } else {
                    auto size = tx.db.prepare("SELECT length FROM blobs WHERE id = ?");
                    size->bind(1, e.blob);
                    int64_t bytes = size->step() ? size->i64(0) : 0;
                    if (over_quota(quota_of(tx.db, e.account), bytes, 1)) {
                        error = "mailbox full";
                    } else {
                        place(tx, *mb, e.blob, bytes, e.flags, e.internal_date, now, 0, "");
                        finish();
                        ++stats.delivered;
                        continue;
                    }
                }
                if (!mb || now - e.created > max_age_seconds) {
                    log::error("event=local_delivery_expired queue_entry={} account={} error={}", e.id, e.account,
                               log::quote(error));
                    finish();
                    ++stats.expired;
                    continue;
                }
                int64_t backoff = std::min<int64_t>(3600, int64_t{60} << std::min<int64_t>(e.attempts, 6));
                auto upd = tx.db.prepare(
                    "UPDATE delivery_queue SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ?");
                upd->bind(1, now + backoff).bind(2, error).bind(3, e.id);
                upd->run();
                ++stats.deferred;
            }
            auto left = tx.db.prepare("SELECT count(*) FROM delivery_queue");
            if (left->step()) stats.remaining = static_cast<int>(left->i64(0));
            return stats;
        },
        std::move(done));
}

void Store::check_quota(AccountId account, int64_t bytes, Callback<Unit> done) {
    impl_->read<Unit>(
        [account, bytes](Db& db) -> Result<Unit> {
            auto q = quota_of(db, account);
            if (over_quota(q, bytes, 1)) return make_error(Errc::over_quota, "mailbox full");
            return Unit{};
        },
        std::move(done));
}

}  // namespace postamt::store
