// FETCH / UID FETCH (RFC 9051 6.4.5, CONDSTORE CHANGEDSINCE and QRESYNC
// VANISHED RFC 7162 3.1.4/3.2.6, BINARY RFC 3516, PREVIEW RFC 8970,
// OBJECTID RFC 8474, SAVEDATE RFC 8514).
//
// Produced incrementally: messages are read from the store in batches,
// responses go out whenever ~256 KiB are buffered, and a big body is
// streamed from the blob in 256 KiB chunks behind its literal header, so
// `UID FETCH 1:* (FLAGS)` on 100,000 messages or a 40 MB BODY[] never sit
// whole in memory.
#include <algorithm>

#include "common/log.h"
#include "imap/executors.h"
#include "imap/fetch_items.h"
#include "imap/message_render.h"
#include "imap/sequence_set.h"
#include "imap/wire_string.h"
#include "mime/message_parser.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

constexpr std::size_t kBatch = 500;       // messages per store read
constexpr uint64_t kChunk = 256 * 1024;   // blob read / stream unit
constexpr uint64_t kInline = 256 * 1024;  // larger sections are streamed

struct Plan {
    std::vector<FetchItem> items;  // as answered (UID/MODSEQ added where required)
    bool summary = false;          // some item needs the parsed structure
    bool set_seen = false;         // some item sets \Seen (and the mailbox is writable)
    bool flags_requested = false;
    bool utf8 = false;
    bool recent = true;  // IMAP4rev1 \Recent in FLAGS
    std::optional<uint64_t> changed_since;
};

bool whole_message(const FetchItem& it) {
    return (it.attr == FetchAttr::rfc822) ||
           (it.attr == FetchAttr::body_section && it.section.part.empty() &&
            it.section.text == SectionText::none);
}

// A row for a message the view still shows but the store has expunged
// (its blob stays readable under the session's pin).
store::MessageRow row_from_entry(const MailboxView::Entry& e) {
    store::MessageRow r;
    r.uid = e.uid;
    r.modseq = e.modseq;
    r.flags.system = e.flags & ~MailboxView::kRecent;
    r.blob = store::BlobRef{e.blob, e.size};
    r.internal_date = e.internal_date;
    return r;
}

asio::awaitable<Result<std::string>> read_bytes(SessionPtr s, store::BlobRef blob, uint64_t offset,
                                                uint64_t length) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    auto r = co_await net::await_store<std::string>([&](auto done) {
        st->read_blob(blob, static_cast<int64_t>(offset), static_cast<int64_t>(length),
                      std::move(done));
    });
    co_return r;
}

// The parsed structure: the stored summary, or (if that cannot be read)
// parsed again from the blob.
asio::awaitable<std::shared_ptr<mime::ParsedMessage>> load_structure(SessionPtr s,
                                                                     store::BlobRef blob) {
    std::shared_ptr<store::Store> st = s->ctx->store;
    store::BlobId id = blob.id;
    auto sum = co_await net::await_store<std::string>(
        [&](auto done) { st->read_summary(id, std::move(done)); });
    if (sum) {
        if (auto pm = mime::deserialize(*sum))
            co_return std::make_shared<mime::ParsedMessage>(std::move(*pm));
    }
    auto whole = co_await read_bytes(s, blob, 0, static_cast<uint64_t>(blob.size));
    if (!whole) co_return nullptr;
    co_return std::make_shared<mime::ParsedMessage>(mime::parse_message(*whole));
}

// Sends " NAME {n}\r\n<bytes>" streaming the range from the blob; false when
// the connection failed or the blob vanished mid-stream (the literal cannot
// be completed: the caller ends the session).
asio::awaitable<bool> stream_range(SessionPtr s, std::string name, store::BlobRef blob,
                                   ByteRange range) {
    s->send(name + " {" + std::to_string(range.length) + "}\r\n");
    uint64_t done_bytes = 0;
    while (done_bytes < range.length) {
        uint64_t n = std::min(kChunk, range.length - done_bytes);
        auto piece = co_await read_bytes(s, blob, range.offset + done_bytes, n);
        if (!piece || piece->size() != n) {
            log::error("event=imap_fetch_stream_failed conn={} blob={}", s->conn->id(), blob.id);
            co_return false;
        }
        s->send(*piece);
        done_bytes += n;
        if (!co_await s->conn->flush()) co_return false;
    }
    co_return true;
}

// One body-related item of one message, appended to `out` (or streamed,
// after sending `out`). Returns false when the session must end.
// `unknown_cte` is set for BINARY of a part whose encoding is unknown.
asio::awaitable<bool> body_item(SessionPtr s, std::string* out, FetchItem it, store::MessageRow row,
                                std::shared_ptr<mime::ParsedMessage> msg, bool utf8, bool first,
                                bool* unknown_cte) {
    // Items are separated by one space; the first follows "(" directly.
    std::string sep = first ? "" : " ";
    std::string name = sep + body_item_name(it);
    switch (it.attr) {
        case FetchAttr::envelope:
            *out += sep + "ENVELOPE ";
            if (msg)
                append_envelope(*out, msg->envelope(), utf8);
            else
                *out += "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)";
            co_return true;
        case FetchAttr::body:
        case FetchAttr::bodystructure:
            *out += sep + (it.attr == FetchAttr::body ? "BODY " : "BODYSTRUCTURE ");
            if (msg)
                append_body_structure(*out, *msg, 0, it.attr == FetchAttr::bodystructure, utf8);
            else
                *out += "(\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 0 0)";
            co_return true;
        case FetchAttr::preview: {
            *out += sep + "PREVIEW ";
            uint32_t part = msg ? preview_part(*msg) : mime::kNoIndex;
            if (part == mime::kNoIndex) {
                *out += "\"\"";
                co_return true;
            }
            const mime::Part p = msg->parts[part];
            uint64_t len = std::min<uint64_t>(p.size(), kPreviewReadLimit);
            auto bytes = co_await read_bytes(s, row.blob, p.body_start, len);
            if (!bytes) {
                *out += "NIL";
                co_return true;
            }
            append_string(*out, preview_from_body(p, *bytes), utf8);
            co_return true;
        }
        default:
            break;
    }

    Section sec = it.section;
    if (it.attr == FetchAttr::rfc822) sec = Section{};
    if (it.attr == FetchAttr::rfc822_header) sec = Section{{}, SectionText::header, {}};
    if (it.attr == FetchAttr::rfc822_text) sec = Section{{}, SectionText::text, {}};

    if (it.attr == FetchAttr::binary_section || it.attr == FetchAttr::binary_size) {
        // RFC 3516: the part's content with its transfer encoding undone.
        if (!msg) {
            *out += name + (it.attr == FetchAttr::binary_size ? " 0" : " NIL");
            co_return true;
        }
        std::string enc = binary_encoding_for(*msg, sec);
        if (!binary_encoding_known(enc)) {
            *unknown_cte = true;
            co_return true;
        }
        Section content{sec.part, SectionText::none, {}};
        SectionLocation loc = locate_section(*msg, content);
        std::string bytes;
        if (loc.found && loc.range.length) {
            auto r = co_await read_bytes(s, row.blob, loc.range.offset, loc.range.length);
            if (!r) {
                *out += name + " NIL";
                co_return true;
            }
            bytes = std::move(*r);
        }
        if (it.attr == FetchAttr::binary_size) {
            auto n = binary_size(bytes, enc);
            *out += name + " " + std::to_string(n ? *n : 0);
            co_return true;
        }
        auto decoded = decode_binary(bytes, enc);
        std::string_view data =
            clip_text(decoded ? std::string_view(*decoded) : std::string_view(), it.partial);
        *out += name + " ";
        // literal8 when the data holds NUL (RFC 3516 4.2).
        append_literal(*out, data, data.find('\0') != std::string_view::npos);
        co_return true;
    }

    ByteRange range;
    SectionLocation loc;
    if (whole_message(it) || !msg) {
        if (!whole_message(it)) {
            *out += name + " NIL";
            co_return true;
        }
        loc.found = true;
        loc.range = ByteRange{0, static_cast<uint64_t>(row.blob.size)};
    } else {
        loc = locate_section(*msg, sec);
    }
    if (!loc.found) {
        // RFC 9051 6.4.5: a section that does not exist is an empty string.
        *out += name + " \"\"";
        co_return true;
    }
    if (loc.filter != FieldFilter::none) {
        auto hdr = co_await read_bytes(s, row.blob, loc.range.offset, loc.range.length);
        if (!hdr) {
            *out += name + " NIL";
            co_return true;
        }
        std::string filtered = filter_header_fields(
            *hdr, sec.fields, loc.filter == FieldFilter::fields_not, loc.blank_line);
        *out += name + " ";
        append_literal(*out, clip_text(filtered, it.partial));
        co_return true;
    }
    range = clip_range(loc.range, it.partial);
    if (range.length > kInline) {
        s->send(*out);
        out->clear();
        bool ok = co_await stream_range(s, name, row.blob, range);
        co_return ok;
    }
    std::string data;
    if (range.length) {
        auto r = co_await read_bytes(s, row.blob, range.offset, range.length);
        if (!r) {
            *out += name + " NIL";
            co_return true;
        }
        data = std::move(*r);
    }
    *out += name + " ";
    append_literal(*out, data);
    co_return true;
}

// The whole "* n FETCH (...)" of one message. false: end the session.
asio::awaitable<bool> fetch_one(SessionPtr s, uint32_t seq, store::MessageRow row, bool recent,
                                bool add_flags, std::shared_ptr<const Plan> plan,
                                bool* unknown_cte) {
    std::string out = "* " + std::to_string(seq) + " FETCH (";
    std::shared_ptr<mime::ParsedMessage> msg;
    if (plan->summary) msg = co_await load_structure(s, row.blob);
    bool first = true;
    std::vector<FetchItem> items = plan->items;
    if (add_flags) {
        FetchItem f;
        f.attr = FetchAttr::flags;
        items.push_back(f);
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
        FetchItem it = items[i];
        if (is_row_item(it.attr)) {
            if (!first) out += ' ';
            append_row_item(out, it, row, recent && plan->recent);
        } else {
            bool ok = co_await body_item(s, &out, it, row, msg, plan->utf8, first, unknown_cte);
            if (!ok) co_return false;
        }
        first = false;
    }
    out += ")\r\n";
    s->send(out);
    bool ok = co_await s->flush_if_large();
    co_return ok;
}

// Seq runs to UID ranges: consecutive sequence numbers cover exactly the
// UIDs between their ends (UIDs only grow).
std::vector<store::UidRange> ranges_for(const MailboxView& v, const std::vector<uint32_t>& seqs,
                                        std::size_t from, std::size_t to) {
    std::vector<store::UidRange> out;
    for (std::size_t i = from; i < to; ++i) {
        store::Uid u = v.at_seq(seqs[i]).uid;
        if (!out.empty() && i > from && seqs[i] == seqs[i - 1] + 1)
            out.back().last = u;
        else
            out.push_back(store::UidRange{u, u});
    }
    return out;
}

// The store's row for a shown message, or one from the view's cache when
// the store no longer has it (expunged by someone else, not announced yet).
store::MessageRow pick_row(const std::vector<store::MessageRow>& rows,
                           const MailboxView::Entry& e) {
    auto it = std::lower_bound(rows.begin(), rows.end(), e.uid,
                               [](const store::MessageRow& a, store::Uid u) { return a.uid < u; });
    if (it != rows.end() && it->uid == e.uid) return *it;
    return row_from_entry(e);
}

// Our own \Seen change replaces the batch's rows; CHANGEDSINCE keeps
// comparing against the MODSEQ the message had before it.
void merge_seen(std::vector<store::MessageRow>& rows, const std::vector<store::MessageRow>& changed,
                std::optional<uint64_t> changed_since, std::vector<store::Uid>& seen_now) {
    for (const auto& nr : changed) {
        seen_now.push_back(nr.uid);
        auto it =
            std::lower_bound(rows.begin(), rows.end(), nr.uid,
                             [](const store::MessageRow& a, store::Uid u) { return a.uid < u; });
        if (it == rows.end() || it->uid != nr.uid) continue;
        store::ModSeq before = it->modseq;
        *it = nr;
        if (changed_since && before <= *changed_since) it->modseq = before;
    }
    std::sort(seen_now.begin(), seen_now.end());
}

}  // namespace

asio::awaitable<Reply> exec_fetch(SessionPtr s, CommandPtr c) {
    FetchCmd f = std::get<FetchCmd>(c->body);
    if (f.vanished && !s->qresync) co_return Reply::bad("VANISHED needs ENABLE QRESYNC");
    if (f.changed_since) s->condstore = true;

    std::vector<uint32_t> seqs;
    {
        const MailboxView& v = s->selected->view;
        if (f.set.saved) {
            if (s->selected->saved_search) {
                for (store::Uid u : *s->selected->saved_search)
                    if (auto q = v.seq_of(u)) seqs.push_back(*q);
            }
        } else if (f.uid) {
            seqs = v.seqs_in(uid_ranges(f.set, v.max_uid()));
        } else {
            auto n = sequence_numbers(f.set, v.exists());
            if (!n) co_return Reply::bad("Invalid message sequence number");
            seqs = std::move(*n);
        }
    }

    auto plan = std::make_shared<Plan>();
    plan->utf8 = s->utf8();
    plan->recent = !s->rev2;
    plan->changed_since = f.changed_since;
    bool has_uid = false, has_modseq = false;
    for (const auto& it : f.items) {
        if (it.attr == FetchAttr::uid) has_uid = true;
        if (it.attr == FetchAttr::modseq) has_modseq = true;
        if (it.attr == FetchAttr::flags) plan->flags_requested = true;
        if (needs_summary(it.attr) && !whole_message(it)) plan->summary = true;
        if (sets_seen(it) && !s->selected->read_only) plan->set_seen = true;
    }
    if (has_modseq) s->condstore = true;
    if (f.uid && !has_uid) {
        FetchItem u;
        u.attr = FetchAttr::uid;
        plan->items.push_back(u);
    }
    for (const auto& it : f.items) plan->items.push_back(it);
    // RFC 7162 3.1.4.1: CHANGEDSINCE implies MODSEQ in the answer.
    if (f.changed_since && !has_modseq) {
        FetchItem m;
        m.attr = FetchAttr::modseq;
        plan->items.push_back(m);
    }
    std::shared_ptr<const Plan> cplan = plan;

    std::shared_ptr<store::Store> st = s->ctx->store;
    store::MailboxId mbid = s->selected->view.mailbox();

    if (f.vanished && f.changed_since) {
        // RFC 7162 3.2.6: expunged UIDs in the set since the given MODSEQ.
        store::ModSeq since = *f.changed_since;
        auto ch = co_await net::await_store<store::MailboxChanges>(
            [&](auto done) { st->changes_since(mbid, since, std::move(done)); });
        if (ch) {
            auto ranges = uid_ranges(f.set, s->selected->view.max_uid());
            std::vector<uint32_t> gone;
            for (store::Uid u : ch->expunged)
                if (contains(ranges, u)) gone.push_back(u);
            if (!gone.empty())
                s->send("* VANISHED (EARLIER) " + format_set_unsorted(gone) + "\r\n");
        }
    }

    bool unknown_cte = false;
    for (std::size_t from = 0; from < seqs.size(); from += kBatch) {
        std::size_t to = std::min(seqs.size(), from + kBatch);
        if (!s->selected || s->selected->view.mailbox() != mbid) break;
        std::vector<store::UidRange> ranges = ranges_for(s->selected->view, seqs, from, to);
        auto rows = co_await net::await_store<std::vector<store::MessageRow>>(
            [&](auto done) { st->fetch_rows(mbid, ranges, std::move(done)); });
        if (!rows) co_return store_error_reply(rows.error(), "FETCH failed");
        if (!s->selected || s->selected->view.mailbox() != mbid) break;

        // \Seen for the messages of this batch that get a body item.
        std::vector<store::Uid> seen_now;
        if (cplan->set_seen) {
            store::FlagChange fc;
            fc.mailbox = mbid;
            fc.op = store::FlagOp::add;
            fc.flags.system = store::kSeen;
            for (const auto& r : *rows)
                if (!(r.flags.system & store::kSeen) &&
                    (!cplan->changed_since || r.modseq > *cplan->changed_since))
                    fc.uids.push_back(store::UidRange{r.uid, r.uid});
            if (!fc.uids.empty()) {
                auto ch = co_await net::await_store<store::FlagChangeResult>(
                    [&](auto done) { st->change_flags(std::move(fc), std::move(done)); });
                if (ch) {
                    merge_seen(*rows, ch->changed, cplan->changed_since, seen_now);
                    if (s->selected) s->selected->view.note_rows(ch->changed);
                }
            }
        }

        for (std::size_t i = from; i < to; ++i) {
            if (!s->selected || s->selected->view.mailbox() != mbid) break;
            uint32_t seq = seqs[i];
            MailboxView::Entry e = s->selected->view.at_seq(seq);
            store::MessageRow row = pick_row(*rows, e);
            if (cplan->changed_since && row.modseq <= *cplan->changed_since &&
                !std::binary_search(seen_now.begin(), seen_now.end(), row.uid))
                continue;
            bool add_flags = !cplan->flags_requested &&
                             std::binary_search(seen_now.begin(), seen_now.end(), row.uid);
            bool recent = e.flags & MailboxView::kRecent;
            if (!co_await fetch_one(s, seq, std::move(row), recent, add_flags, cplan,
                                    &unknown_cte)) {
                Reply r = Reply::no("FETCH failed: connection or message data lost");
                r.close = true;
                co_return r;
            }
        }
    }
    if (unknown_cte) co_return Reply::no("Unknown Content-Transfer-Encoding", "UNKNOWN-CTE");
    co_return Reply::ok("FETCH completed");
}

}  // namespace postamt::imap
