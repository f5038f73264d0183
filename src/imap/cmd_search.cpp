// SEARCH / UID SEARCH (RFC 9051 6.4.4) with ESEARCH return options (RFC
// 4731), SEARCHRES (RFC 5182), MODSEQ (RFC 7162 3.1.5), WITHIN (RFC 5032),
// SAVEDATE (RFC 8514) and OBJECTID (RFC 8474) keys. The keys are turned
// into the store's search tree (search_translate.h) and answered by the
// store's index.
#include <algorithm>
#include <ctime>

#include "imap/executors.h"
#include "imap/search_translate.h"
#include "imap/sequence_set.h"
#include "net/await_store.h"
#include "store/search_query.h"

namespace postamt::imap {
namespace {

struct Hits {
    std::vector<store::Uid> uids;  // shown messages that matched, ascending
    std::vector<uint32_t> seqs;    // their sequence numbers
    store::ModSeq max_modseq = 0;
};

Hits shown_hits(const MailboxView& v, const std::vector<store::Uid>& found) {
    Hits h;
    for (store::Uid u : found) {
        auto q = v.seq_of(u);
        if (!q) continue;  // not announced yet (EXISTS comes at the end of the command)
        h.uids.push_back(u);
        h.seqs.push_back(*q);
        h.max_modseq = std::max(h.max_modseq, v.at_seq(*q).modseq);
    }
    return h;
}

std::string esearch_response(const std::string& tag, bool uid, const SearchReturn& r,
                             const std::vector<uint32_t>& nums, bool modseq,
                             store::ModSeq max_modseq) {
    std::string out = "* ESEARCH (TAG \"" + tag + "\")";
    if (uid) out += " UID";
    if (!nums.empty()) {
        if (r.min) out += " MIN " + std::to_string(nums.front());
        if (r.max) out += " MAX " + std::to_string(nums.back());
        if (r.all) out += " ALL " + format_set(nums);
    }
    if (r.count) out += " COUNT " + std::to_string(nums.size());
    if (modseq && !nums.empty()) out += " MODSEQ " + std::to_string(max_modseq);
    return out + "\r\n";
}

// RFC 5182 2.4: what SAVE keeps when combined with MIN/MAX only.
std::vector<store::Uid> saved_result(const SearchReturn& r, const std::vector<store::Uid>& uids) {
    if (uids.empty() || r.all || r.count || (!r.min && !r.max)) return uids;
    std::vector<store::Uid> out;
    if (r.min) out.push_back(uids.front());
    if (r.max && (!r.min || uids.back() != uids.front())) out.push_back(uids.back());
    return out;
}

}  // namespace

asio::awaitable<Reply> exec_search(SessionPtr s, CommandPtr c) {
    SearchCmd cmd = std::get<SearchCmd>(c->body);
    // RFC 9051 6.4.4: IMAP4rev2 answers with ESEARCH; no RETURN means ALL.
    if (s->rev2 && !cmd.ret) {
        cmd.ret.emplace();
        cmd.ret->all = true;
    }
    std::string tag = c->tag;
    std::optional<std::string_view> charset;
    if (cmd.charset) charset = *cmd.charset;

    SearchInputs in;
    in.view = &s->selected->view;
    in.saved = s->selected->saved_search ? &*s->selected->saved_search : nullptr;
    in.now = static_cast<int64_t>(std::time(nullptr));
    auto tr = translate_search(cmd.key, charset, in);
    in = SearchInputs{};
    if (!tr) {
        if (cmd.ret && cmd.ret->save) s->selected->saved_search = std::vector<store::Uid>{};
        co_return Reply::no("Unsupported charset", "BADCHARSET (UTF-8 US-ASCII)");
    }
    if (tr->uses_modseq) s->condstore = true;

    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MailboxId mbid = s->selected->view.mailbox();
    store::SearchNode node = std::move(tr->node);
    auto found = co_await net::await_store<std::vector<store::Uid>>(
        [&](auto done) { st->search(mbid, std::move(node), std::move(done)); });
    if (!s->selected || s->selected->view.mailbox() != mbid)
        co_return Reply::no("Mailbox closed during SEARCH");
    if (!found) {
        // RFC 5182 2.1: a failed SEARCH ... SAVE leaves "$" empty.
        if (cmd.ret && cmd.ret->save) s->selected->saved_search = std::vector<store::Uid>{};
        co_return store_error_reply(found.error(), "SEARCH failed");
    }
    Hits h = shown_hits(s->selected->view, *found);
    const std::vector<uint32_t>& nums = cmd.uid ? h.uids : h.seqs;
    std::string out;
    if (!cmd.ret) {
        out = "* SEARCH";
        for (uint32_t n : nums) out += " " + std::to_string(n);
        if (tr->uses_modseq && !nums.empty())
            out += " (MODSEQ " + std::to_string(h.max_modseq) + ")";
        out += "\r\n";
    } else {
        const SearchReturn& r = *cmd.ret;
        if (r.save) s->selected->saved_search = saved_result(r, h.uids);
        // SAVE alone: no ESEARCH response (RFC 5182 2.1).
        if (r.min || r.max || r.all || r.count)
            out = esearch_response(tag, cmd.uid, r, nums, tr->uses_modseq, h.max_modseq);
    }
    s->send(out);
    co_return Reply::ok("SEARCH completed");
}

}  // namespace postamt::imap
