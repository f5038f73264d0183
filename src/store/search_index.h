#pragma once
// The search index (DESIGN.md "Search index"): <data_dir>/search.db, an
// SQLite FTS5 table with the trigram tokenizer, one row per blob, holding
// the blob's decoded, case-folded header and body text (search_text.h) plus
// what SORT/THREAD need that mail.db lacks. It is derived data: deleting the
// file rebuilds it; a corrupt file is deleted and rebuilt; while a blob is
// not indexed, SEARCH scans that blob instead. Nothing here can fail or
// slow a delivery: the writer only touches an in-memory map (note/committed
// below) and the indexer runs on its own low-priority thread with its own
// connections, reading mail.db in short snapshots.
//
// Which blobs a query may answer from the index (IndexView::indexed):
//  - ids above the watermark are not indexed yet;
//  - every blob id the writer creates is marked from inside its transaction
//    (note_new_blob) until the indexer has indexed it from a snapshot taken
//    after the commit (blob_committed gives the commit an order), so a blob
//    id that mail.db reuses after compaction is never answered from the old
//    blob's row;
//  - blobs whose text was cut at the size limit or could not be read stay
//    unindexed for good (they are scanned).
// A blob whose refcount is zero is never indexed and its row is removed by
// the periodic sweep (it can never be referenced again).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "store/blob_files.h"
#include "store/sqlite_db.h"
#include "store/types.h"

namespace postamt::store {

// A consistent picture of what is indexed, taken when a query starts.
struct IndexView {
    bool usable = false;
    BlobId watermark = 0;
    std::vector<BlobId> unindexed;  // sorted ids <= watermark that are not (validly) indexed
    uint64_t generation = 0;
    bool indexed(BlobId b) const;
};

struct SearchIndexStats {
    BlobId watermark = 0;
    int64_t indexed_blobs = 0;   // rows written since start
    int64_t pending_marks = 0;
    bool usable = false;
    uint64_t rebuilds = 0;
    int64_t scanned_blobs = 0;
};

class SearchIndex {
public:
    SearchIndex(std::string data_dir, std::string mail_db_path, const BlobFiles& blobs);
    ~SearchIndex();
    SearchIndex(const SearchIndex&) = delete;
    SearchIndex& operator=(const SearchIndex&) = delete;

    void start();
    void stop();  // joins the indexer thread; note/committed stay callable

    // Writer thread, inside the transaction that inserts the blob row.
    void note_new_blob(BlobId id);
    // After that transaction committed or failed (its completion).
    void blob_committed(BlobId id);
    // Something was committed: look for work.
    void wake();

    // Tests and benchmarks: stop/resume indexing, wait for it to catch up.
    void set_paused(bool paused);
    // Calls `done` (on the indexer thread) once everything committed before
    // the call is indexed; unavailable when paused or stopped.
    void flush(std::function<void(Status)> done);
    SearchIndexStats stats() const;

    IndexView view() const;

    // A read-only connection to search.db for one query; returned to a pool
    // when the lease ends. Empty when the index cannot be opened.
    class Lease {
    public:
        Lease() = default;
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) noexcept = default;
        ~Lease();
        Db* db() const { return db_.get(); }
        explicit operator bool() const { return db_ != nullptr; }

    private:
        friend class SearchIndex;
        SearchIndex* owner_ = nullptr;
        std::unique_ptr<Db> db_;
        uint64_t generation_ = 0;
    };
    Lease read_connection(uint64_t generation);
    // A query hit SQLITE_CORRUPT/NOTADB: have the indexer check and rebuild.
    void report_corruption();

    const std::string& path() const { return path_; }
    // Searches count the blobs whose text they had to extract themselves.
    void count_scanned(int64_t n) { scanned_.fetch_add(n, std::memory_order_relaxed); }

private:
    struct Mark {
        bool committed = false;
        uint64_t seq = 0;
    };
    struct Candidate {
        BlobId id = 0;
        BlobLocation loc;
        int64_t refcount = 0;
        std::string summary;
    };

    void run();
    bool open_index();
    void rebuild(const char* why);
    void validate();
    // One round of work; returns true when more is waiting.
    bool index_round(uint64_t snap);
    void index_candidates(std::vector<Candidate>& cands);
    void drop_rows(const std::vector<BlobId>& ids);
    void publish_unindexed_locked();
    // Calls the waiters whose flush() came before the snapshot `settled`.
    void notify_waiters(const Status& st, uint64_t settled);
    bool index_intact();

    std::string data_dir_;
    std::string path_;
    std::string mail_db_path_;
    const BlobFiles& blobs_;

    // Indexer-thread state.
    std::unique_ptr<Db> mail_;   // read-only mail.db
    std::unique_ptr<Db> index_;  // read-write search.db
    int64_t last_sweep_ = 0;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::thread thread_;
    bool stop_ = false;
    bool wake_ = false;
    bool paused_ = false;
    bool check_corruption_ = false;
    bool usable_ = false;
    BlobId watermark_ = 0;
    uint64_t seq_ = 0;
    uint64_t generation_ = 1;
    std::map<BlobId, Mark> marks_;
    std::set<BlobId> incomplete_;
    std::vector<BlobId> unindexed_view_;  // marks <= watermark + incomplete, sorted
    std::vector<std::pair<uint64_t, std::function<void(Status)>>> waiters_;
    std::vector<std::unique_ptr<Db>> pool_;
    int64_t indexed_count_ = 0;
    uint64_t rebuilds_ = 0;
    std::atomic<int64_t> scanned_{0};
};

}  // namespace postamt::store
