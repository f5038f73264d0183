#pragma once
// The single writer thread and its group commit (DESIGN.md "Durability"):
// take everything queued, write blob bytes, fdatasync them once, then one
// transaction with a SAVEPOINT per request, COMMIT (WAL, synchronous=FULL),
// then completions, then doorbells. No artificial delay to fill a batch.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/result.h"
#include "store/blob_files.h"
#include "store/doorbell.h"
#include "store/sqlite_db.h"

namespace postamt::store {

// What a request sees inside the transaction.
class WriteTx {
public:
    WriteTx(Db& db, BlobFiles& blobs, PinRegistry& pins) : db(db), blobs(blobs), pins(pins) {}
    Db& db;
    BlobFiles& blobs;
    PinRegistry& pins;
    // Mailboxes whose doorbell rings after COMMIT (and their account's,
    // doorbell.h), and accounts whose mailbox list or subscriptions changed.
    struct Ring {
        MailboxId mailbox = 0;  // 0: the account's mailbox list
        ModSeq modseq = 0;
        AccountId account = 0;
    };
    void touched(MailboxId m, ModSeq s, AccountId a) { rings.push_back(Ring{m, s, a}); }
    void mailboxes_changed(AccountId a) { rings.push_back(Ring{0, 0, a}); }
    std::vector<Ring> rings;

    // Nested savepoint for a part of a request that may fail on its own
    // (one recipient of a delivery). Returns false when `fn` failed and its
    // changes were rolled back.
    template <class Fn>
    bool partial(Fn&& fn) {
        db.exec("SAVEPOINT part");
        std::size_t mark = rings.size();
        bool ok = false;
        try {
            ok = fn();
        } catch (...) {
            db.exec("ROLLBACK TO part");
            db.exec("RELEASE part");
            rings.resize(mark);
            throw;
        }
        if (!ok) {
            db.exec("ROLLBACK TO part");
            rings.resize(mark);
        }
        db.exec("RELEASE part");
        return ok;
    }
};

class WriteRequest {
public:
    virtual ~WriteRequest() = default;
    // Before the transaction: write blob bytes (not yet synced).
    virtual void prepare(BlobFiles&) {}
    // Inside the transaction, within the request's own SAVEPOINT. Returns
    // false to roll the request back (its result then carries the error).
    virtual bool apply(WriteTx& tx) = 0;
    // apply() threw: the request was rolled back; complete() reports `e`.
    virtual void record_error(Error e) = 0;
    // After COMMIT: calls the callback with the result apply() produced.
    virtual void complete() = 0;
    // The whole batch failed (blob sync or COMMIT): calls back with `e`.
    void fail(Error e) {
        record_error(std::move(e));
        complete();
    }
    virtual std::size_t weight() const { return 1; }  // bytes it carries, for batch caps
};

class Writer {
public:
    Writer(Db& db, BlobFiles& blobs, PinRegistry& pins, Doorbell& doorbell);
    ~Writer();
    void start();
    // Drains the queue, then stops the thread.
    void stop();
    // Refused (fail() called at once) after stop().
    void submit(std::unique_ptr<WriteRequest> req);

    struct Stats {
        uint64_t batches = 0;
        uint64_t requests = 0;
    };
    Stats stats() const;

private:
    void run();
    void process(std::vector<std::unique_ptr<WriteRequest>>& batch);

    Db& db_;
    BlobFiles& blobs_;
    PinRegistry& pins_;
    Doorbell& doorbell_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::unique_ptr<WriteRequest>> queue_;
    bool stopping_ = false;
    bool stopped_ = false;
    std::thread thread_;
    Stats stats_;
};

}  // namespace postamt::store
