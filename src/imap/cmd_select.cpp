// SELECT / EXAMINE (RFC 9051 6.3.2/6.3.3, CONDSTORE/QRESYNC RFC 7162 3.1.2
// and 3.2.5), CLOSE, UNSELECT (RFC 3691), CHECK.
#include <algorithm>

#include "common/log.h"
#include "imap/acl_rights.h"
#include "imap/executors.h"
#include "imap/mailbox_names.h"
#include "imap/recent_registry.h"
#include "imap/sequence_set.h"
#include "imap/shared_mailboxes.h"
#include "imap/status_data.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

// `known` minus the UIDs the view shows: what QRESYNC must report as
// VANISHED (EARLIER) when the store's expunge history does not reach back
// far enough (RFC 7162 3.2.5.2 allows this answer).
std::vector<uint32_t> missing_uids(const std::vector<store::UidRange>& known, const MailboxView& v,
                                   std::size_t cap) {
    std::vector<uint32_t> out;
    for (const auto& r : known) {
        for (uint64_t u = r.first; u <= r.last && out.size() < cap; ++u) {
            if (u >= v.uid_next()) break;
            if (!v.seq_of(static_cast<store::Uid>(u))) out.push_back(static_cast<uint32_t>(u));
        }
    }
    return out;
}

// The untagged responses of a successful SELECT/EXAMINE (RFC 9051 6.3.2
// order), IMAP4rev1 extras when IMAP4rev2 is not enabled.
std::string select_responses(const Session& s, bool examine) {
    const MailboxView& v = s.selected->view;
    std::string out;
    std::string flags = defined_flags(v.keywords());
    out += "* FLAGS (" + flags + ")\r\n";
    if (examine)
        out += "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n";
    else
        out += "* OK [PERMANENTFLAGS (" + flags + " \\*)] Flags permitted\r\n";
    out += "* " + std::to_string(v.exists()) + " EXISTS\r\n";
    if (!s.rev2) {
        out += "* " + std::to_string(v.recent_count()) + " RECENT\r\n";
        if (auto u = v.first_unseen())
            out += "* OK [UNSEEN " + std::to_string(*u) + "] First unseen\r\n";
    }
    out += "* OK [UIDVALIDITY " + std::to_string(v.uid_validity()) + "] UIDs valid\r\n";
    out += "* OK [UIDNEXT " + std::to_string(v.uid_next()) + "] Predicted next UID\r\n";
    out += "* OK [HIGHESTMODSEQ " + std::to_string(v.known_modseq()) + "] Highest\r\n";
    out += "* OK [MAILBOXID (" + mailbox_object_id(v.mailbox()) + ")] Ok\r\n";
    return out;
}

// "* LIST (attributes) "/" name" for the selected mailbox. Children are
// known for the account's own mailboxes (`own` lists them).
std::string select_list_response(const Session& s, const store::Mailbox& box,
                                 const std::vector<store::Mailbox>* own) {
    std::string attrs;
    if (own) {
        bool listed = false, children = false;
        for (const auto& m : *own) {
            if (m.id == box.id) listed = true;
            if (m.name.size() > box.name.size() &&
                m.name.compare(0, box.name.size(), box.name) == 0 && m.name[box.name.size()] == '/')
                children = true;
        }
        if (listed) attrs = children ? "\\HasChildren" : "\\HasNoChildren";
    }
    if (!box.special_use.empty()) attrs += (attrs.empty() ? "" : " ") + box.special_use;
    std::string out = "* LIST (" + attrs + ") \"/\" ";
    append_mailbox(out, s.selected->name, s.utf8());
    return out + "\r\n";
}

// A changed message in the QRESYNC answer; nothing for one the view does
// not show yet (it is announced with EXISTS later).
std::string qresync_fetch(const Session& s, const store::MessageRow& row) {
    const MailboxView& v = s.selected->view;
    auto seq = v.seq_of(row.uid);
    if (!seq) return {};
    bool recent = v.at_seq(*seq).flags & MailboxView::kRecent;
    return format_flags_fetch(*seq, row, recent && !s.rev2, true, true);
}

}  // namespace

asio::awaitable<Reply> exec_select(SessionPtr s, CommandPtr c) {
    SelectCmd sel = std::get<SelectCmd>(c->body);
    std::string verb = sel.examine ? "EXAMINE" : "SELECT";
    if (s->selected) {
        // RFC 9051 6.3.2: selecting closes the current mailbox first (no
        // EXPUNGE of \Deleted messages); CLOSED marks the boundary (RFC 7162 3.2.11).
        s->unselect();
        s->send("* OK [CLOSED] Previous mailbox closed\r\n");
    }
    if (sel.qresync && !s->qresync)
        co_return Reply::bad("QRESYNC must be enabled first (ENABLE QRESYNC)");
    if (sel.condstore || sel.qresync) s->condstore = true;
    auto name = mailbox_from_wire(sel.mailbox, s->utf8());
    if (!name) co_return Reply::no(name.error().message, "CANNOT");

    std::shared_ptr<store::Store> st = s->ctx->store;
    std::string n = *name;
    auto resolved = co_await resolve_mailbox(s, n);  // own or shared (shared_mailboxes.h)
    if (!resolved) co_return store_error_reply(resolved.error(), "Cannot select mailbox");
    if (!acl::has(resolved->rights, 'r'))
        co_return Reply::no("Selecting needs the \"r\" right", "NOPERM");
    bool read_only = sel.examine;
    for (char right : std::string_view("swte"))
        read_only = read_only || !acl::has(resolved->rights, right);
    store::Mailbox box = resolved->mailbox;
    std::string visible_name = resolved->own ? box.name : n;
    // Rows after the mailbox row: a message delivered in between shows up
    // in both, never in neither.
    store::MailboxId mbid = box.id;
    auto rows = co_await net::await_store<std::vector<store::MessageRow>>(
        [&](auto done) { st->fetch_rows(mbid, {}, std::move(done)); });
    if (!rows) co_return store_error_reply(rows.error(), "Cannot select mailbox");

    // \Recent (IMAP4rev1): the first session after this process started
    // gets the messages stored since then; later ones what is new to all.
    store::Uid initial = 0;
    int64_t started = RecentRegistry::instance().started();
    for (const auto& r : *rows)
        if (r.save_date < started) initial = std::max(initial, r.uid);
    store::Uid highest = rows->empty() ? 0 : rows->back().uid;
    store::Uid recent_after = highest;
    if (!s->rev2)
        recent_after = RecentRegistry::instance().boundary(box.id, highest, !read_only, initial);

    auto selected = std::make_unique<SelectedMailbox>();
    selected->name = visible_name;
    selected->read_only = read_only;
    selected->view.open(box, *rows, recent_after);
    std::vector<store::MessageRow>().swap(*rows);
    s->select(std::move(selected));
    s->send(select_responses(*s, read_only));
    if (s->rev2) {
        // RFC 9051 6.3.2: IMAP4rev2 requires a LIST response for the
        // selected mailbox, with accurate attributes.
        store::AccountId acct = s->account->id;
        auto boxes = co_await net::await_store<std::vector<store::Mailbox>>(
            [&](auto done) { st->list_mailboxes(acct, std::move(done)); });
        if (s->selected) s->send(select_list_response(*s, box, boxes ? &*boxes : nullptr));
    }

    if (sel.qresync && sel.qresync->uid_validity == s->selected->view.uid_validity()) {
        // RFC 7162 3.2.5.1: what changed since the client's MODSEQ.
        QresyncParams q = *sel.qresync;
        store::ModSeq since = q.modseq;
        auto ch = co_await net::await_store<store::MailboxChanges>(
            [&](auto done) { st->changes_since(mbid, since, std::move(done)); });
        if (!s->selected || s->selected->view.mailbox() != mbid)
            co_return Reply::no("Selection changed");
        if (ch) {
            std::vector<store::UidRange> known;
            if (q.known_uids)
                known = uid_ranges(*q.known_uids, 0xFFFFFFFFu);
            else
                known.push_back(store::UidRange{1, 0xFFFFFFFFu});
            std::vector<uint32_t> vanished;
            if (ch->expunges_complete) {
                for (store::Uid u : ch->expunged)
                    if (contains(known, u)) vanished.push_back(u);
            } else {
                vanished = missing_uids(known, s->selected->view, 1000000);
            }
            if (!vanished.empty())
                s->send("* VANISHED (EARLIER) " + format_set_unsorted(vanished) + "\r\n");
            for (std::size_t i = 0; i < ch->changed.size(); ++i) {
                s->send(qresync_fetch(*s, ch->changed[i]));
                if (!co_await s->flush_if_large()) break;
            }
        }
    }
    log::debug("event=imap_select conn={} mailbox={} exists={} read_only={}", s->conn->id(),
               log::quote(n), s->selected ? s->selected->view.exists() : 0, read_only);
    co_return Reply::ok(verb + " completed", read_only ? "READ-ONLY" : "READ-WRITE");
}

asio::awaitable<Reply> exec_close(SessionPtr s, CommandPtr) {
    if (!s->selected->read_only) {
        // RFC 9051 6.4.1: CLOSE removes \Deleted messages silently.
        std::shared_ptr<store::Store> st = s->ctx->store;
        store::ExpungeRequest req;
        req.mailbox = s->selected->view.mailbox();
        req.only_deleted = true;
        auto r = co_await net::await_store<store::ExpungeResult>(
            [&](auto done) { st->expunge(std::move(req), std::move(done)); });
        if (!r && r.error().code != Errc::not_found) {
            s->unselect();
            co_return store_error_reply(r.error(), "Mailbox closed, but expunging failed");
        }
    }
    s->unselect();
    co_return Reply::ok("CLOSE completed");
}

asio::awaitable<Reply> exec_unselect(SessionPtr s, CommandPtr) {
    s->unselect();
    co_return Reply::ok("UNSELECT completed");
}

asio::awaitable<Reply> exec_check(SessionPtr s, CommandPtr) {
    // Every change is durable when its command completes; CHECK only polls.
    co_await s->pull_changes(true);
    co_return Reply::ok("CHECK completed");
}

}  // namespace postamt::imap
