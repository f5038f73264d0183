#include "imap/mailbox_view.h"

#include <algorithm>

#include "common/text.h"
#include "imap/response.h"
#include "imap/sequence_set.h"

namespace postamt::imap {
namespace {

MailboxView::Entry entry_from(const store::MessageRow& r, bool recent) {
    MailboxView::Entry e;
    e.uid = r.uid;
    e.flags = r.flags.system | (recent ? MailboxView::kRecent : 0);
    e.modseq = r.modseq;
    e.blob = r.blob.id;
    e.size = r.blob.size;
    e.internal_date = r.internal_date;
    return e;
}

bool uid_less(const store::MessageRow& r, store::Uid u) { return r.uid < u; }

// Inserts or replaces by UID in a UID-sorted row list.
void upsert(std::vector<store::MessageRow>& rows, const store::MessageRow& row) {
    auto it = std::lower_bound(rows.begin(), rows.end(), row.uid, uid_less);
    if (it != rows.end() && it->uid == row.uid)
        *it = row;
    else
        rows.insert(it, row);
}

void erase_uid(std::vector<store::MessageRow>& rows, store::Uid uid) {
    auto it = std::lower_bound(rows.begin(), rows.end(), uid, uid_less);
    if (it != rows.end() && it->uid == uid) rows.erase(it);
}

}  // namespace

std::string format_flags_fetch(uint32_t seq, const store::MessageRow& row, bool recent,
                               bool with_uid, bool with_modseq) {
    std::string out = "* " + std::to_string(seq) + " FETCH (FLAGS ";
    append_flag_list(out, row.flags.system, row.flags.keywords, recent);
    if (with_uid) out += " UID " + std::to_string(row.uid);
    if (with_modseq) out += " MODSEQ (" + std::to_string(row.modseq) + ")";
    out += ")\r\n";
    return out;
}

void MailboxView::open(const store::Mailbox& mb, const std::vector<store::MessageRow>& rows,
                       store::Uid recent_after) {
    mailbox_ = mb.id;
    uid_validity_ = mb.uid_validity;
    uid_next_ = mb.uid_next;
    known_modseq_ = mb.highest_modseq;
    entries_.clear();
    entries_.reserve(rows.size());
    keywords_.clear();
    for (const auto& r : rows) {
        entries_.push_back(entry_from(r, r.uid > recent_after));
        add_keywords(r.flags.keywords);
        if (r.uid >= uid_next_) uid_next_ = r.uid + 1;
    }
    keywords_changed_ = false;
    pending_expunged_.clear();
    pending_new_.clear();
    pending_flags_.clear();
}

uint32_t MailboxView::recent_count() const {
    return static_cast<uint32_t>(std::count_if(entries_.begin(), entries_.end(),
                                               [](const Entry& e) { return e.flags & kRecent; }));
}

std::optional<uint32_t> MailboxView::seq_of(store::Uid uid) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), uid,
                               [](const Entry& e, store::Uid u) { return e.uid < u; });
    if (it == entries_.end() || it->uid != uid) return std::nullopt;
    return static_cast<uint32_t>(it - entries_.begin()) + 1;
}

MailboxView::Entry* MailboxView::find(store::Uid uid) {
    auto s = seq_of(uid);
    return s ? &entries_[*s - 1] : nullptr;
}

std::vector<uint32_t> MailboxView::seqs_in(const std::vector<store::UidRange>& ranges) const {
    std::vector<uint32_t> out;
    for (const auto& r : ranges) {
        auto it = std::lower_bound(entries_.begin(), entries_.end(), r.first,
                                   [](const Entry& e, store::Uid u) { return e.uid < u; });
        for (; it != entries_.end() && it->uid <= r.last; ++it)
            out.push_back(static_cast<uint32_t>(it - entries_.begin()) + 1);
    }
    return out;
}

bool MailboxView::is_expunged(store::Uid uid) const {
    return std::binary_search(pending_expunged_.begin(), pending_expunged_.end(), uid);
}

std::optional<uint32_t> MailboxView::first_unseen() const {
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (!(entries_[i].flags & store::kSeen)) return static_cast<uint32_t>(i) + 1;
    return std::nullopt;
}

void MailboxView::add_keywords(const std::vector<std::string>& kws) {
    for (const auto& k : kws) {
        bool known = std::any_of(keywords_.begin(), keywords_.end(),
                                 [&](const std::string& x) { return text::iequals(x, k); });
        if (!known) {
            keywords_.push_back(k);
            keywords_changed_ = true;
        }
    }
}

void MailboxView::note_keywords(const std::vector<std::string>& keywords) {
    add_keywords(keywords);
}

void MailboxView::apply(const store::MailboxChanges& ch) {
    for (const auto& row : ch.changed) {
        add_keywords(row.flags.keywords);
        if (Entry* e = find(row.uid)) {
            if (e->modseq >= row.modseq) continue;  // already known (own change)
            e->flags = row.flags.system | (e->flags & kRecent);
            e->modseq = row.modseq;
            upsert(pending_flags_, row);
        } else if (row.uid > max_uid()) {
            upsert(pending_new_, row);
        }
        // Otherwise: a UID below the view's highest that the view does not
        // show was expunged and announced already; nothing to tell.
    }
    for (store::Uid uid : ch.expunged) {
        erase_uid(pending_new_, uid);
        erase_uid(pending_flags_, uid);
        if (find(uid)) {
            auto it = std::lower_bound(pending_expunged_.begin(), pending_expunged_.end(), uid);
            if (it == pending_expunged_.end() || *it != uid) pending_expunged_.insert(it, uid);
        }
    }
    if (ch.uid_next > uid_next_) uid_next_ = ch.uid_next;
    known_modseq_ = std::max(known_modseq_, ch.highest_modseq);
}

bool MailboxView::has_pending() const {
    return !pending_expunged_.empty() || !pending_new_.empty() || !pending_flags_.empty() ||
           keywords_changed_;
}

void MailboxView::note_rows(const std::vector<store::MessageRow>& rows) {
    for (const auto& row : rows) {
        add_keywords(row.flags.keywords);
        if (Entry* e = find(row.uid)) {
            if (row.modseq >= e->modseq) {
                e->flags = row.flags.system | (e->flags & kRecent);
                e->modseq = row.modseq;
            }
            auto it =
                std::lower_bound(pending_flags_.begin(), pending_flags_.end(), row.uid, uid_less);
            if (it != pending_flags_.end() && it->uid == row.uid && it->modseq <= row.modseq)
                pending_flags_.erase(it);
        }
    }
}

void MailboxView::note_expunged(const std::vector<store::Uid>& uids) {
    // Same bookkeeping as a pulled expunge, without moving known_modseq.
    for (store::Uid uid : uids) {
        erase_uid(pending_flags_, uid);
        if (find(uid)) {
            auto it = std::lower_bound(pending_expunged_.begin(), pending_expunged_.end(), uid);
            if (it == pending_expunged_.end() || *it != uid) pending_expunged_.insert(it, uid);
        }
    }
}

std::string MailboxView::take_updates(bool allow_expunge, const Wording& w,
                                      const RecentClaim& claim) {
    std::string out;
    if (allow_expunge && !pending_expunged_.empty()) {
        if (w.qresync) {
            out += "* VANISHED " + format_set(pending_expunged_) + "\r\n";
        } else {
            // Highest first: removing a message renumbers only those after it.
            for (auto it = pending_expunged_.rbegin(); it != pending_expunged_.rend(); ++it)
                if (auto s = seq_of(*it)) out += "* " + std::to_string(*s) + " EXPUNGE\r\n";
        }
        std::size_t keep = 0;
        for (std::size_t i = 0; i < entries_.size(); ++i)
            if (!std::binary_search(pending_expunged_.begin(), pending_expunged_.end(),
                                    entries_[i].uid))
                entries_[keep++] = entries_[i];
        entries_.resize(keep);
        pending_expunged_.clear();
    }
    if (keywords_changed_) {
        keywords_changed_ = false;
        std::string fl = defined_flags(keywords_);
        out += "* FLAGS (" + fl + ")\r\n";
        out += "* OK [PERMANENTFLAGS (" + fl + " \\*)] Flags permitted\r\n";
    }
    if (!pending_new_.empty()) {
        store::Uid boundary = claim ? claim(pending_new_.back().uid) : pending_new_.back().uid;
        for (const auto& r : pending_new_) {
            if (r.uid <= max_uid()) continue;  // cannot happen; keeps the order invariant
            entries_.push_back(entry_from(r, w.recent && r.uid > boundary));
            if (r.uid >= uid_next_) uid_next_ = r.uid + 1;
        }
        pending_new_.clear();
        out += "* " + std::to_string(entries_.size()) + " EXISTS\r\n";
        if (w.recent) out += "* " + std::to_string(recent_count()) + " RECENT\r\n";
    }
    for (const auto& r : pending_flags_) {
        auto s = seq_of(r.uid);
        if (!s) continue;
        out += format_flags_fetch(*s, r, w.recent && (entries_[*s - 1].flags & kRecent), true,
                                  w.condstore);
    }
    pending_flags_.clear();
    return out;
}

}  // namespace postamt::imap
