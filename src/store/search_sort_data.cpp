// Store::sort_data (what SORT and THREAD order by) and the search index
// controls of the Store interface.
#include <algorithm>

#include "common/log.h"
#include "mime/message_parser.h"
#include "store/search_text.h"
#include "store/store_impl.h"

namespace postamt::store {
namespace {

// From the summary, reading only the blob's header (References); for a
// blob the index has not reached yet.
SortExtras extras_from_blob(Db& db, const BlobFiles& blobs, BlobId blob, bool need_header) {
    auto st = db.prepare("SELECT segment, offset, length, summary FROM blobs WHERE id = ?");
    st->bind(1, blob);
    if (!st->step()) return {};
    BlobLocation loc{st->i64(0), st->i64(1), st->i64(2)};
    auto pm = mime::deserialize(st->text(3));
    st->reset();
    std::string header;
    if (need_header || !pm) {
        int64_t len = pm ? static_cast<int64_t>(pm->root().body_start) : -1;
        auto data = blobs.read(loc, 0, len);
        if (!data) {
            log::warn("event=sort_blob_unreadable blob={} error={}", blob, log::quote(data.error().message));
            return {};
        }
        header = std::move(*data);
        if (!pm) pm = mime::parse_message(header);
    }
    return extract_sort_extras(header, *pm);
}

void apply(SortRow& row, SortExtras&& x, unsigned needs) {
    if (needs & kSortAddresses) {
        row.fields.from_mailbox = std::move(x.from_mailbox);
        row.fields.to_mailbox = std::move(x.to_mailbox);
        row.fields.cc_mailbox = std::move(x.cc_mailbox);
    }
    if (needs & kSortThreading) {
        row.in_reply_to = std::move(x.in_reply_to);
        row.references = std::move(x.references);
    }
}

}  // namespace

void Store::sort_data(MailboxId mailbox, std::vector<UidRange> uids, unsigned needs,
                      Callback<std::vector<SortRow>> done) {
    auto impl = impl_.get();
    impl_->read<std::vector<SortRow>>(
        [impl, mailbox, uids = std::move(uids), needs](Db& db) -> Result<std::vector<SortRow>> {
            if (!mailbox_by_id(db, mailbox)) return make_error(Errc::not_found, "mailbox does not exist");
            std::vector<SortRow> out;
            std::vector<BlobId> blob_of;
            auto st = db.prepare(
                "SELECT m.uid, m.internal_date, m.size, b.subject, b.base_subject, b.from_addr, b.to_addr, "
                "b.cc_addr, b.message_id_hdr, b.sent_date, m.blob_id "
                "FROM messages m JOIN blobs b ON b.id = m.blob_id "
                "WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ? ORDER BY m.uid");
            // Sorted and merged, so overlapping ranges do not repeat rows.
            std::vector<UidRange> ranges;
            for (const auto& r : uids)
                if (r.first <= r.last) ranges.push_back(r);
            if (uids.empty()) ranges.push_back(UidRange{});
            std::sort(ranges.begin(), ranges.end(), [](const UidRange& a, const UidRange& b) { return a.first < b.first; });
            std::vector<UidRange> merged;
            for (const auto& r : ranges) {
                if (!merged.empty() && uint64_t{r.first} <= uint64_t{merged.back().last} + 1)
                    merged.back().last = std::max(merged.back().last, r.last);
                else
                    merged.push_back(r);
            }
            for (const auto& r : merged) {
                st->bind(1, mailbox).bind(2, r.first).bind(3, r.last);
                while (st->step()) {
                    SortRow row;
                    row.uid = static_cast<Uid>(st->i64(0));
                    row.internal_date = st->i64(1);
                    row.size = st->i64(2);
                    row.fields.subject = st->text(3);
                    row.fields.base_subject = st->text(4);
                    row.fields.from = st->text(5);
                    row.fields.to = st->text(6);
                    row.fields.cc = st->text(7);
                    row.fields.message_id = st->text(8);
                    row.fields.sent_date = st->i64(9);
                    blob_of.push_back(st->i64(10));
                    out.push_back(std::move(row));
                }
                st->reset();
            }
            if (!(needs & kSortAll) || out.empty()) return out;

            IndexView view = impl->search->view();
            SearchIndex::Lease lease;
            if (view.usable) lease = impl->search->read_connection(view.generation);
            bool use_index = static_cast<bool>(lease);
            if (use_index) {
                try {
                    lease.db()->exec("BEGIN");
                    auto q = lease.db()->prepare(
                        "SELECT from_mailbox, to_mailbox, cc_mailbox, in_reply_to, refs FROM docs WHERE blob_id = ?");
                    for (std::size_t i = 0; i < out.size(); ++i) {
                        if (!view.indexed(blob_of[i])) continue;
                        q->bind(1, blob_of[i]);
                        if (q->step()) {
                            SortExtras x;
                            x.from_mailbox = q->text(0);
                            x.to_mailbox = q->text(1);
                            x.cc_mailbox = q->text(2);
                            x.in_reply_to = q->text(3);
                            x.references = q->text(4);
                            apply(out[i], std::move(x), needs);
                            blob_of[i] = 0;  // done
                        }
                        q->reset();
                    }
                    lease.db()->exec("COMMIT");
                } catch (const SqliteError& e) {
                    log::warn("event=search_index_query_failed error={}", log::quote(e.what()));
                    int c = e.code & 0xff;
                    if (c == SQLITE_CORRUPT || c == SQLITE_NOTADB) impl->search->report_corruption();
                    try {
                        lease.db()->exec("ROLLBACK");
                    } catch (const SqliteError&) {
                    }
                }
            }
            // Whatever the index did not answer comes from the summary/blob.
            for (std::size_t i = 0; i < out.size(); ++i) {
                if (blob_of[i] == 0) continue;
                apply(out[i], extras_from_blob(db, *impl->blobs, blob_of[i], (needs & kSortThreading) != 0), needs);
            }
            return out;
        },
        std::move(done));
}

void Store::search_index_flush(Callback<Unit> done) {
    impl_->search->flush([done = std::move(done)](Status st) {
        if (!st) return done(st.error());
        done(Unit{});
    });
}

void Store::set_search_indexing(bool enabled) { impl_->search->set_paused(!enabled); }

SearchIndexStatus Store::search_index_status() const {
    auto s = impl_->search->stats();
    SearchIndexStatus out;
    out.usable = s.usable;
    out.watermark = s.watermark;
    out.indexed_blobs = s.indexed_blobs;
    out.pending = s.pending_marks;
    out.rebuilds = s.rebuilds;
    out.scanned_blobs = s.scanned_blobs;
    return out;
}

}  // namespace postamt::store
