// The outbound queue (schema v6, docs/queue.md): entries added by deliver()
// in the same transaction as the message, leases for queue runners, attempt
// outcomes, the reports (DSNs) they owe, and the admin calls behind
// `postamt queue`.
#include <algorithm>
#include <map>
#include <set>

#include "common/log.h"
#include "store/store_impl.h"

namespace postamt::store {
namespace {

#define POSTAMT_OUTBOUND_COLS                                                                     \
    "e.id, e.queue_id, e.sender, e.sender_account, e.envid, e.ret, e.smtputf8, e.body_8bit, "     \
    "e.arrival, "                                                                                 \
    "e.delay_warned, e.blob_id, coalesce(b.length, 0) FROM outbound e LEFT JOIN blobs b ON b.id " \
    "= e.blob_id "
#define POSTAMT_OUTBOUND_RCPT_COLS                                                               \
    "id, address, domain, orcpt, notify, state, dsn_due, attempts, next_attempt, last_attempt, " \
    "status, "                                                                                   \
    "diagnostic, remote_mta, lease_owner, lease_expiry FROM outbound_rcpt "

// A header block larger than this is cut in `queue show` (it is for people).
constexpr int64_t kShowHeaderBytes = 256 * 1024;

OutboundEntry entry_from(Stmt& s) {
    OutboundEntry e;
    e.id = s.i64(0);
    e.queue_id = s.text(1);
    e.sender = s.text(2);
    e.sender_account = s.i64(3);
    e.envid = s.text(4);
    e.ret = static_cast<int>(s.i64(5));
    e.smtputf8 = s.i64(6) != 0;
    e.body_8bit = s.i64(7) != 0;
    e.arrival = s.i64(8);
    e.delay_warned = s.i64(9) != 0;
    e.blob.id = s.i64(10);
    e.blob.size = s.i64(11);
    return e;
}

OutboundRecipientState rcpt_from(Stmt& s) {
    OutboundRecipientState r;
    r.id = s.i64(0);
    r.address = s.text(1);
    r.domain = s.text(2);
    r.orcpt = s.text(3);
    r.notify = static_cast<uint8_t>(s.i64(4));
    r.state = s.text(5);
    r.dsn_due = s.i64(6) != 0;
    r.attempts = static_cast<int>(s.i64(7));
    r.next_attempt = s.i64(8);
    r.last_attempt = s.i64(9);
    r.status = s.text(10);
    r.diagnostic = s.text(11);
    r.remote_mta = s.text(12);
    r.lease_owner = s.text(13);
    r.lease_expiry = s.i64(14);
    return r;
}

std::optional<OutboundEntry> entry_by_id(Db& db, int64_t id) {
    auto st = db.prepare("SELECT " POSTAMT_OUTBOUND_COLS "WHERE e.id = ?");
    st->bind(1, id);
    if (!st->step()) return std::nullopt;
    return entry_from(*st);
}

std::optional<OutboundEntry> entry_by_queue_id(Db& db, const std::string& queue_id) {
    auto st = db.prepare("SELECT " POSTAMT_OUTBOUND_COLS "WHERE e.queue_id = ?");
    st->bind(1, queue_id);
    if (!st->step()) return std::nullopt;
    return entry_from(*st);
}

std::vector<OutboundRecipientState> recipients_of(Db& db, int64_t entry_id) {
    std::vector<OutboundRecipientState> out;
    auto st = db.prepare("SELECT " POSTAMT_OUTBOUND_RCPT_COLS "WHERE entry_id = ? ORDER BY id");
    st->bind(1, entry_id);
    while (st->step()) out.push_back(rcpt_from(*st));
    return out;
}

// RFC 3461 4.1: NEVER excludes the others; no NOTIFY means FAILURE (and,
// at the MTA's choice, DELAY: this server sends delay warnings by default).
bool wants_failure(uint8_t n) { return !(n & kNotifyNever) && (n == 0 || (n & kNotifyFailure)); }
bool wants_delay(uint8_t n) { return !(n & kNotifyNever) && (n == 0 || (n & kNotifyDelay)); }
bool wants_success(uint8_t n) { return !(n & kNotifyNever) && (n & kNotifySuccess); }

// The reports an entry owes: failed/delivered rows with dsn_due (only
// those in `only` when given).
std::optional<OutboundDsn> owed_report(Db& db, int64_t entry_id,
                                       const std::set<int64_t>* only = nullptr) {
    auto e = entry_by_id(db, entry_id);
    if (!e) return std::nullopt;
    for (auto& r : recipients_of(db, entry_id))
        if (r.dsn_due && (!only || only->count(r.id))) e->recipients.push_back(std::move(r));
    if (e->recipients.empty()) return std::nullopt;
    return OutboundDsn{std::move(*e), false};
}

// Deletes the entry when nothing is left to do for it: no pending
// recipient and no report owed. Returns whether it was deleted.
bool finish_entry_if_done(WriteTx& tx, int64_t entry_id) {
    auto left = tx.db.prepare(
        "SELECT count(*) FROM outbound_rcpt WHERE entry_id = ? AND (state = 'pending' OR dsn_due "
        "!= 0)");
    left->bind(1, entry_id);
    if (left->step() && left->i64(0) > 0) return false;
    auto blob = tx.db.prepare("SELECT blob_id FROM outbound WHERE id = ?");
    blob->bind(1, entry_id);
    if (!blob->step()) return false;
    BlobId blob_id = blob->i64(0);
    auto del_r = tx.db.prepare("DELETE FROM outbound_rcpt WHERE entry_id = ?");
    del_r->bind(1, entry_id);
    del_r->run();
    auto del_e = tx.db.prepare("DELETE FROM outbound WHERE id = ?");
    del_e->bind(1, entry_id);
    del_e->run();
    release_blob(tx, blob_id);
    return true;
}

bool valid_recipient(std::string_view a) {
    auto at = a.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= a.size() || a.size() > 1000)
        return false;
    for (unsigned char c : a)
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>') return false;
    return true;
}

std::string domain_of(std::string_view address) {
    std::string d(address.substr(address.rfind('@') + 1));
    for (auto& c : d)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return d;
}

}  // namespace

// ---- used by deliver() (message_ops.cpp) -------------------------------------

Status check_outbound(Db& db, const OutboundEnvelope& env) {
    if (env.queue_id.empty()) return make_error(Errc::invalid, "outbound entry without a queue id");
    if (env.recipients.empty())
        return make_error(Errc::invalid, "outbound entry without recipients");
    if (env.ret < 0 || env.ret > 2)
        return make_error(Errc::invalid, "outbound entry with a bad RET value");
    for (const auto& r : env.recipients)
        if (!valid_recipient(r.address))
            return make_error(Errc::invalid, "bad outbound recipient address");
    auto st = db.prepare("SELECT 1 FROM outbound WHERE queue_id = ?");
    st->bind(1, env.queue_id);
    if (st->step())
        return make_error(Errc::already_exists, "queue id " + env.queue_id + " is already queued");
    return ok_status();
}

void enqueue_outbound(WriteTx& tx, BlobId blob, const OutboundEnvelope& env, int64_t now) {
    auto ins = tx.db.prepare(
        "INSERT INTO outbound(queue_id, blob_id, sender, sender_account, envid, ret, smtputf8, "
        "body_8bit, arrival) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins->bind(1, env.queue_id)
        .bind(2, blob)
        .bind(3, env.sender)
        .bind(4, env.sender_account)
        .bind(5, env.envid);
    ins->bind(6, env.ret).bind(7, env.smtputf8 ? 1 : 0).bind(8, env.body_8bit ? 1 : 0).bind(9, now);
    ins->run();
    int64_t entry = tx.db.last_insert_rowid();
    auto rc = tx.db.prepare(
        "INSERT INTO outbound_rcpt(entry_id, address, domain, orcpt, notify, next_attempt) VALUES "
        "(?, ?, ?, ?, ?, ?)");
    for (const auto& r : env.recipients) {
        rc->bind(1, entry).bind(2, r.address).bind(3, domain_of(r.address)).bind(4, r.orcpt);
        rc->bind(5, static_cast<int64_t>(r.notify)).bind(6, now);
        rc->run();
        rc->reset();
    }
    // The entry's reference keeps the blob (and its segment) alive until
    // the entry is deleted (finish_entry_if_done, delete_outbound).
    auto ref = tx.db.prepare("UPDATE blobs SET refcount = refcount + 1 WHERE id = ?");
    ref->bind(1, blob);
    ref->run();
}

Status apply_report_stored(WriteTx& tx, const std::vector<int64_t>& bounce_for,
                           const std::vector<int64_t>& delay_warned_for) {
    std::set<int64_t> entries;
    auto upd = tx.db.prepare(
        "UPDATE outbound_rcpt SET dsn_due = 0, state = CASE WHEN state = 'failed' THEN 'bounced' "
        "ELSE state END "
        "WHERE id = ? AND dsn_due != 0 RETURNING entry_id");
    std::set<int64_t> seen;
    for (int64_t id : bounce_for) {
        if (!seen.insert(id).second) continue;
        upd->bind(1, id);
        if (!upd->step())
            return make_error(Errc::already_exists,
                              "outbound recipient " + std::to_string(id) +
                                  " owes no report (stored already, or gone)");
        entries.insert(upd->i64(0));
        upd->run();
        upd->reset();
    }
    auto warn =
        tx.db.prepare("UPDATE outbound SET delay_warned = 1 WHERE id = ? AND delay_warned = 0");
    for (int64_t id : delay_warned_for) {
        warn->bind(1, id);
        warn->run();
        warn->reset();
        if (tx.db.changes() == 0)
            return make_error(Errc::already_exists, "outbound entry " + std::to_string(id) +
                                                        " was warned already, or is gone");
    }
    for (int64_t e : entries) finish_entry_if_done(tx, e);
    return ok_status();
}

void Store::Impl::notify_outbound() {
    std::function<void()> fn;
    {
        std::lock_guard lk(outbound_mu);
        fn = outbound_listener;
    }
    if (fn) fn();
}

// ---- runner -------------------------------------------------------------------

void Store::set_outbound_listener(std::function<void()> listener) {
    std::lock_guard lk(impl_->outbound_mu);
    impl_->outbound_listener = std::move(listener);
}

void Store::claim_outbound(std::string owner, int64_t at, int64_t lease_seconds,
                           std::size_t max_recipients, Callback<std::vector<OutboundJob>> done) {
    impl_->write<std::vector<OutboundJob>>(
        [owner = std::move(owner), at, lease_seconds,
         max_recipients](WriteTx& tx) -> Result<std::vector<OutboundJob>> {
            if (owner.empty()) return make_error(Errc::invalid, "a lease needs an owner");
            if (lease_seconds <= 0)
                return make_error(Errc::invalid, "lease_seconds must be positive");
            int64_t now = at ? at : unix_now();
            int64_t expiry = now + lease_seconds;
            struct Row {
                int64_t id, entry;
                std::string domain;
                OutboundJobRecipient r;
            };
            std::vector<Row> rows;
            {
                // The partial index outbound_rcpt_due serves "pending and due";
                // a live lease has moved next_attempt to its expiry, so the
                // lease test only rejects rows leased with an odd clock.
                auto st = tx.db.prepare(
                    "SELECT id, entry_id, domain, address, orcpt, notify, attempts FROM "
                    "outbound_rcpt "
                    "WHERE state = 'pending' AND next_attempt <= ?1 AND (lease_owner = '' OR "
                    "lease_expiry <= ?1) "
                    "ORDER BY next_attempt, id LIMIT ?2");
                st->bind(1, now).bind(2, static_cast<int64_t>(max_recipients));
                while (st->step()) {
                    Row row{st->i64(0), st->i64(1), st->text(2), {}};
                    row.r.id = row.id;
                    row.r.address = st->text(3);
                    row.r.orcpt = st->text(4);
                    row.r.notify = static_cast<uint8_t>(st->i64(5));
                    row.r.attempts = static_cast<int>(st->i64(6));
                    rows.push_back(std::move(row));
                }
            }
            auto lease = tx.db.prepare(
                "UPDATE outbound_rcpt SET lease_owner = ?, lease_expiry = ?, next_attempt = ? "
                "WHERE id = ?");
            std::vector<OutboundJob> jobs;
            std::map<std::pair<int64_t, std::string>, std::size_t> index;
            std::map<int64_t, OutboundEntry> entries;
            for (auto& row : rows) {
                lease->bind(1, owner).bind(2, expiry).bind(3, expiry).bind(4, row.id);
                lease->run();
                lease->reset();
                auto key = std::make_pair(row.entry, row.domain);
                auto it = index.find(key);
                if (it == index.end()) {
                    auto eit = entries.find(row.entry);
                    if (eit == entries.end()) {
                        auto e = entry_by_id(tx.db, row.entry);
                        if (!e)
                            throw SqliteError(SQLITE_CORRUPT, "outbound recipient without entry");
                        eit = entries.emplace(row.entry, std::move(*e)).first;
                    }
                    const auto& e = eit->second;
                    OutboundJob j;
                    j.entry_id = e.id;
                    j.queue_id = e.queue_id;
                    j.sender = e.sender;
                    j.sender_account = e.sender_account;
                    j.envid = e.envid;
                    j.ret = e.ret;
                    j.smtputf8 = e.smtputf8;
                    j.body_8bit = e.body_8bit;
                    j.arrival = e.arrival;
                    j.delay_warned = e.delay_warned;
                    j.domain = row.domain;
                    j.blob = e.blob;
                    j.size = e.blob.size;
                    it = index.emplace(key, jobs.size()).first;
                    jobs.push_back(std::move(j));
                }
                jobs[it->second].recipients.push_back(std::move(row.r));
            }
            return jobs;
        },
        std::move(done));
}

void Store::complete_outbound(std::string owner, std::vector<OutboundOutcome> outcomes,
                              int64_t delay_warning_after,
                              Callback<std::vector<OutboundDsn>> done) {
    impl_->write<std::vector<OutboundDsn>>(
        [owner = std::move(owner), outcomes = std::move(outcomes),
         delay_warning_after](WriteTx& tx) -> Result<std::vector<OutboundDsn>> {
            int64_t now = unix_now();
            std::map<int64_t, int64_t> touched;         // entry -> latest attempt time
            std::map<int64_t, std::set<int64_t>> owed;  // entry -> rows that now owe a report
            auto sel = tx.db.prepare(
                "SELECT r.entry_id, r.notify, e.sender FROM outbound_rcpt r JOIN outbound e ON "
                "e.id = r.entry_id "
                "WHERE r.id = ? AND r.state = 'pending' AND r.lease_owner = ?");
            auto upd = tx.db.prepare(
                "UPDATE outbound_rcpt SET state = ?, dsn_due = ?, attempts = attempts + 1, "
                "next_attempt = ?, "
                "last_attempt = ?, status = ?, diagnostic = ?, remote_mta = ?, lease_owner = '', "
                "lease_expiry = 0 "
                "WHERE id = ?");
            for (const auto& o : outcomes) {
                sel->bind(1, o.recipient_id).bind(2, owner);
                if (!sel->step()) {
                    sel->reset();
                    // Deleted by an admin, or the lease expired and another
                    // runner took the recipient: its outcome counts instead.
                    log::info("event=outbound_outcome_ignored recipient={} owner={}",
                              o.recipient_id, log::quote(owner));
                    continue;
                }
                int64_t entry = sel->i64(0);
                auto notify = static_cast<uint8_t>(sel->i64(1));
                bool null_sender = sel->text(2).empty();
                sel->reset();
                int64_t when = o.attempt_time ? o.attempt_time : now;
                const char* state = "pending";
                bool dsn = false;
                int64_t next = 0;
                switch (o.kind) {
                    case OutboundOutcome::delivered:
                        state = "delivered";
                        dsn = !null_sender && wants_success(notify);
                        break;
                    case OutboundOutcome::failed:
                        // Never bounce a bounce (RFC 3461 6.2, RFC 5321 6.1).
                        state = "failed";
                        dsn = !null_sender && wants_failure(notify);
                        break;
                    case OutboundOutcome::deferred:
                        next = o.next_attempt > 0 ? o.next_attempt : when + 300;
                        break;
                }
                upd->bind(1, state)
                    .bind(2, dsn ? 1 : 0)
                    .bind(3, next)
                    .bind(4, when)
                    .bind(5, o.status);
                upd->bind(6, o.diagnostic).bind(7, o.remote_mta).bind(8, o.recipient_id);
                upd->run();
                upd->reset();
                auto& t = touched[entry];
                t = std::max(t, when);
                if (dsn) owed[entry].insert(o.recipient_id);
            }
            std::vector<OutboundDsn> out;
            for (auto [entry, when] : touched) {
                // Only the reports these outcomes made owed: two runners
                // finishing recipients of one entry get disjoint reports,
                // so neither DSN is refused for overlapping the other.
                if (auto it = owed.find(entry); it != owed.end())
                    if (auto r = owed_report(tx.db, entry, &it->second))
                        out.push_back(std::move(*r));
                if (delay_warning_after > 0) {
                    auto e = entry_by_id(tx.db, entry);
                    if (e && !e->delay_warned && !e->sender.empty() &&
                        when - e->arrival >= delay_warning_after) {
                        for (auto& r : recipients_of(tx.db, entry))
                            if (r.state == "pending" && wants_delay(r.notify))
                                e->recipients.push_back(std::move(r));
                        if (!e->recipients.empty()) out.push_back(OutboundDsn{std::move(*e), true});
                    }
                }
                finish_entry_if_done(tx, entry);
            }
            return out;
        },
        std::move(done));
}

void Store::release_outbound_leases(std::string owner_prefix, Callback<int64_t> done) {
    auto impl = impl_.get();
    impl_->write<int64_t>(
        [owner_prefix = std::move(owner_prefix)](WriteTx& tx) -> Result<int64_t> {
            if (owner_prefix.empty()) return make_error(Errc::invalid, "an owner prefix is needed");
            // substr, not LIKE: owner names may hold '%' or '_'.
            auto st = tx.db.prepare(
                "UPDATE outbound_rcpt SET lease_owner = '', lease_expiry = 0, next_attempt = ?1 "
                "WHERE state = 'pending' AND lease_owner != '' AND substr(lease_owner, 1, "
                "length(?2)) = ?2");
            st->bind(1, unix_now()).bind(2, owner_prefix);
            st->run();
            return static_cast<int64_t>(tx.db.changes());
        },
        [impl, done = std::move(done)](Result<int64_t> r) {
            if (r && *r > 0) impl->notify_outbound();
            done(std::move(r));
        });
}

void Store::pending_outbound_dsns(Callback<std::vector<OutboundDsn>> done) {
    impl_->read<std::vector<OutboundDsn>>(
        [](Db& db) -> Result<std::vector<OutboundDsn>> {
            std::vector<int64_t> ids;
            auto st = db.prepare(
                "SELECT DISTINCT entry_id FROM outbound_rcpt WHERE dsn_due != 0 ORDER BY entry_id");
            while (st->step()) ids.push_back(st->i64(0));
            std::vector<OutboundDsn> out;
            for (int64_t id : ids)
                if (auto r = owed_report(db, id)) out.push_back(std::move(*r));
            return out;
        },
        std::move(done));
}

void Store::mark_delay_warned(int64_t entry_id, Callback<Unit> done) {
    impl_->write<Unit>(
        [entry_id](WriteTx& tx) -> Result<Unit> {
            auto st = tx.db.prepare("UPDATE outbound SET delay_warned = 1 WHERE id = ?");
            st->bind(1, entry_id);
            st->run();
            if (tx.db.changes() == 0) return make_error(Errc::not_found, "no such outbound entry");
            return Unit{};
        },
        std::move(done));
}

void Store::outbound_stats(Callback<OutboundStats> done, int64_t at) {
    impl_->read<OutboundStats>(
        [at](Db& db) -> Result<OutboundStats> {
            int64_t now = at ? at : unix_now();
            OutboundStats s;
            auto e = db.prepare("SELECT count(*), coalesce(min(arrival), 0) FROM outbound");
            if (e->step()) {
                s.entries = e->i64(0);
                s.oldest_arrival = e->i64(1);
            }
            auto r = db.prepare(
                "SELECT count(*), coalesce(sum(lease_owner != '' AND lease_expiry > ?), 0), "
                "coalesce(min(next_attempt), 0) FROM outbound_rcpt WHERE state = 'pending'");
            r->bind(1, now);
            if (r->step()) {
                s.recipients_pending = r->i64(0);
                s.recipients_leased = r->i64(1);
                s.next_due = r->i64(2);
            }
            auto d = db.prepare("SELECT count(*) FROM outbound_rcpt WHERE dsn_due != 0");
            if (d->step()) s.dsn_due = d->i64(0);
            return s;
        },
        std::move(done));
}

// ---- admin (postamt queue) ----------------------------------------------------

void Store::list_outbound(Callback<std::vector<OutboundEntry>> done) {
    impl_->read<std::vector<OutboundEntry>>(
        [](Db& db) -> Result<std::vector<OutboundEntry>> {
            std::vector<OutboundEntry> out;
            {
                auto st = db.prepare("SELECT " POSTAMT_OUTBOUND_COLS "ORDER BY e.arrival, e.id");
                while (st->step()) out.push_back(entry_from(*st));
            }
            for (auto& e : out) e.recipients = recipients_of(db, e.id);
            return out;
        },
        std::move(done));
}

void Store::show_outbound(std::string queue_id, Callback<OutboundEntry> done) {
    auto impl = impl_.get();
    impl_->read<OutboundEntry>(
        [impl, queue_id = std::move(queue_id)](Db& db) -> Result<OutboundEntry> {
            auto e = entry_by_queue_id(db, queue_id);
            if (!e) return make_error(Errc::not_found, "no queue entry " + queue_id);
            e->recipients = recipients_of(db, e->id);
            auto st = db.prepare("SELECT segment, offset, length FROM blobs WHERE id = ?");
            st->bind(1, e->blob.id);
            if (st->step()) {
                BlobLocation loc{st->i64(0), st->i64(1), st->i64(2)};
                auto bytes = impl->blobs->read(loc, 0, std::min(loc.length, kShowHeaderBytes));
                if (!bytes) return bytes.error();
                std::string& h = *bytes;
                if (auto end = h.find("\r\n\r\n"); end != std::string::npos) h.resize(end + 2);
                e->headers = std::move(h);
            }
            return std::move(*e);
        },
        std::move(done));
}

void Store::retry_outbound(std::string queue_id, Callback<int64_t> done) {
    auto impl = impl_.get();
    impl_->write<int64_t>(
        [queue_id = std::move(queue_id)](WriteTx& tx) -> Result<int64_t> {
            auto e = entry_by_queue_id(tx.db, queue_id);
            if (!e) return make_error(Errc::not_found, "no queue entry " + queue_id);
            int64_t now = unix_now();
            // A recipient in flight keeps its lease: making it due would let
            // a second runner deliver it again.
            auto st = tx.db.prepare(
                "UPDATE outbound_rcpt SET next_attempt = ?1 WHERE entry_id = ?2 AND state = "
                "'pending' "
                "AND (lease_owner = '' OR lease_expiry <= ?1)");
            st->bind(1, now).bind(2, e->id);
            st->run();
            return static_cast<int64_t>(tx.db.changes());
        },
        [impl, done = std::move(done)](Result<int64_t> r) {
            if (r && *r > 0) impl->notify_outbound();
            done(std::move(r));
        });
}

void Store::delete_outbound(std::string queue_id, Callback<Unit> done) {
    impl_->write<Unit>(
        [queue_id = std::move(queue_id)](WriteTx& tx) -> Result<Unit> {
            auto e = entry_by_queue_id(tx.db, queue_id);
            if (!e) return make_error(Errc::not_found, "no queue entry " + queue_id);
            auto del_r = tx.db.prepare("DELETE FROM outbound_rcpt WHERE entry_id = ?");
            del_r->bind(1, e->id);
            del_r->run();
            auto del_e = tx.db.prepare("DELETE FROM outbound WHERE id = ?");
            del_e->bind(1, e->id);
            del_e->run();
            release_blob(tx, e->blob.id);
            return Unit{};
        },
        std::move(done));
}

void Store::flush_outbound(Callback<int64_t> done) {
    auto impl = impl_.get();
    impl_->write<int64_t>(
        [](WriteTx& tx) -> Result<int64_t> {
            int64_t now = unix_now();
            auto st = tx.db.prepare(
                "UPDATE outbound_rcpt SET next_attempt = ?1 WHERE state = 'pending' AND "
                "next_attempt > ?1 "
                "AND (lease_owner = '' OR lease_expiry <= ?1)");
            st->bind(1, now);
            st->run();
            auto due = tx.db.prepare(
                "SELECT count(*) FROM outbound_rcpt WHERE state = 'pending' AND next_attempt <= ?1 "
                "AND (lease_owner = '' OR lease_expiry <= ?1)");
            due->bind(1, now);
            return due->step() ? due->i64(0) : int64_t{0};
        },
        [impl, done = std::move(done)](Result<int64_t> r) {
            if (r && *r > 0) impl->notify_outbound();
            done(std::move(r));
        });
}

}  // namespace postamt::store
