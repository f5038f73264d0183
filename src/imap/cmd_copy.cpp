// COPY / UID COPY (RFC 9051 6.4.7, COPYUID RFC 4315) and MOVE / UID MOVE
// (RFC 6851).
#include "imap/acl_rights.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/message_set.h"
#include "imap/sequence_set.h"
#include "imap/shared_mailboxes.h"
#include "net/await_store.h"

namespace postamt::imap {

asio::awaitable<Reply> exec_copy(SessionPtr s, CommandPtr c) {
    CopyCmd cmd = std::get<CopyCmd>(c->body);
    std::string verb = cmd.move ? "MOVE" : "COPY";
    if (cmd.move && s->selected->read_only)
        co_return Reply::no("Mailbox is read-only", "READ-ONLY");
    auto seqs = target_seqs(*s, cmd.set, cmd.uid);
    if (!seqs) co_return Reply::bad("Invalid message sequence number");
    auto name = mailbox_from_wire(cmd.mailbox, s->utf8());
    if (!name) co_return Reply::no(name.error().message, "CANNOT");

    std::shared_ptr<store::Store> st = s->ctx->store;
    std::string n = *name;
    // Own or shared (shared_mailboxes.h); COPY/MOVE into it needs "i" (RFC 4314 4).
    auto dest = co_await resolve_mailbox(s, n);
    if (!dest) {
        // RFC 9051 6.4.7: no implicit creation; TRYCREATE tells the client it may.
        if (dest.error().code == Errc::not_found)
            co_return Reply::no("Mailbox does not exist", "TRYCREATE");
        co_return store_error_reply(dest.error(), verb + " failed");
    }
    if (!acl::has(dest->rights, 'i'))
        co_return Reply::no("Copying needs the \"i\" right", "NOPERM");
    if (seqs->empty()) co_return Reply::ok(verb + " completed (no messages)");
    if (!s->selected) co_return Reply::no("No mailbox selected");

    store::CopyRequest req;
    req.from = s->selected->view.mailbox();
    req.to = dest->mailbox.id;
    req.uids = uid_ranges_of(s->selected->view, *seqs);
    req.move = cmd.move;
    if (cmd.move && req.from == req.to)
        co_return Reply::no("Cannot move messages into the same mailbox", "CANNOT");
    store::MailboxId from = req.from;
    auto res = co_await net::await_store<store::CopyResult>(
        [&](auto done) { st->copy(std::move(req), std::move(done)); });
    if (!res) {
        if (res.error().code == Errc::over_quota)
            co_return Reply::no("Mailbox is full (quota exceeded)", "OVERQUOTA");
        co_return store_error_reply(res.error(), verb + " failed");
    }
    if (s->selected && s->selected->view.mailbox() == dest->mailbox.id)
        co_await s->pull_changes(true);
    std::string copyuid;
    if (!res->mapping.empty()) {
        std::vector<uint32_t> src, dst;
        for (const auto& [a, b] : res->mapping) {
            src.push_back(a);
            dst.push_back(b);
        }
        copyuid = "COPYUID " + std::to_string(res->dest_uid_validity) + " " + format_sequence(src) +
                  " " + format_sequence(dst);
    }
    if (cmd.move) {
        // RFC 6851 4.3: COPYUID in an untagged OK before the expunges.
        if (!copyuid.empty()) s->send("* OK [" + copyuid + "] Moved\r\n");
        if (s->selected && s->selected->view.mailbox() == from) {
            s->selected->view.note_expunged(res->expunged);
            s->send(s->selected->view.take_updates(true, s->wording(), s->recent_claim()));
        }
        co_return Reply::ok("MOVE completed");
    }
    co_return Reply::ok("COPY completed", copyuid);
}

}  // namespace postamt::imap
