// STORE / UID STORE (RFC 9051 6.4.6) with UNCHANGEDSINCE and [MODIFIED]
// (CONDSTORE, RFC 7162 3.1.3).
#include <algorithm>

#include "imap/executors.h"
#include "imap/message_set.h"
#include "imap/sequence_set.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

// The untagged FETCH responses of a STORE for the rows of the set.
std::string store_responses(const Session& s, const std::vector<store::MessageRow>& rows,
                            bool with_uid) {
    std::string out;
    const MailboxView& v = s.selected->view;
    for (const auto& r : rows) {
        auto seq = v.seq_of(r.uid);
        if (!seq) continue;
        bool recent = !s.rev2 && (v.at_seq(*seq).flags & MailboxView::kRecent);
        out += format_flags_fetch(*seq, r, recent, with_uid || s.condstore, s.condstore);
    }
    return out;
}

}  // namespace

asio::awaitable<Reply> exec_store(SessionPtr s, CommandPtr c) {
    StoreCmd cmd = std::get<StoreCmd>(c->body);
    if (s->selected->read_only) co_return Reply::no("Mailbox is read-only", "READ-ONLY");
    auto flags = parse_flags(cmd.flags);
    if (!flags) co_return Reply::bad(flags.error().message);
    auto seqs = target_seqs(*s, cmd.set, cmd.uid);
    if (!seqs) co_return Reply::bad("Invalid message sequence number");
    if (cmd.unchanged_since) s->condstore = true;
    if (seqs->empty()) co_return Reply::ok("STORE completed (no messages)");

    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MailboxId mbid = s->selected->view.mailbox();
    store::FlagChange fc;
    fc.mailbox = mbid;
    fc.uids = uid_ranges_of(s->selected->view, *seqs);
    std::vector<store::UidRange> ranges = fc.uids;
    fc.op = cmd.mode == StoreMode::add      ? store::FlagOp::add
            : cmd.mode == StoreMode::remove ? store::FlagOp::remove
                                            : store::FlagOp::replace;
    fc.flags = *flags;
    fc.unchanged_since = cmd.unchanged_since;
    auto res = co_await net::await_store<store::FlagChangeResult>(
        [&](auto done) { st->change_flags(std::move(fc), std::move(done)); });
    if (!res) co_return store_error_reply(res.error(), "STORE failed");
    if (!s->selected || s->selected->view.mailbox() != mbid) co_return Reply::ok("STORE completed");
    s->selected->view.note_rows(res->changed);
    s->selected->view.note_keywords(flags->keywords);

    if (!cmd.silent) {
        // Every message of the set gets its current flags, changed or not.
        auto rows = co_await net::await_store<std::vector<store::MessageRow>>(
            [&](auto done) { st->fetch_rows(mbid, ranges, std::move(done)); });
        if (rows && s->selected) s->send(store_responses(*s, *rows, cmd.uid));
    } else if (cmd.unchanged_since) {
        // RFC 7162 3.1.3: with UNCHANGEDSINCE the changes are reported even
        // with .SILENT (they carry the new MODSEQ).
        s->send(store_responses(*s, res->changed, cmd.uid));
    }
    if (!res->failed.empty()) {
        std::vector<uint32_t> failed;
        for (store::Uid u : res->failed) {
            if (cmd.uid)
                failed.push_back(u);
            else if (auto q = s->selected->view.seq_of(u))
                failed.push_back(*q);
        }
        co_return Reply::ok("Some messages were modified since",
                            "MODIFIED " + format_set_unsorted(failed));
    }
    co_return Reply::ok("STORE completed");
}

}  // namespace postamt::imap
