// SORT / UID SORT (RFC 5256, DISPLAYFROM/DISPLAYTO RFC 5957, ESORT RFC
// 5267) and THREAD / UID THREAD (RFC 5256: ORDEREDSUBJECT, REFERENCES).
// The search part is SEARCH's (search_translate.h, store::search); the
// ordering and threading are sort_thread.h over store::sort_data().
#include <algorithm>
#include <ctime>

#include "imap/executors.h"
#include "imap/search_translate.h"
#include "imap/sequence_set.h"
#include "imap/sort_thread.h"
#include "net/await_store.h"
#include "store/search_query.h"

namespace postamt::imap {
namespace {

// The shown messages matching `key`, ascending UIDs (and UID ranges for
// sort_data()). A Reply when the search cannot be done.
struct Matches {
    std::vector<store::Uid> uids;
    std::optional<Reply> error;
};

asio::awaitable<Matches> matching(SessionPtr s, SearchKey key, std::string charset) {
    Matches m;
    SearchInputs in;
    in.view = &s->selected->view;
    in.saved = s->selected->saved_search ? &*s->selected->saved_search : nullptr;
    in.now = static_cast<int64_t>(std::time(nullptr));
    auto tr = translate_search(key, std::string_view(charset), in);
    in = SearchInputs{};
    if (!tr) {
        m.error = Reply::no("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
        co_return m;
    }
    if (tr->uses_modseq) s->condstore = true;
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MailboxId mbid = s->selected->view.mailbox();
    store::SearchNode node = std::move(tr->node);
    auto found = co_await net::await_store<std::vector<store::Uid>>(
        [&](auto done) { st->search(mbid, std::move(node), std::move(done)); });
    if (!s->selected || s->selected->view.mailbox() != mbid) {
        m.error = Reply::no("Mailbox closed during the command");
        co_return m;
    }
    if (!found) {
        m.error = store_error_reply(found.error(), "Search failed");
        co_return m;
    }
    for (store::Uid u : *found)
        if (s->selected->view.seq_of(u)) m.uids.push_back(u);
    co_return m;
}

std::vector<store::UidRange> ranges_of(const std::vector<store::Uid>& uids) {
    std::vector<store::UidRange> out;
    for (store::Uid u : uids) {
        if (!out.empty() && out.back().last + 1 == u)
            out.back().last = u;
        else
            out.push_back(store::UidRange{u, u});
    }
    return out;
}

asio::awaitable<Result<std::vector<store::SortRow>>> sort_rows(SessionPtr s,
                                                               std::vector<store::Uid> uids,
                                                               unsigned needs) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MailboxId mbid = s->selected->view.mailbox();
    std::vector<store::UidRange> ranges = ranges_of(uids);
    auto rows = co_await net::await_store<std::vector<store::SortRow>>(
        [&](auto done) { st->sort_data(mbid, std::move(ranges), needs, std::move(done)); });
    co_return rows;
}

// Numbers as the client sees them (sequence numbers unless UID SORT).
std::vector<uint32_t> numbers(const MailboxView& v, const std::vector<store::Uid>& uids, bool uid) {
    std::vector<uint32_t> out;
    for (store::Uid u : uids) {
        if (uid)
            out.push_back(u);
        else if (auto q = v.seq_of(u))
            out.push_back(*q);
    }
    return out;
}

std::string sort_response(const std::string& tag, bool uid, const std::optional<SearchReturn>& ret,
                          const std::vector<uint32_t>& nums) {
    if (!ret) {
        std::string out = "* SORT";
        for (uint32_t n : nums) out += " " + std::to_string(n);
        return out + "\r\n";
    }
    // RFC 5267 3.2: MIN/MAX are the first/last message in sort order, ALL
    // the sorted list as a sequence set.
    std::string out = "* ESEARCH (TAG \"" + tag + "\")";
    if (uid) out += " UID";
    if (!nums.empty()) {
        if (ret->min) out += " MIN " + std::to_string(nums.front());
        if (ret->max) out += " MAX " + std::to_string(nums.back());
        if (ret->all) out += " ALL " + format_sequence(nums);
    }
    if (ret->count) out += " COUNT " + std::to_string(nums.size());
    return out + "\r\n";
}

// THREAD numbers: sequence numbers, or the UIDs themselves for UID THREAD.
std::function<uint32_t(store::Uid)> thread_numbering(const MailboxView& v, bool uid) {
    if (uid) return [](store::Uid u) { return u; };
    return [&v](store::Uid u) {
        auto q = v.seq_of(u);
        return q ? *q : 0u;
    };
}

}  // namespace

asio::awaitable<Reply> exec_sort(SessionPtr s, CommandPtr c) {
    SortCmd cmd = std::get<SortCmd>(c->body);
    std::string tag = c->tag;
    Matches m = co_await matching(s, cmd.key, cmd.charset);
    if (m.error) co_return *m.error;
    std::vector<store::Uid> sorted;
    if (!m.uids.empty()) {
        auto rows = co_await sort_rows(s, m.uids, sort_needs(cmd.criteria));
        if (!rows) co_return store_error_reply(rows.error(), "SORT failed");
        sorted = sort_messages(*rows, cmd.criteria);
    }
    if (!s->selected) co_return Reply::no("Mailbox closed during SORT");
    s->send(sort_response(tag, cmd.uid, cmd.ret, numbers(s->selected->view, sorted, cmd.uid)));
    co_return Reply::ok("SORT completed");
}

asio::awaitable<Reply> exec_thread(SessionPtr s, CommandPtr c) {
    ThreadCmd cmd = std::get<ThreadCmd>(c->body);
    ThreadAlgorithm alg;
    if (!parse_thread_algorithm(cmd.algorithm, &alg))
        co_return Reply::bad("Unknown threading algorithm " + cmd.algorithm);
    Matches m = co_await matching(s, cmd.key, cmd.charset);
    if (m.error) co_return *m.error;
    std::string text;
    if (!m.uids.empty()) {
        auto rows = co_await sort_rows(s, m.uids, thread_needs(alg));
        if (!rows) co_return store_error_reply(rows.error(), "THREAD failed");
        if (!s->selected) co_return Reply::no("Mailbox closed during THREAD");
        std::vector<ThreadNode> threads = thread_messages(*rows, alg);
        text = format_threads(threads, thread_numbering(s->selected->view, cmd.uid));
    }
    s->send(text.empty() ? std::string("* THREAD\r\n") : "* THREAD " + text + "\r\n");
    co_return Reply::ok("THREAD completed");
}

}  // namespace postamt::imap
