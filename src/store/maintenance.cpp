// Compaction (deferred blob deletion, tombstone pruning), online backup and
// restore.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "common/log.h"
#include "store/store_impl.h"

namespace postamt::store {
namespace fs = std::filesystem;
namespace {

// A segment with no rows may still be receiving a write whose COMMIT is
// pending in another process (the CLI next to a running server); leave
// files alone until they have been quiet this long.
constexpr int64_t kSegmentQuietSeconds = 600;

int64_t mtime_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return 0;
    return st.st_mtim.tv_sec;
}

}  // namespace

void Store::compact(int64_t tombstone_age_seconds, Callback<CompactionStats> done) {
    auto impl = impl_.get();
    impl_->write<CompactionStats>(
        [impl, tombstone_age_seconds](WriteTx& tx) -> Result<CompactionStats> {
            CompactionStats stats;
            auto limit = static_cast<int64_t>(tx.pins.deletable_up_to());
            {
                auto sel = tx.db.prepare("SELECT count(*), coalesce(sum(length), 0) FROM blobs "
                                         "WHERE refcount = 0 AND released_epoch <= ?");
                sel->bind(1, limit);
                if (sel->step()) {
                    stats.blobs_deleted = sel->i64(0);
                    stats.bytes_freed = sel->i64(1);
                }
            }
            auto del = tx.db.prepare("DELETE FROM blobs WHERE refcount = 0 AND released_epoch <= ?");
            del->bind(1, limit);
            del->run();

            // Segments no row points at any more can go once this commits;
            // removing them before COMMIT would be wrong if it rolled back,
            // so files are unlinked for segments that were already empty
            // when this transaction started (the next run catches the rest).
            std::set<int64_t> used;
            auto seg = tx.db.prepare("SELECT DISTINCT segment FROM blobs");
            while (seg->step()) used.insert(seg->i64(0));
            int64_t active = tx.blobs.active_segment();
            int64_t now = unix_now();
            for (int64_t s : impl->blobs->list_segments()) {
                if (s == active || used.count(s)) continue;
                if (now - mtime_of(impl->blobs->path_of(s)) < kSegmentQuietSeconds) continue;
                if (impl->blobs->remove_segment(s)) ++stats.segments_deleted;
            }

            if (tombstone_age_seconds >= 0) {
                // Moving the horizon first: a QRESYNC from before it gets
                // VANISHED (EARLIER) computed from known UIDs (RFC 7162 3.2.5).
                auto hz = tx.db.prepare(
                    "UPDATE mailboxes SET expunge_horizon = max(expunge_horizon, "
                    "(SELECT max(t.modseq) FROM tombstones t WHERE t.mailbox_id = mailboxes.id AND t.expunged_at < ?)) "
                    "WHERE EXISTS (SELECT 1 FROM tombstones t WHERE t.mailbox_id = mailboxes.id AND t.expunged_at < ?)");
                hz->bind(1, now - tombstone_age_seconds).bind(2, now - tombstone_age_seconds);
                hz->run();
                auto prune = tx.db.prepare("DELETE FROM tombstones WHERE expunged_at < ?");
                prune->bind(1, now - tombstone_age_seconds);
                prune->run();
                stats.tombstones_pruned = tx.db.changes();
            }
            return stats;
        },
        std::move(done));
}

void Store::backup(std::string dir, Callback<Unit> done) {
    auto impl = impl_.get();
    // The pin keeps every blob the snapshot references on disk until the
    // segments are copied, even if it is expunged and compacted meanwhile.
    auto pin = std::make_shared<BlobPin>(this->pin());
    impl_->read<Unit>(
        [impl, dir, pin](Db& db) -> Result<Unit> {
            std::error_code ec;
            fs::create_directories(dir, ec);
            if (ec) return make_error(Errc::unavailable, "cannot create " + dir + ": " + ec.message());
            if (!fs::is_empty(dir, ec)) return make_error(Errc::already_exists, dir + " is not empty");
            // VACUUM INTO needs no read transaction of ours around it.
            db.exec("COMMIT");
            std::string target = dir + "/mail.db";
            auto st = db.prepare("VACUUM INTO ?");
            st->bind(1, target);
            st->run();
            db.exec("BEGIN");
            // Segments are append-only and fsync'ed before the commit that
            // references them, so copying after the snapshot covers it.
            fs::create_directories(dir + "/blobs", ec);
            for (int64_t s : impl->blobs->list_segments()) {
                std::string from = impl->blobs->path_of(s);
                std::string to = dir + "/blobs/" + fs::path(from).filename().string();
                fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
                if (ec && fs::exists(from)) return make_error(Errc::internal, "cannot copy " + from + ": " + ec.message());
            }
            log::info("event=backup_done dir={}", log::quote(dir));
            return Unit{};
        },
        std::move(done));
}

Status Store::restore(const std::string& backup_dir, const std::string& data_dir) {
    std::error_code ec;
    if (!fs::exists(backup_dir + "/mail.db", ec))
        return make_error(Errc::not_found, backup_dir + " holds no backup (mail.db missing)");
    if (fs::exists(data_dir + "/mail.db", ec))
        return make_error(Errc::already_exists, data_dir + " already holds a store; restore into an empty directory");
    fs::create_directories(data_dir + "/blobs", ec);
    if (ec) return make_error(Errc::unavailable, "cannot create " + data_dir + ": " + ec.message());
    fs::copy_file(backup_dir + "/mail.db", data_dir + "/mail.db", ec);
    if (ec) return make_error(Errc::internal, "cannot copy database: " + ec.message());
    if (fs::exists(backup_dir + "/blobs", ec)) {
        for (auto& e : fs::directory_iterator(backup_dir + "/blobs", ec)) {
            fs::copy_file(e.path(), data_dir + "/blobs/" + e.path().filename().string(), ec);
            if (ec) return make_error(Errc::internal, "cannot copy " + e.path().string() + ": " + ec.message());
        }
    }
    ::sync();
    return ok_status();
}

}  // namespace postamt::store
