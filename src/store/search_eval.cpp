// Store::search: SQL for what the messages table decides, the FTS5 trigram
// index (search_index.h) for text terms of 3+ characters on indexed blobs,
// and a scan of the stored text or of the blob itself for the rest.
#include <algorithm>

#include "common/log.h"
#include "mime/message_parser.h"
#include "store/search_plan.h"
#include "store/search_query.h"
#include "store/search_sql.h"
#include "store/search_text.h"
#include "store/search_tokenizer.h"
#include "store/store_impl.h"

namespace postamt::store {
namespace {

using Kind = SearchNode::Kind;

// A search.db failure: the query starts over without the index.
struct IndexFailure {
    bool corrupt;
};

template <class Fn>
auto on_index(Fn&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const SqliteError& e) {
        int c = e.code & 0xff;
        log::warn("event=search_index_query_failed error={}", log::quote(e.what()));
        throw IndexFailure{c == SQLITE_CORRUPT || c == SQLITE_NOTADB};
    }
}

struct Row {
    Uid uid = 0;
    MessageId id = 0;
    BlobId blob = 0;
    uint32_t flags = 0;
    std::string keywords;
    int64_t internal_date = 0;
    int64_t save_date = 0;
    int64_t size = 0;
    ModSeq modseq = 0;
};

class Evaluator {
public:
    Evaluator(Db& mail, const BlobFiles& blobs, SearchIndex& index, IndexView view, int leaves)
        : mail_(mail), blobs_(blobs), index_(index), view_(std::move(view)), fts_(static_cast<std::size_t>(leaves)) {
        if (view_.usable) {
            lease_ = index_.read_connection(view_.generation);
            if (!lease_) view_.usable = false;
        }
        if (view_.usable) {
            on_index([&] {
                lease_.db()->exec("BEGIN");
                in_txn_ = true;
            });
        }
    }
    ~Evaluator() {
        if (in_txn_) {
            try {
                lease_.db()->exec("COMMIT");
            } catch (const SqliteError&) {
            }
        }
    }

    void set_blob_range(BlobId lo, BlobId hi) {
        lo_ = lo;
        hi_ = hi;
    }

    bool eval(const PlanNode& n, const Row& r) {
        if (r.blob != cur_blob_) switch_row(r);
        return node(n, r);
    }

private:
    // Rows holding every trigram of a leaf's term, per table.
    struct Fts {
        bool done = false;
        std::vector<int64_t> headers, body;  // sorted rowids
    };

    void switch_row(const Row& r) {
        cur_blob_ = r.blob;
        indexed_ = view_.indexed(r.blob);
        have_headers_ = have_body_ = have_scan_ = have_sent_ = false;
        headers_.clear();
        body_.clear();
        scan_ = SearchText{};
    }

    bool node(const PlanNode& n, const Row& r) {
        switch (n.kind) {
            case Kind::all:
                return true;
            case Kind::none:
            case Kind::thread_id:
                return false;
            case Kind::and_:
                for (const auto& c : n.children)
                    if (!node(c, r)) return false;
                return true;
            case Kind::or_:
                for (const auto& c : n.children)
                    if (node(c, r)) return true;
                return false;
            case Kind::not_:
                return !node(n.children.at(0), r);
            case Kind::uids:
                return uid_in(n.uids, r.uid);
            case Kind::flags_set:
                return (r.flags & static_cast<uint32_t>(n.number)) == static_cast<uint32_t>(n.number);
            case Kind::flags_clear:
                return (r.flags & static_cast<uint32_t>(n.number)) == 0;
            case Kind::keyword:
                return has_keyword(r.keywords, n.term);
            case Kind::no_keyword:
                return !has_keyword(r.keywords, n.term);
            case Kind::internal_date:
                return r.internal_date >= n.date_from && r.internal_date < n.date_to;
            case Kind::save_date:
                return r.save_date >= n.date_from && r.save_date < n.date_to;
            case Kind::sent_date: {
                int64_t d = sent_day(r);
                return d != INT64_MIN && d >= n.date_from && d < n.date_to;
            }
            case Kind::larger:
                return r.size > n.number;
            case Kind::smaller:
                return r.size < n.number;
            case Kind::modseq:
                return static_cast<int64_t>(r.modseq) >= n.number;
            case Kind::email_id:
                return r.id == n.number;
            case Kind::header:
            case Kind::body:
            case Kind::text:
                return text(n, r);
        }
        return false;
    }

    bool text(const PlanNode& n, const Row& r) {
        if (indexed_) {
            if (n.term_chars >= 3) {
                // The index says which rows may hold the term; the stored
                // text decides (a 3-character term is one trigram: exact).
                const Fts& f = fts(n);
                bool exact = n.term_chars == 3;
                if (n.kind != Kind::body && std::binary_search(f.headers.begin(), f.headers.end(), r.blob)) {
                    if (n.kind == Kind::header) return header_field_contains(indexed_headers(r), n.field, n.term);
                    if (exact || indexed_headers(r).find(n.term) != std::string::npos) return true;
                }
                if (n.kind != Kind::header && std::binary_search(f.body.begin(), f.body.end(), r.blob))
                    return exact || indexed_body(r).find(n.term) != std::string::npos;
                return false;
            }
            if (n.kind == Kind::header) return header_field_contains(indexed_headers(r), n.field, n.term);
            if (n.kind == Kind::text && indexed_headers(r).find(n.term) != std::string::npos) return true;
            return indexed_body(r).find(n.term) != std::string::npos;
        }
        const SearchText& t = scanned(r);
        if (n.kind == Kind::header) return header_field_contains(t.headers, n.field, n.term);
        if (n.kind == Kind::text && t.headers.find(n.term) != std::string::npos) return true;
        return t.body.find(n.term) != std::string::npos;
    }

    const Fts& fts(const PlanNode& n) {
        Fts& f = fts_.at(static_cast<std::size_t>(n.leaf));
        if (f.done) return f;
        std::string match = trigram_match(n.term);
        auto query = [&](const char* sql, std::vector<int64_t>& out) {
            on_index([&] {
                auto st = lease_.db()->prepare(sql);
                st->bind(1, match).bind(2, lo_).bind(3, hi_);
                while (st->step()) out.push_back(st->i64(0));
            });
            std::sort(out.begin(), out.end());
        };
        if (n.kind != Kind::body)
            query("SELECT rowid FROM fts_headers WHERE fts_headers MATCH ? AND rowid BETWEEN ? AND ?", f.headers);
        if (n.kind != Kind::header)
            query("SELECT rowid FROM fts_body WHERE fts_body MATCH ? AND rowid BETWEEN ? AND ?", f.body);
        f.done = true;
        return f;
    }

    const std::string& indexed_headers(const Row& r) {
        if (!have_headers_) {
            on_index([&] {
                auto st = lease_.db()->prepare("SELECT text FROM fts_headers WHERE rowid = ?");
                st->bind(1, r.blob);
                headers_ = st->step() ? st->text(0) : std::string();
            });
            have_headers_ = true;
        }
        return headers_;
    }

    const std::string& indexed_body(const Row& r) {
        if (!have_body_) {
            on_index([&] {
                auto st = lease_.db()->prepare("SELECT text FROM fts_body WHERE rowid = ?");
                st->bind(1, r.blob);
                body_ = st->step() ? st->text(0) : std::string();
            });
            have_body_ = true;
        }
        return body_;
    }

    // The blob itself (not indexed yet, or no usable index).
    const SearchText& scanned(const Row& r) {
        if (have_scan_) return scan_;
        have_scan_ = true;
        index_.count_scanned(1);
        auto pm = load(r);
        if (pm) scan_ = extract_search_text(data_, *pm);
        return scan_;
    }

    std::optional<mime::ParsedMessage> load(const Row& r) {
        auto st = mail_.prepare("SELECT segment, offset, length, summary FROM blobs WHERE id = ?");
        st->bind(1, r.blob);
        if (!st->step()) return std::nullopt;
        BlobLocation loc{st->i64(0), st->i64(1), st->i64(2)};
        std::string summary = st->text(3);
        st->reset();
        auto data = blobs_.read(loc, 0, -1);
        if (!data) {
            log::warn("event=search_blob_unreadable blob={} error={}", r.blob, log::quote(data.error().message));
            return std::nullopt;
        }
        data_ = std::move(*data);
        auto pm = mime::deserialize(summary);
        if (!pm) pm = mime::parse_message(data_);
        return pm;
    }

    int64_t sent_day(const Row& r) {
        if (have_sent_) return sent_;
        have_sent_ = true;
        sent_ = INT64_MIN;
        if (indexed_) {
            on_index([&] {
                auto st = lease_.db()->prepare("SELECT sent_day FROM docs WHERE blob_id = ?");
                st->bind(1, r.blob);
                if (st->step() && !st->is_null(0)) sent_ = st->i64(0);
            });
            return sent_;
        }
        // The summary holds the parsed Date: header; no blob read needed.
        auto st = mail_.prepare("SELECT summary FROM blobs WHERE id = ?");
        st->bind(1, r.blob);
        if (!st->step()) return sent_;
        auto pm = mime::deserialize(st->text(0));
        if (pm) sent_ = extract_sort_extras({}, *pm).sent_day;
        return sent_;
    }

    Db& mail_;
    const BlobFiles& blobs_;
    SearchIndex& index_;
    IndexView view_;
    SearchIndex::Lease lease_;
    bool in_txn_ = false;
    std::vector<Fts> fts_;
    BlobId lo_ = 0, hi_ = INT64_MAX;

    BlobId cur_blob_ = -1;
    bool indexed_ = false;
    bool have_headers_ = false, have_body_ = false, have_scan_ = false, have_sent_ = false;
    std::string headers_, body_, data_;
    SearchText scan_;
    int64_t sent_ = INT64_MIN;
};

// Does evaluating `n` need the message columns, or only uid and blob?
bool needs_columns(const PlanNode& n) {
    switch (n.kind) {
        case Kind::all:
        case Kind::none:
        case Kind::sent_date:
        case Kind::header:
        case Kind::body:
        case Kind::text:
            return false;
        case Kind::and_:
        case Kind::or_:
        case Kind::not_:
            return std::any_of(n.children.begin(), n.children.end(), needs_columns);
        default:
            return true;
    }
}

std::vector<Row> load_rows(Db& db, MailboxId mailbox, const std::string& where, const std::vector<SqlParam>& params,
                           bool columns) {
    // A text-only search reads two integers per message, not nine columns.
    std::string sql = columns ? "SELECT uid, blob_id, id, flags, keywords, internal_date, save_date, size, modseq "
                                "FROM messages WHERE mailbox_id = ?"
                              : "SELECT uid, blob_id FROM messages WHERE mailbox_id = ?";
    if (!where.empty()) sql += " AND " + where;
    sql += " ORDER BY uid";
    SqlStatement st(db, sql);
    st.bind(1, mailbox);
    st.bind_all(2, params);
    std::vector<Row> rows;
    while (st.step()) {
        Row r;
        r.uid = static_cast<Uid>(st.i64(0));
        r.blob = st.i64(1);
        if (columns) {
            r.id = st.i64(2);
            r.flags = static_cast<uint32_t>(st.i64(3));
            r.keywords = st.text(4);
            r.internal_date = st.i64(5);
            r.save_date = st.i64(6);
            r.size = st.i64(7);
            r.modseq = static_cast<ModSeq>(st.i64(8));
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

std::vector<Uid> run_search(Db& db, const BlobFiles& blobs, SearchIndex& index, MailboxId mailbox,
                            const SearchNode& query) {
    int leaves = 0;
    PlanNode plan = make_plan(query, &leaves);
    std::vector<Uid> out;
    if (plan.kind == Kind::none) return out;

    // The whole query, or the conjuncts of a top-level AND, that SQL decides.
    std::string where;
    std::vector<SqlParam> params;
    PlanNode rest;
    rest.kind = Kind::all;
    if (sql_decides(plan)) {
        if (plan.kind != Kind::all) append_sql(plan, where, params);
    } else if (plan.kind == Kind::and_) {
        std::vector<PlanNode> keep;
        for (auto& c : plan.children) {
            if (sql_decides(c)) {
                if (!where.empty()) where += " AND ";
                append_sql(c, where, params);
            } else {
                keep.push_back(std::move(c));
            }
        }
        rest.kind = Kind::and_;
        rest.children = std::move(keep);
        if (rest.children.size() == 1) {
            PlanNode only = std::move(rest.children[0]);  // not straight into its own parent
            rest = std::move(only);
        }
    } else {
        rest = std::move(plan);
    }
    if (rest.kind == Kind::all) {
        std::string sql = "SELECT uid FROM messages WHERE mailbox_id = ?";
        if (!where.empty()) sql += " AND " + where;
        sql += " ORDER BY uid";
        SqlStatement st(db, sql);
        st.bind(1, mailbox);
        st.bind_all(2, params);
        while (st.step()) out.push_back(static_cast<Uid>(st.i64(0)));
        return out;
    }

    auto rows = load_rows(db, mailbox, where, params, needs_columns(rest));
    if (rows.empty()) return out;
    BlobId lo = INT64_MAX, hi = 0;
    for (const auto& r : rows) {
        lo = std::min(lo, r.blob);
        hi = std::max(hi, r.blob);
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        IndexView view = index.view();
        if (attempt == 1) view.usable = false;  // the index failed us: scan everything
        try {
            out.clear();
            Evaluator ev(db, blobs, index, std::move(view), leaves);
            ev.set_blob_range(lo, hi);
            for (const auto& r : rows)
                if (ev.eval(rest, r)) out.push_back(r.uid);
            return out;
        } catch (const IndexFailure& f) {
            if (f.corrupt) index.report_corruption();
        }
    }
    return out;
}

}  // namespace

void Store::search(MailboxId mailbox, SearchNode query, Callback<std::vector<Uid>> done) {
    auto impl = impl_.get();
    // Blobs of messages expunged while the scan runs stay on disk.
    auto pin = std::make_shared<BlobPin>(this->pin());
    impl_->read<std::vector<Uid>>(
        [impl, pin, mailbox, query = std::move(query)](Db& db) -> Result<std::vector<Uid>> {
            if (!mailbox_by_id(db, mailbox)) return make_error(Errc::not_found, "mailbox does not exist");
            return run_search(db, *impl->blobs, *impl->search, mailbox, query);
        },
        std::move(done));
}

}  // namespace postamt::store
