// SEARCH, SORT and THREAD on a big mailbox, and how fast the search index
// fills:
//   bench_search_mailbox [DIR] [MESSAGES] [CORPUS_MBOX]
// Builds one INBOX of MESSAGES (default 100,000) messages by cycling through
// the corpus (default /work/shared/bench-corpus/test400.mbox) with
// variations (a copy number header, rare marker words in some subjects and
// bodies, internal dates spread over two years), delivering durably with
// the indexer paused; then measures
//   - a body search with the indexer paused (every blob decoded: the scan
//     fallback for messages not indexed yet),
//   - indexing throughput (messages/s until the index caught up),
//   - SEARCH TEXT/BODY on indexed messages (FTS5 trigram, and a 2-character
//     term answered by scanning the stored text), SEARCH UNSEEN/FLAGGED/SINCE
//     (SQL), SORT (SUBJECT)/(DATE)/(FROM) and THREAD=REFERENCES (sort_data +
//     imap/sort_thread),
// each the median of several runs.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "imap/sort_thread.h"
#include "mime/date.h"
#include "mime/mbox.h"
#include "store/search_query.h"
#include "store/store.h"

using namespace postamt;
using namespace postamt::store;
using Clock = std::chrono::steady_clock;
#define SYNC(T, expr) ::postamt::store::wait_for<T>([&](auto cb) { expr; })

namespace {

template <class T>
T must(Result<T> r, const char* what) {
    if (!r.ok()) {
        std::fprintf(stderr, "%s failed: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
    return std::move(r).value();
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Copy `n` of a corpus message: a header naming the copy, a subject
// variation, and marker words in a few of them.
std::string vary(const std::string& m, std::size_t n) {
    std::size_t hdr_end = m.find("\r\n\r\n");
    if (hdr_end == std::string::npos) return m;
    std::string header = m.substr(0, hdr_end + 2);
    std::string body = m.substr(hdr_end + 4);
    std::size_t s = header.find("\r\nSubject: ");
    if (s != std::string::npos) {
        std::size_t e = header.find("\r\n", s + 2);
        std::string extra = " #" + std::to_string(n);
        if (n % 1000 == 7) extra += " zanzibar";  // rare header word (0.1%)
        header.insert(e, extra);
    }
    header += "X-Bench-Copy: " + std::to_string(n) + "\r\n";
    bool single_text = header.find("multipart/") == std::string::npos;
    if (single_text && n % 500 == 3) body = "kiwifruit season starts now\r\n" + body;  // rare body word
    return header + "\r\n" + body;
}

struct Timing {
    double median_ms = 0, min_ms = 0;
    std::size_t results = 0;
};

template <class Fn>
Timing measure(int runs, Fn fn) {
    std::vector<double> ms;
    Timing t;
    for (int i = 0; i < runs; ++i) {
        auto start = Clock::now();
        t.results = fn();
        ms.push_back(seconds_since(start) * 1000);
    }
    std::sort(ms.begin(), ms.end());
    t.median_ms = ms[ms.size() / 2];
    t.min_ms = ms.front();
    return t;
}

void report(const char* what, const Timing& t) {
    std::printf("%-44s %9.1f ms median %9.1f ms min  (%zu results)\n", what, t.median_ms, t.min_ms, t.results);
}

SearchNode leaf(SearchNode::Kind k, std::string value = {}) {
    SearchNode n;
    n.kind = k;
    n.value = std::move(value);
    return n;
}

int64_t file_size(const std::string& p) {
    std::error_code ec;
    auto s = std::filesystem::file_size(p, ec);
    return ec ? 0 : static_cast<int64_t>(s);
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir = argc > 1 ? argv[1] : "/tmp/postamt-bench-search";
    std::size_t total = argc > 2 ? std::stoul(argv[2]) : 100000;
    std::string corpus_path = argc > 3 ? argv[3] : "/work/shared/bench-corpus/test400.mbox";

    std::ifstream in(corpus_path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", corpus_path.c_str());
        return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    auto corpus = mime::split_mbox(ss.str());
    if (corpus.empty()) {
        std::fprintf(stderr, "no messages in %s\n", corpus_path.c_str());
        return 1;
    }

    std::filesystem::remove_all(dir);
    StoreOptions o;
    o.data_dir = dir;
    auto store = must(Store::open(o), "open");
    must(SYNC(Domain, store->add_domain("example.test", cb)), "add_domain");
    auto acct = must(SYNC(Account, store->add_account(NewAccount{"user@example.test", {}, 0, 0}, cb)), "add_account");
    auto inbox = must(SYNC(std::optional<Mailbox>, store->get_mailbox(acct.id, "INBOX", cb)), "get_mailbox").value();

    // ---- deliver, indexer paused ------------------------------------------------
    store->set_search_indexing(false);
    int64_t first_day = mime::days_from_civil(2024, 1, 1) * 86400;
    int64_t span = 730LL * 86400;
    constexpr int kInFlight = 64;
    std::mutex mu;
    std::condition_variable cv;
    int in_flight = 0;
    std::atomic<bool> failed{false};
    auto t0 = Clock::now();
    for (std::size_t i = 0; i < total; ++i) {
        NewMessage m;
        m.data = vary(corpus[i % corpus.size()], i);
        m.internal_date = first_day + static_cast<int64_t>(i) * span / static_cast<int64_t>(total);
        m.targets = {DeliveryTarget{acct.id, inbox.id, {}}};
        {
            std::unique_lock lk(mu);
            cv.wait(lk, [&] { return in_flight < kInFlight; });
            ++in_flight;
        }
        store->deliver(std::move(m), [&](Result<std::vector<DeliveredCopy>> r) {
            if (!r.ok() || r->at(0).error != Errc::ok) failed = true;
            std::lock_guard lk(mu);
            --in_flight;
            cv.notify_all();
        });
    }
    {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return in_flight == 0; });
    }
    if (failed) {
        std::fprintf(stderr, "a delivery failed\n");
        return 1;
    }
    double deliver_s = seconds_since(t0);
    std::printf("delivered %zu messages in %.1f s (%.0f/s, indexer paused)\n", total, deliver_s, total / deliver_s);

    // Flags: 90% \Seen, every 50th \Flagged.
    Uid last = static_cast<Uid>(total);
    must(SYNC(FlagChangeResult, store->change_flags(FlagChange{inbox.id, {UidRange{1, last * 9 / 10}}, FlagOp::add,
                                                               Flags{kSeen, {}}, {}},
                                                    cb)),
         "flags");
    std::vector<UidRange> every50;
    for (Uid u = 50; u <= last; u += 50) every50.push_back(UidRange{u, u});
    must(SYNC(FlagChangeResult,
              store->change_flags(FlagChange{inbox.id, every50, FlagOp::add, Flags{kFlagged, {}}, {}}, cb)),
         "flags");

    auto search = [&](const SearchNode& q) {
        return must(SYNC(std::vector<Uid>, store->search(inbox.id, q, cb)), "search").size();
    };

    // ---- scan fallback: nothing indexed yet -------------------------------------
    report("SEARCH BODY \"kiwifruit\" (not indexed: scan)", measure(1, [&] { return search(leaf(SearchNode::Kind::body, "kiwifruit")); }));

    // ---- indexing throughput --------------------------------------------------------
    auto cpu = [] {
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
               static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    };
    auto t1 = Clock::now();
    double cpu0 = cpu();
    store->set_search_indexing(true);
    must(SYNC(Unit, store->search_index_flush(cb)), "flush");
    double index_s = seconds_since(t1), index_cpu = cpu() - cpu0;
    auto st = store->search_index_status();
    // The indexer runs at nice 10: on a busy machine its wall-clock rate
    // drops; the CPU time says what it costs.
    std::printf("indexed %lld messages in %.1f s (%.0f messages/s; %.0f messages per CPU second)\n",
                static_cast<long long>(st.indexed_blobs), index_s, st.indexed_blobs / index_s,
                st.indexed_blobs / index_cpu);
    std::printf("search.db %.1f MB (mail.db %.1f MB + WAL %.1f MB, blobs %.1f MB)\n", file_size(dir + "/search.db") / 1e6,
                file_size(dir + "/mail.db") / 1e6, file_size(dir + "/mail.db-wal") / 1e6, [&] {
                    int64_t n = 0;
                    for (auto& e : std::filesystem::directory_iterator(dir + "/blobs")) n += file_size(e.path().string());
                    return n / 1e6;
                }());
    // The WAL of search.db is folded in by SQLite's automatic checkpoints.

    // ---- searches on the indexed mailbox -------------------------------------------
    const int runs = 5;
    report("SEARCH TEXT \"migration\" (FTS, common)", measure(runs, [&] { return search(leaf(SearchNode::Kind::text, "migration")); }));
    report("SEARCH TEXT \"zanzibar\" (FTS, rare)", measure(runs, [&] { return search(leaf(SearchNode::Kind::text, "zanzibar")); }));
    report("SEARCH BODY \"kiwifruit\" (FTS, rare)", measure(runs, [&] { return search(leaf(SearchNode::Kind::body, "kiwifruit")); }));
    {
        SearchNode h = leaf(SearchNode::Kind::header, "zanzibar");
        h.field = "subject";
        report("SEARCH HEADER SUBJECT \"zanzibar\" (FTS)", measure(runs, [&] { return search(h); }));
    }
    report("SEARCH BODY \"xq\" (2 chars: stored-text scan)", measure(3, [&] { return search(leaf(SearchNode::Kind::body, "xq")); }));
    {
        SearchNode unseen_kiwi;
        unseen_kiwi.kind = SearchNode::Kind::and_;
        SearchNode unseen;
        unseen.kind = SearchNode::Kind::flags_clear;
        unseen.number = kSeen;
        unseen_kiwi.children = {unseen, leaf(SearchNode::Kind::body, "ab")};
        report("SEARCH UNSEEN BODY \"ab\" (SQL + scan 10%)", measure(3, [&] { return search(unseen_kiwi); }));
    }
    {
        SearchNode q;
        q.kind = SearchNode::Kind::flags_clear;
        q.number = kSeen;
        report("SEARCH UNSEEN (SQL)", measure(runs, [&] { return search(q); }));
        q.kind = SearchNode::Kind::flags_set;
        q.number = kFlagged;
        report("SEARCH FLAGGED (SQL)", measure(runs, [&] { return search(q); }));
        SearchNode since;
        since.kind = SearchNode::Kind::internal_date;
        since.date_from = mime::days_from_civil(2025, 10, 1) * 86400;
        report("SEARCH SINCE 1-Oct-2025 (SQL)", measure(runs, [&] { return search(since); }));
        report("SEARCH ALL (SQL)", measure(runs, [&] { return search(leaf(SearchNode::Kind::all)); }));
    }

    // ---- SORT and THREAD -----------------------------------------------------------
    auto sort_by = [&](std::vector<imap::SortCriterion> c) {
        auto rows = must(SYNC(std::vector<SortRow>, store->sort_data(inbox.id, {}, imap::sort_needs(c), cb)), "sort_data");
        return imap::sort_messages(rows, c).size();
    };
    report("SORT (SUBJECT)", measure(runs, [&] { return sort_by({{imap::SortKey::subject, false}}); }));
    report("SORT (REVERSE DATE)", measure(runs, [&] { return sort_by({{imap::SortKey::date, true}}); }));
    report("SORT (FROM) (addr-mailbox from search.db)", measure(3, [&] { return sort_by({{imap::SortKey::from, false}}); }));
    report("THREAD=REFERENCES", measure(3, [&] {
               auto rows = must(SYNC(std::vector<SortRow>, store->sort_data(inbox.id, {}, store::kSortThreading, cb)),
                                "sort_data");
               auto t = imap::thread_messages(rows, imap::ThreadAlgorithm::references);
               return imap::format_threads(t, [](Uid u) { return u; }).size();
           }));
    report("THREAD=ORDEREDSUBJECT", measure(3, [&] {
               auto rows = must(SYNC(std::vector<SortRow>, store->sort_data(inbox.id, {}, store::kSortBasic, cb)),
                                "sort_data");
               return imap::thread_messages(rows, imap::ThreadAlgorithm::ordered_subject).size();
           }));
    store->close();
    return 0;
}
