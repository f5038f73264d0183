#pragma once
// Internals shared by the files that implement Store (one file per area:
// directory, mailboxes, messages, maintenance). Not for use outside store/.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "store/blob_files.h"
#include "store/doorbell.h"
#include "store/reader_pool.h"
#include "store/search_index.h"
#include "store/sqlite_db.h"
#include "store/store.h"
#include "store/writer.h"

namespace postamt::store {

struct BlobPin::Registry {
    PinRegistry pins;
};

struct Store::Impl {
    StoreOptions opts;
    std::string db_path;
    std::unique_ptr<Db> wdb;
    std::unique_ptr<BlobFiles> blobs;
    std::shared_ptr<BlobPin::Registry> pin_reg = std::make_shared<BlobPin::Registry>();
    std::shared_ptr<Doorbell> doorbell = std::make_shared<Doorbell>();
    std::unique_ptr<Writer> writer;
    std::unique_ptr<ReaderPool> readers;
    int schema_found = 0;
    std::atomic<bool> closed{false};

    // WAL checkpoints on their own thread and connection (automatic ones are
    // off so a commit never pays for a checkpoint).
    std::unique_ptr<Db> ckpt_db;
    std::thread ckpt_thread;
    std::mutex ckpt_mu;
    std::condition_variable ckpt_cv;
    bool ckpt_stop = false;
    void checkpoint_loop();

    // Outbound queue listener (set_outbound_listener), called after COMMIT.
    std::mutex outbound_mu;
    std::function<void()> outbound_listener;
    void notify_outbound();

    // changes_since() callers joined to one queued query (message_ops.cpp):
    // after a ring, thousands of IDLE sessions on one mailbox ask the same
    // question at once.
    struct ChangesQuery {
        std::vector<Callback<MailboxChanges>> waiters;
    };
    std::mutex changes_mu;
    std::map<std::pair<MailboxId, ModSeq>, std::shared_ptr<ChangesQuery>> changes_queued;

    // The derived search index (search_index.h); last, so it is destroyed
    // first and outlives nothing that calls it.
    std::unique_ptr<SearchIndex> search;

    template <class T>
    void write(std::function<Result<T>(WriteTx&)> fn, Callback<T> done,
               std::function<void(BlobFiles&)> prepare = {}, std::size_t weight = 1);
    template <class T>
    void read(std::function<Result<T>(Db&)> fn, Callback<T> done);
};

template <class T>
class FnWrite final : public WriteRequest {
public:
    FnWrite(std::function<Result<T>(WriteTx&)> fn, Callback<T> done,
            std::function<void(BlobFiles&)> prep, std::size_t weight)
        : fn_(std::move(fn)), done_(std::move(done)), prep_(std::move(prep)), weight_(weight) {}
    void prepare(BlobFiles& b) override {
        if (prep_) prep_(b);
    }
    bool apply(WriteTx& tx) override {
        result_.emplace(fn_(tx));
        return result_->ok();
    }
    void record_error(Error e) override { result_.emplace(std::move(e)); }
    void complete() override {
        if (!result_) result_.emplace(make_error(Errc::internal, "request was not run"));
        auto cb = std::move(done_);
        if (cb) cb(std::move(*result_));
    }
    std::size_t weight() const override { return weight_; }

private:
    std::function<Result<T>(WriteTx&)> fn_;
    Callback<T> done_;
    std::function<void(BlobFiles&)> prep_;
    std::size_t weight_;
    std::optional<Result<T>> result_;
};

template <class T>
void Store::Impl::write(std::function<Result<T>(WriteTx&)> fn, Callback<T> done,
                        std::function<void(BlobFiles&)> prepare, std::size_t weight) {
    writer->submit(std::make_unique<FnWrite<T>>(std::move(fn), std::move(done), std::move(prepare), weight));
}

template <class T>
void Store::Impl::read(std::function<Result<T>(Db&)> fn, Callback<T> done) {
    auto job = [fn = std::move(fn), done](Db& db) {
        std::optional<Result<T>> r;
        try {
            db.exec("BEGIN");
            r.emplace(fn(db));
            db.exec("COMMIT");
        } catch (const SqliteError& e) {
            try {
                db.exec("ROLLBACK");
            } catch (const SqliteError&) {
            }
            r.emplace(make_error(Errc::internal, e.what()));
        }
        done(std::move(*r));
    };
    if (!readers->submit(std::move(job))) done(make_error(Errc::unavailable, "store is closed"));
}

// Row mapping shared by the operation files. The SELECT lists below and the
// *_from() functions belong together.
#define POSTAMT_ACCOUNT_COLS                                                                  \
    "a.id, a.domain_id, a.local_part, d.name, a.quota_bytes, a.quota_messages, a.used_bytes, " \
    "a.used_messages, a.highest_modseq, a.password_hash, a.scram_sha256, a.disabled "        \
    "FROM accounts a JOIN domains d ON d.id = a.domain_id "
#define POSTAMT_MAILBOX_COLS                                                                  \
    "m.id, m.account_id, m.name, m.special_use, m.uid_validity, m.uid_next, m.highest_modseq, " \
    "m.messages, m.unseen, m.size, "                                                          \
    "EXISTS(SELECT 1 FROM subscriptions s WHERE s.account_id = m.account_id AND s.name = m.name) " \
    "FROM mailboxes m "
#define POSTAMT_MESSAGE_COLS                                                                   \
    "id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id, pop3_uidl " \
    "FROM messages "

Account account_from(Stmt& s);
Mailbox mailbox_from(Stmt& s);
MessageRow message_from(Stmt& s);

std::string join_keywords(const std::vector<std::string>& kw);
std::vector<std::string> split_keywords(std::string_view s);

int64_t unix_now();
// Next UIDVALIDITY from the global counter: max(last + 1, now), so a store
// rebuilt from scratch never reuses a value clients have cached.
uint32_t next_uid_validity(Db& db);
// Bumps the account's MODSEQ counter and returns the new value.
ModSeq next_modseq(Db& db, AccountId account);
std::optional<Mailbox> mailbox_by_name(Db& db, AccountId account, const std::string& name);
std::optional<Mailbox> mailbox_by_id(Db& db, MailboxId id);
// Decrements a blob's refcount; at zero stamps the release epoch (deferred
// deletion, see BlobPin).
void release_blob(WriteTx& tx, BlobId blob);

// Outbound queue parts of deliver() (outbound_ops.cpp). check_outbound
// validates the envelope (before the blob row exists); enqueue_outbound adds
// the entry, its recipients and a blob reference; apply_report_stored marks
// the reports a DSN message carries as stored (NewMessage::bounce_for,
// delay_warned_for) or fails when one is not owed any more.
Status check_outbound(Db& db, const OutboundEnvelope& env);
void enqueue_outbound(WriteTx& tx, BlobId blob, const OutboundEnvelope& env, int64_t now);
Status apply_report_stored(WriteTx& tx, const std::vector<int64_t>& bounce_for,
                           const std::vector<int64_t>& delay_warned_for);

}  // namespace postamt::store
