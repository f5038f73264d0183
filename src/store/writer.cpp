#include "store/writer.h"

#include <algorithm>
#include <unordered_map>

#include "common/log.h"
#include "common/server_metrics.h"

namespace postamt::store {
namespace {
constexpr std::size_t kMaxBatchRequests = 1024;
constexpr std::size_t kMaxBatchBytes = 64u << 20;
}  // namespace

Writer::Writer(Db& db, BlobFiles& blobs, PinRegistry& pins, Doorbell& doorbell)
    : db_(db), blobs_(blobs), pins_(pins), doorbell_(doorbell) {}

Writer::~Writer() { stop(); }

void Writer::start() { thread_ = std::thread([this] { run(); }); }

void Writer::stop() {
    {
        std::lock_guard lk(mu_);
        if (stopped_) return;
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lk(mu_);
    stopped_ = true;
}

void Writer::submit(std::unique_ptr<WriteRequest> req) {
    {
        std::lock_guard lk(mu_);
        if (!stopping_) {
            queue_.push_back(std::move(req));
            cv_.notify_one();
            return;
        }
    }
    req->fail(make_error(Errc::unavailable, "store is shutting down"));
}

Writer::Stats Writer::stats() const {
    std::lock_guard lk(mu_);
    return stats_;
}

void Writer::run() {
    std::vector<std::unique_ptr<WriteRequest>> batch;
    for (;;) {
        {
            std::unique_lock lk(mu_);
            cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) return;
            std::size_t bytes = 0;
            while (!queue_.empty() && batch.size() < kMaxBatchRequests && bytes < kMaxBatchBytes) {
                bytes += queue_.front()->weight();
                batch.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
            stats_.batches++;
            stats_.requests += batch.size();
        }
        process(batch);
        batch.clear();
    }
}

void Writer::process(std::vector<std::unique_ptr<WriteRequest>>& batch) {
    const auto started = std::chrono::steady_clock::now();  // postamt_store_commit_seconds
    // 1. Blob bytes first, one fdatasync for the whole batch.
    for (auto& r : batch) r->prepare(blobs_);
    if (auto st = blobs_.sync(); !st) {
        for (auto& r : batch) r->fail(st.error());
        return;
    }
    // 2. One transaction, one savepoint per request.
    WriteTx tx(db_, blobs_, pins_);
    try {
        db_.exec("BEGIN IMMEDIATE");
        for (std::size_t i = 0; i < batch.size(); ++i) {
            std::size_t mark = tx.rings.size();
            db_.exec("SAVEPOINT req");
            bool ok = false;
            try {
                ok = batch[i]->apply(tx);
            } catch (const SqliteError& e) {
                batch[i]->record_error(make_error(Errc::internal, e.what()));
                ok = false;
            }
            if (!ok) {
                db_.exec("ROLLBACK TO req");
                tx.rings.resize(mark);
            }
            db_.exec("RELEASE req");
        }
        db_.exec("COMMIT");
        metrics::store_commit(std::chrono::steady_clock::now() - started);
    } catch (const SqliteError& e) {
        try {
            db_.exec("ROLLBACK");
        } catch (const SqliteError&) {
        }
        log::error("event=store_commit_failed error={}", log::quote(e.what()));
        Errc code = (e.code & 0xff) == SQLITE_FULL ? Errc::unavailable : Errc::internal;
        for (auto& r : batch) r->fail(make_error(code, std::string("commit failed: ") + e.what()));
        return;
    }
    // 3. Replies only after COMMIT; 4. then the doorbells.
    for (auto& r : batch) r->complete();
    std::unordered_map<MailboxId, ModSeq> latest;
    std::unordered_map<MailboxId, AccountId> owner;
    std::vector<AccountId> lists;
    for (auto& r : tx.rings) {
        if (r.mailbox == 0) {
            if (std::find(lists.begin(), lists.end(), r.account) == lists.end()) lists.push_back(r.account);
            continue;
        }
        auto& v = latest[r.mailbox];
        if (r.modseq > v) v = r.modseq;
        if (r.account) owner[r.mailbox] = r.account;
    }
    for (auto& [m, s] : latest) {
        doorbell_.ring(m, s);
        if (auto o = owner.find(m); o != owner.end()) doorbell_.ring_account(o->second, m, s);
    }
    for (AccountId a : lists) doorbell_.ring_account(a, 0, 0);
}

}  // namespace postamt::store
