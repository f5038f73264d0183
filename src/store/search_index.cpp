#include "store/search_index.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "common/log.h"
#include "mime/message_parser.h"
#include "store/search_text.h"
#include "store/search_tokenizer.h"

namespace postamt::store {
namespace {

// The FTS tables keep no token positions (detail=none) and index each
// distinct trigram of a row once (search_tokenizer.h): the index narrows a
// term down to the rows holding all its trigrams, the stored text decides.
// Measured on the benchmark corpus: 1.2 bytes of index+text per byte of
// text, against 3.3 with positions (detail=full, which phrase queries would
// need), and ~3x faster to fill than the built-in trigram tokenizer.
// Headers and bodies live in separate tables because detail=none allows no
// column filters.
//
// Bumped whenever what goes into the index changes (text extraction,
// folding, tokenizer, tables): an index of another version is rebuilt.
constexpr int kIndexVersion = 4;  // 4: MIME part headers are body text

constexpr const char* kIndexSchema = R"sql(
CREATE TABLE docs(
  blob_id INTEGER PRIMARY KEY,
  segment INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  length INTEGER NOT NULL,
  complete INTEGER NOT NULL,
  sent_day INTEGER,
  from_mailbox TEXT NOT NULL DEFAULT '',
  to_mailbox TEXT NOT NULL DEFAULT '',
  cc_mailbox TEXT NOT NULL DEFAULT '',
  in_reply_to TEXT NOT NULL DEFAULT '',
  refs TEXT NOT NULL DEFAULT '');
CREATE VIRTUAL TABLE fts_headers USING fts5(text, tokenize = 'postamt_trigram', detail = none, columnsize = 0);
CREATE VIRTUAL TABLE fts_body USING fts5(text, tokenize = 'postamt_trigram', detail = none, columnsize = 0);
)sql";

constexpr int kNewPerRound = 256;         // blobs read from mail.db per round
constexpr int kMarksPerRound = 256;
constexpr int64_t kBytesPerRound = 32 << 20;  // message bytes per search.db transaction
constexpr int64_t kSweepSeconds = 600;    // drop rows of released blobs, check consistency

int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool is_corruption(const SqliteError& e) {
    int c = e.code & 0xff;
    return c == SQLITE_CORRUPT || c == SQLITE_NOTADB;
}

ino_t inode_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return st.st_ino;
}

}  // namespace

bool IndexView::indexed(BlobId b) const {
    return usable && b <= watermark && !std::binary_search(unindexed.begin(), unindexed.end(), b);
}

SearchIndex::SearchIndex(std::string data_dir, std::string mail_db_path, const BlobFiles& blobs)
    : data_dir_(std::move(data_dir)),
      path_(data_dir_ + "/search.db"),
      mail_db_path_(std::move(mail_db_path)),
      blobs_(blobs) {}

SearchIndex::~SearchIndex() { stop(); }

void SearchIndex::start() {
    std::lock_guard lk(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    wake_ = true;  // open and check search.db at once
    thread_ = std::thread([this] { run(); });
}

void SearchIndex::stop() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
    notify_waiters(make_error(Errc::unavailable, "search indexer stopped"), UINT64_MAX);
    std::lock_guard lk(mu_);
    pool_.clear();
}

void SearchIndex::note_new_blob(BlobId id) {
    std::lock_guard lk(mu_);
    marks_[id] = Mark{false, 0};
    if (id <= watermark_) publish_unindexed_locked();
}

void SearchIndex::blob_committed(BlobId id) {
    {
        std::lock_guard lk(mu_);
        auto it = marks_.find(id);
        if (it != marks_.end()) it->second = Mark{true, ++seq_};
        wake_ = true;
    }
    cv_.notify_one();
}

void SearchIndex::wake() {
    {
        std::lock_guard lk(mu_);
        wake_ = true;
    }
    cv_.notify_one();
}

void SearchIndex::set_paused(bool paused) {
    {
        std::lock_guard lk(mu_);
        paused_ = paused;
        wake_ = true;
    }
    cv_.notify_one();
}

void SearchIndex::flush(std::function<void(Status)> done) {
    {
        std::lock_guard lk(mu_);
        if (paused_ || stop_ || !thread_.joinable()) {
            // Called outside the lock below.
        } else {
            waiters_.emplace_back(seq_, std::move(done));
            wake_ = true;
            cv_.notify_one();
            return;
        }
    }
    done(make_error(Errc::unavailable, "search indexer is paused or stopped"));
}

SearchIndexStats SearchIndex::stats() const {
    std::lock_guard lk(mu_);
    SearchIndexStats s;
    s.watermark = watermark_;
    s.indexed_blobs = indexed_count_;
    s.pending_marks = static_cast<int64_t>(marks_.size());
    s.usable = usable_;
    s.rebuilds = rebuilds_;
    s.scanned_blobs = scanned_.load(std::memory_order_relaxed);
    return s;
}

IndexView SearchIndex::view() const {
    std::lock_guard lk(mu_);
    IndexView v;
    v.usable = usable_;
    v.watermark = watermark_;
    v.unindexed = unindexed_view_;
    v.generation = generation_;
    return v;
}

SearchIndex::Lease::~Lease() {
    if (!owner_ || !db_) return;
    std::lock_guard lk(owner_->mu_);
    if (generation_ == owner_->generation_ && !owner_->stop_ && owner_->pool_.size() < 8)
        owner_->pool_.push_back(std::move(db_));
}

SearchIndex::Lease SearchIndex::read_connection(uint64_t generation) {
    Lease l;
    {
        std::lock_guard lk(mu_);
        if (generation != generation_ || !usable_ || stop_) return l;
        l.owner_ = this;
        l.generation_ = generation;
        if (!pool_.empty()) {
            l.db_ = std::move(pool_.back());
            pool_.pop_back();
            return l;
        }
    }
    auto db = Db::open(path_, /*read_only=*/true, /*create=*/false);
    if (db && register_trigram_tokenizer(db.value()->raw())) l.db_ = std::move(db.value());
    return l;
}

void SearchIndex::report_corruption() {
    {
        std::lock_guard lk(mu_);
        check_corruption_ = true;
        wake_ = true;
    }
    cv_.notify_one();
}

void SearchIndex::publish_unindexed_locked() {
    unindexed_view_.clear();
    for (auto& [id, m] : marks_) {
        if (id > watermark_) break;
        unindexed_view_.push_back(id);
    }
    for (BlobId id : incomplete_)
        if (id <= watermark_) unindexed_view_.push_back(id);
    std::sort(unindexed_view_.begin(), unindexed_view_.end());
    unindexed_view_.erase(std::unique(unindexed_view_.begin(), unindexed_view_.end()), unindexed_view_.end());
}

void SearchIndex::notify_waiters(const Status& st, uint64_t settled) {
    std::vector<std::function<void(Status)>> ready;
    {
        std::lock_guard lk(mu_);
        for (auto it = waiters_.begin(); it != waiters_.end();) {
            if (it->first <= settled) {
                ready.push_back(std::move(it->second));
                it = waiters_.erase(it);
            } else {
                ++it;
            }
        }
        if (!waiters_.empty()) wake_ = true;  // another round will settle them
    }
    for (auto& f : ready) f(st);
}

// ---- the indexer thread -------------------------------------------------------

bool SearchIndex::open_index() {
    index_.reset();
    auto db = Db::open(path_, false, true);
    if (!db) {
        log::warn("event=search_index_open_failed path={} error={}", log::quote(path_), log::quote(db.error().message));
        return false;
    }
    index_ = std::move(db.value());
    if (!register_trigram_tokenizer(index_->raw())) {
        log::warn("event=search_index_unavailable reason=\"SQLite has no FTS5\"");
        index_.reset();
        return false;
    }
    index_->exec("PRAGMA journal_mode = WAL");
    // Derived data: a crash may lose the last rows (WAL keeps the file
    // consistent), which the next start notices and redoes.
    index_->exec("PRAGMA synchronous = NORMAL");
    auto st = index_->prepare("PRAGMA user_version");
    int version = st->step() ? static_cast<int>(st->i64(0)) : 0;
    st->reset();
    if (version == 0) {
        index_->exec("BEGIN IMMEDIATE");
        index_->exec(kIndexSchema);
        index_->exec("PRAGMA user_version = " + std::to_string(kIndexVersion));
        index_->exec("COMMIT");
    } else if (version != kIndexVersion) {
        throw SqliteError(SQLITE_NOTADB, "search index version " + std::to_string(version));
    }
    return true;
}

void SearchIndex::rebuild(const char* why) {
    log::warn("event=search_index_rebuild path={} reason={}", log::quote(path_), log::quote(why));
    index_.reset();
    {
        std::lock_guard lk(mu_);
        usable_ = false;
        ++generation_;
        ++rebuilds_;
        pool_.clear();
        watermark_ = 0;
        incomplete_.clear();
        publish_unindexed_locked();
    }
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix, ec);
}

void SearchIndex::drop_rows(const std::vector<BlobId>& ids) {
    if (ids.empty()) return;
    index_->exec("BEGIN IMMEDIATE");
    try {
        auto d1 = index_->prepare("DELETE FROM docs WHERE blob_id = ?");
        auto d2 = index_->prepare("DELETE FROM fts_headers WHERE rowid = ?");
        auto d3 = index_->prepare("DELETE FROM fts_body WHERE rowid = ?");
        for (BlobId id : ids) {
            for (auto* d : {&d1, &d2, &d3}) {
                (*d)->bind(1, id);
                (*d)->run();
                (*d)->reset();
            }
        }
        index_->exec("COMMIT");
    } catch (...) {
        try {
            index_->exec("ROLLBACK");
        } catch (const SqliteError&) {
        }
        throw;
    }
}

// Compares the rows with mail.db: rows of blobs that are gone, released or
// different (a reused id) go; live blobs without a valid row below the
// watermark get marked for indexing. At start (watermark 0) the watermark
// is set just below the first live blob without a row.
void SearchIndex::validate() {
    struct Live {
        BlobId id;
        BlobLocation loc;
    };
    std::vector<Live> live;
    BlobId max_id = 0;
    uint64_t snap;
    {
        std::lock_guard lk(mu_);
        snap = seq_;
    }
    mail_->exec("BEGIN");
    try {
        auto st = mail_->prepare("SELECT id, segment, offset, length FROM blobs WHERE refcount > 0 ORDER BY id");
        while (st->step()) live.push_back(Live{st->i64(0), BlobLocation{st->i64(1), st->i64(2), st->i64(3)}});
        st->reset();
        auto mx = mail_->prepare("SELECT coalesce(max(id), 0) FROM blobs");
        if (mx->step()) max_id = mx->i64(0);
        mx->reset();
        mail_->exec("COMMIT");
    } catch (...) {
        try {
            mail_->exec("ROLLBACK");
        } catch (const SqliteError&) {
        }
        throw;
    }
    struct Doc {
        BlobId id;
        BlobLocation loc;
        bool complete;
    };
    std::vector<Doc> docs;
    {
        auto st = index_->prepare("SELECT blob_id, segment, offset, length, complete FROM docs ORDER BY blob_id");
        while (st->step())
            docs.push_back(Doc{st->i64(0), BlobLocation{st->i64(1), st->i64(2), st->i64(3)}, st->i64(4) != 0});
    }
    std::vector<BlobId> drop, missing;
    std::set<BlobId> incomplete;
    std::size_t i = 0;
    for (const auto& d : docs) {
        while (i < live.size() && live[i].id < d.id) missing.push_back(live[i++].id);
        bool same = i < live.size() && live[i].id == d.id;
        if (same && live[i].loc.segment == d.loc.segment && live[i].loc.offset == d.loc.offset &&
            live[i].loc.length == d.loc.length) {
            if (!d.complete) incomplete.insert(d.id);
            ++i;
            continue;
        }
        drop.push_back(d.id);
        if (same) missing.push_back(live[i++].id);
    }
    while (i < live.size()) missing.push_back(live[i++].id);
    drop_rows(drop);

    std::lock_guard lk(mu_);
    if (!usable_) {
        // Start or rebuild: everything from the first gap on is indexed by
        // the normal scan (which skips blobs whose row is still valid).
        watermark_ = missing.empty() ? max_id : missing.front() - 1;
        usable_ = true;
    } else {
        // Running: a gap below the watermark means another process wrote
        // (the CLI next to a running server); index those blobs again.
        for (BlobId id : missing)
            if (id <= watermark_ && !marks_.count(id)) marks_[id] = Mark{true, snap};
    }
    incomplete_ = std::move(incomplete);
    publish_unindexed_locked();
    if (!drop.empty())
        log::info("event=search_index_sweep dropped={} reindex={}", drop.size(), missing.size());
}

void SearchIndex::index_candidates(std::vector<Candidate>& cands) {
    auto del_doc = index_->prepare("DELETE FROM docs WHERE blob_id = ?");
    auto del_head = index_->prepare("DELETE FROM fts_headers WHERE rowid = ?");
    auto del_body = index_->prepare("DELETE FROM fts_body WHERE rowid = ?");
    auto ins_doc = index_->prepare(
        "INSERT INTO docs(blob_id, segment, offset, length, complete, sent_day, from_mailbox, to_mailbox, "
        "cc_mailbox, in_reply_to, refs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    auto ins_head = index_->prepare("INSERT INTO fts_headers(rowid, text) VALUES (?, ?)");
    auto ins_body = index_->prepare("INSERT INTO fts_body(rowid, text) VALUES (?, ?)");
    std::vector<std::pair<BlobId, bool>> written;  // id, complete
    index_->exec("BEGIN IMMEDIATE");
    try {
        for (auto& c : cands) {
            for (auto* d : {&del_doc, &del_head, &del_body}) {
                (*d)->bind(1, c.id);
                (*d)->run();
                (*d)->reset();
            }
            if (c.refcount <= 0) continue;  // released or never placed: nothing can refer to it
            auto data = blobs_.read(c.loc, 0, -1);
            std::optional<mime::ParsedMessage> pm;
            if (data) pm = mime::deserialize(c.summary);
            if (data && !pm) pm = mime::parse_message(*data);
            SearchText text;
            SortExtras extras;
            if (data) {
                text = extract_search_text(*data, *pm);
                extras = extract_sort_extras(*data, *pm);
            } else {
                // Unreadable now: leave it to the scan, which reports the error.
                log::warn("event=search_index_blob_unreadable blob={} error={}", c.id,
                          log::quote(data.error().message));
                text.complete = false;
            }
            ins_doc->bind(1, c.id).bind(2, c.loc.segment).bind(3, c.loc.offset).bind(4, c.loc.length);
            ins_doc->bind(5, text.complete ? 1 : 0);
            if (extras.sent_day == INT64_MIN)
                ins_doc->bind_null(6);
            else
                ins_doc->bind(6, extras.sent_day);
            ins_doc->bind(7, extras.from_mailbox).bind(8, extras.to_mailbox).bind(9, extras.cc_mailbox);
            ins_doc->bind(10, extras.in_reply_to).bind(11, extras.references);
            ins_doc->run();
            ins_doc->reset();
            ins_head->bind(1, c.id).bind(2, text.headers);
            ins_head->run();
            ins_head->reset();
            ins_body->bind(1, c.id).bind(2, text.body);
            ins_body->run();
            ins_body->reset();
            written.emplace_back(c.id, text.complete);
        }
        index_->exec("COMMIT");
    } catch (...) {
        try {
            index_->exec("ROLLBACK");
        } catch (const SqliteError&) {
        }
        throw;
    }
    std::lock_guard lk(mu_);
    indexed_count_ += static_cast<int64_t>(written.size());
    for (auto& [id, complete] : written) {
        if (complete)
            incomplete_.erase(id);
        else
            incomplete_.insert(id);
    }
}

bool SearchIndex::index_round(uint64_t snap) {
    BlobId w;
    std::vector<std::pair<BlobId, uint64_t>> covered;  // marks this snapshot settles
    {
        std::lock_guard lk(mu_);
        w = watermark_;
        for (auto& [id, m] : marks_) {
            if (id > w) break;
            if (m.committed && m.seq <= snap) covered.emplace_back(id, m.seq);
            if (covered.size() >= static_cast<std::size_t>(kMarksPerRound)) break;
        }
    }
    std::vector<Candidate> marked, fresh;
    BlobId new_w = w;
    int fresh_rows = 0;
    bool cut_by_bytes = false;
    mail_->exec("BEGIN");
    try {
        auto one = mail_->prepare("SELECT id, segment, offset, length, refcount, summary FROM blobs WHERE id = ?");
        for (auto& [id, seq] : covered) {
            one->bind(1, id);
            Candidate c;
            c.id = id;
            if (one->step()) {
                c.loc = BlobLocation{one->i64(1), one->i64(2), one->i64(3)};
                c.refcount = one->i64(4);
                c.summary = one->text(5);
            }
            one->reset();
            marked.push_back(std::move(c));
        }
        auto next = mail_->prepare(
            "SELECT id, segment, offset, length, refcount, summary FROM blobs WHERE id > ? ORDER BY id LIMIT ?");
        next->bind(1, w).bind(2, kNewPerRound);
        int64_t bytes = 0;
        while (next->step()) {
            ++fresh_rows;
            Candidate c;
            c.id = next->i64(0);
            c.loc = BlobLocation{next->i64(1), next->i64(2), next->i64(3)};
            c.refcount = next->i64(4);
            c.summary = next->text(5);
            new_w = c.id;
            bytes += c.loc.length;
            fresh.push_back(std::move(c));
            if (bytes >= kBytesPerRound) {
                cut_by_bytes = true;
                break;
            }
        }
        next->reset();
        mail_->exec("COMMIT");
    } catch (...) {
        try {
            mail_->exec("ROLLBACK");
        } catch (const SqliteError&) {
        }
        throw;
    }
    bool more_fresh = fresh_rows >= kNewPerRound || cut_by_bytes;
    // A blob above the old watermark whose row is still valid (after a
    // restart) needs no work.
    {
        auto has_row = index_->prepare("SELECT segment, offset, length FROM docs WHERE blob_id = ?");
        std::vector<Candidate> todo;
        for (auto& c : fresh) {
            bool marked_now;
            {
                std::lock_guard lk(mu_);
                marked_now = marks_.count(c.id) > 0;
            }
            if (!marked_now && c.refcount > 0) {
                has_row->bind(1, c.id);
                bool valid = has_row->step() && has_row->i64(0) == c.loc.segment && has_row->i64(1) == c.loc.offset &&
                             has_row->i64(2) == c.loc.length;
                has_row->reset();
                if (valid) continue;
            }
            todo.push_back(std::move(c));
        }
        fresh.swap(todo);
    }
    std::vector<Candidate> all;
    all.reserve(marked.size() + fresh.size());
    for (auto& c : marked) all.push_back(std::move(c));
    for (auto& c : fresh) all.push_back(std::move(c));
    if (!all.empty()) index_candidates(all);

    std::lock_guard lk(mu_);
    for (auto& [id, seq] : covered) {
        auto it = marks_.find(id);
        if (it != marks_.end() && it->second.committed && it->second.seq == seq) marks_.erase(it);
    }
    // New blobs read in this snapshot settle their marks if the commit that
    // created them came before the snapshot.
    for (auto it = marks_.upper_bound(w); it != marks_.end() && it->first <= new_w;) {
        if (it->second.committed && it->second.seq <= snap)
            it = marks_.erase(it);
        else
            ++it;
    }
    watermark_ = std::max(watermark_, new_w);
    publish_unindexed_locked();
    bool more_marks = false;
    for (auto& [id, m] : marks_) {
        if (id > watermark_) break;
        if (m.committed && m.seq <= seq_) {
            more_marks = true;
            break;
        }
    }
    return more_fresh || more_marks || covered.size() >= static_cast<std::size_t>(kMarksPerRound);
}

void SearchIndex::run() {
    // Indexing is background work: deliveries and queries come first.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
    ino_t inode = 0;
    bool backoff = false;
    for (;;) {
        {
            std::unique_lock lk(mu_);
            if (backoff)
                cv_.wait_for(lk, std::chrono::seconds(5), [&] { return stop_; });
            else
                cv_.wait_for(lk, std::chrono::seconds(30), [&] { return stop_ || wake_; });
            if (stop_) break;
            wake_ = false;
            backoff = false;
            if (paused_) {
                // Take the waiters while still holding the lock: one that
                // flush() registers after an un-pause must not get this error.
                std::vector<std::pair<uint64_t, std::function<void(Status)>>> stale;
                stale.swap(waiters_);
                lk.unlock();
                for (auto& w : stale) w.second(make_error(Errc::unavailable, "search indexer is paused"));
                continue;
            }
        }
        try {
            if (!mail_) {
                auto m = Db::open(mail_db_path_, true, false);
                if (!m) {
                    log::warn("event=search_index_error error={}", log::quote(m.error().message));
                    backoff = true;
                    continue;
                }
                mail_ = std::move(m.value());
            }
            bool check;
            {
                std::lock_guard lk(mu_);
                check = check_corruption_;
                check_corruption_ = false;
            }
            if (index_ && inode_of(path_) != inode) rebuild("search.db was removed or replaced");
            if (index_ && check && !index_intact()) rebuild("integrity check failed");
            if (!index_) {
                if (!open_index()) {
                    backoff = true;
                    continue;
                }
                inode = inode_of(path_);
                validate();
                last_sweep_ = now_seconds();
            }
            uint64_t clean_snap = 0;
            for (;;) {
                uint64_t snap;
                {
                    std::lock_guard lk(mu_);
                    if (stop_ || paused_) break;
                    snap = seq_;
                }
                if (!index_round(snap)) {
                    clean_snap = snap;
                    break;
                }
            }
            if (now_seconds() - last_sweep_ >= kSweepSeconds) {
                validate();
                last_sweep_ = now_seconds();
            }
            notify_waiters(ok_status(), clean_snap);
        } catch (const SqliteError& e) {
            // Corruption of search.db is ours to repair; anything else
            // (mail.db busy, I/O) is retried later.
            if (is_corruption(e) && (!index_ || !index_intact())) {
                rebuild(e.what());
                std::lock_guard lk(mu_);
                wake_ = true;
            } else {
                log::warn("event=search_index_error error={}", log::quote(e.what()));
                notify_waiters(make_error(Errc::unavailable, e.what()), UINT64_MAX);
                backoff = true;
                std::lock_guard lk(mu_);
                wake_ = true;
            }
        }
    }
}

bool SearchIndex::index_intact() {
    try {
        auto qc = index_->prepare("PRAGMA quick_check");
        bool ok = qc->step() && qc->text(0) == "ok";
        qc->reset();
        return ok;
    } catch (const SqliteError&) {
        return false;
    }
}

}  // namespace postamt::store
