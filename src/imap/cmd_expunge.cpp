// EXPUNGE and UID EXPUNGE (RFC 9051 6.4.3, UIDPLUS RFC 4315 2.1).
#include "imap/executors.h"
#include "imap/sequence_set.h"
#include "net/await_store.h"

namespace postamt::imap {

asio::awaitable<Reply> exec_expunge(SessionPtr s, CommandPtr c) {
    std::optional<SequenceSet> uids = std::get<ExpungeCmd>(c->body).uids;
    if (s->selected->read_only) co_return Reply::no("Mailbox is read-only", "READ-ONLY");
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::ExpungeRequest req;
    req.mailbox = s->selected->view.mailbox();
    req.only_deleted = true;
    if (uids) {
        if (uids->saved) {
            if (!s->selected->saved_search || s->selected->saved_search->empty())
                co_return Reply::ok("EXPUNGE completed (no messages)");
            for (store::Uid u : *s->selected->saved_search)
                req.uids.push_back(store::UidRange{u, u});
        } else {
            req.uids = uid_ranges(*uids, s->selected->view.max_uid());
            if (req.uids.empty()) co_return Reply::ok("EXPUNGE completed (no messages)");
        }
    }
    store::MailboxId mbid = req.mailbox;
    auto res = co_await net::await_store<store::ExpungeResult>(
        [&](auto done) { st->expunge(std::move(req), std::move(done)); });
    if (!res) co_return store_error_reply(res.error(), "EXPUNGE failed");
    if (!s->selected || s->selected->view.mailbox() != mbid)
        co_return Reply::ok("EXPUNGE completed");
    s->selected->view.note_expunged(res->expunged);
    // Send them (and whatever else is pending) now, so HIGHESTMODSEQ below
    // covers everything the client has been told.
    co_await s->send_updates(true, true);
    if (s->condstore && s->selected)
        co_return Reply::ok("EXPUNGE completed",
                            "HIGHESTMODSEQ " + std::to_string(s->selected->view.known_modseq()));
    co_return Reply::ok("EXPUNGE completed");
}

}  // namespace postamt::imap
