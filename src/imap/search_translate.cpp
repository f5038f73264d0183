#include "imap/search_translate.h"

#include <unicode/ucnv.h>

#include <limits>

#include "common/text.h"
#include "common/utf8.h"
#include "imap/object_id.h"
#include "imap/sequence_set.h"
#include "mime/charset.h"
#include "mime/date.h"

namespace postamt::imap {
namespace {

using K = SearchKey::Kind;
using N = store::SearchNode::Kind;

constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

store::SearchNode node(N k) {
    store::SearchNode n;
    n.kind = k;
    return n;
}

store::SearchNode uid_node(std::vector<store::UidRange> ranges) {
    if (ranges.empty()) return node(N::none);
    store::SearchNode n = node(N::uids);
    n.uids = std::move(ranges);
    return n;
}

// Sorted UIDs -> ranges (consecutive UIDs merged).
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

std::vector<store::UidRange> recent_ranges(const MailboxView& v) {
    std::vector<store::Uid> uids;
    for (const auto& e : v.entries())
        if (e.flags & MailboxView::kRecent) uids.push_back(e.uid);
    return ranges_of(uids);
}

// Sequence numbers beyond the mailbox match nothing in SEARCH (rather than
// failing the whole search); each range maps onto the UIDs it covers.
std::vector<store::UidRange> seq_ranges(const SequenceSet& set, const MailboxView& v) {
    uint32_t exists = v.exists();
    std::vector<store::UidRange> out;
    if (exists == 0) return out;
    for (const auto& r : set.ranges) {
        uint32_t a = r.first ? r.first : exists;
        uint32_t b = r.last ? r.last : exists;
        if (a > b) std::swap(a, b);
        if (a > exists) continue;
        if (b > exists) b = exists;
        out.push_back(store::UidRange{v.at_seq(a).uid, v.at_seq(b).uid});
    }
    return normalize_ranges(std::move(out));
}

store::SearchNode date_node(N kind, int64_t from, int64_t to) {
    store::SearchNode n = node(kind);
    n.date_from = from;
    n.date_to = to;
    return n;
}

struct Translator {
    const SearchInputs& in;
    std::optional<std::string_view> charset;
    bool uses_modseq = false;

    std::string text(const std::string& raw) {
        if (!charset || text::iequals(*charset, "UTF-8") || text::iequals(*charset, "US-ASCII")) {
            // Undeclared 8-bit text is taken as UTF-8 (RFC 9051 6.4.4 makes
            // UTF-8 the default); invalid sequences are repaired.
            return is_valid_utf8(raw) ? raw : mime::repair_utf8(raw);
        }
        return mime::to_utf8(raw, *charset);
    }

    store::SearchNode flag(uint32_t bit, bool set) {
        store::SearchNode n = node(set ? N::flags_set : N::flags_clear);
        n.number = bit;
        return n;
    }

    store::SearchNode header(const char* field, const std::string& value) {
        store::SearchNode n = node(N::header);
        n.field = field;
        n.value = text(value);
        return n;
    }

    store::SearchNode operator()(const SearchKey& k) {
        const MailboxView& v = *in.view;
        switch (k.kind) {
            case K::all:
                return node(N::all);
            case K::answered:
                return flag(store::kAnswered, true);
            case K::deleted:
                return flag(store::kDeleted, true);
            case K::draft:
                return flag(store::kDraft, true);
            case K::flagged:
                return flag(store::kFlagged, true);
            case K::seen:
                return flag(store::kSeen, true);
            case K::unanswered:
                return flag(store::kAnswered, false);
            case K::undeleted:
                return flag(store::kDeleted, false);
            case K::undraft:
                return flag(store::kDraft, false);
            case K::unflagged:
                return flag(store::kFlagged, false);
            case K::unseen:
                return flag(store::kSeen, false);
            case K::recent:
                return uid_node(recent_ranges(v));
            case K::new_: {
                // RFC 3501 6.4.4: NEW = RECENT UNSEEN.
                store::SearchNode n = node(N::and_);
                n.children.push_back(uid_node(recent_ranges(v)));
                n.children.push_back(flag(store::kSeen, false));
                return n;
            }
            case K::old: {
                store::SearchNode n = node(N::not_);
                n.children.push_back(uid_node(recent_ranges(v)));
                return n;
            }
            case K::keyword:
            case K::unkeyword: {
                store::SearchNode n = node(k.kind == K::keyword ? N::keyword : N::no_keyword);
                n.value = k.str;
                return n;
            }
            case K::bcc:
                return header("Bcc", k.str);
            case K::cc:
                return header("Cc", k.str);
            case K::from:
                return header("From", k.str);
            case K::subject:
                return header("Subject", k.str);
            case K::to:
                return header("To", k.str);
            case K::header: {
                store::SearchNode n = node(N::header);
                n.field = k.field;
                n.value = text(k.str);
                return n;
            }
            case K::body:
            case K::text: {
                store::SearchNode n = node(k.kind == K::body ? N::body : N::text);
                n.value = text(k.str);
                return n;
            }
            // Dates compare "disregarding time and timezone" (RFC 9051
            // 6.4.4); days are taken in UTC.
            case K::before:
                return date_node(N::internal_date, kMinTime, date_start(k.date));
            case K::on:
                return date_node(N::internal_date, date_start(k.date), date_start(k.date) + 86400);
            case K::since:
                return date_node(N::internal_date, date_start(k.date), kMaxTime);
            case K::sentbefore:
                return date_node(N::sent_date, kMinTime, date_start(k.date));
            case K::senton:
                return date_node(N::sent_date, date_start(k.date), date_start(k.date) + 86400);
            case K::sentsince:
                return date_node(N::sent_date, date_start(k.date), kMaxTime);
            case K::savedbefore:
                return date_node(N::save_date, kMinTime, date_start(k.date));
            case K::savedon:
                return date_node(N::save_date, date_start(k.date), date_start(k.date) + 86400);
            case K::savedsince:
                return date_node(N::save_date, date_start(k.date), kMaxTime);
            case K::savedatesupported:
                return node(N::all);  // every message has a save date (RFC 8514 4.2)
            // WITHIN (RFC 5032): OLDER n = internal date at least n seconds ago.
            case K::older:
                return date_node(N::internal_date, kMinTime,
                                 in.now - static_cast<int64_t>(k.number) + 1);
            case K::younger:
                return date_node(N::internal_date, in.now - static_cast<int64_t>(k.number),
                                 kMaxTime);
            case K::larger:
            case K::smaller: {
                store::SearchNode n = node(k.kind == K::larger ? N::larger : N::smaller);
                n.number = k.number > static_cast<uint64_t>(kMaxTime)
                               ? kMaxTime
                               : static_cast<int64_t>(k.number);
                return n;
            }
            case K::uid:
            case K::seqset: {
                if (k.set.saved) {
                    if (!in.saved) return node(N::none);
                    return uid_node(ranges_of(*in.saved));
                }
                if (k.kind == K::uid) return uid_node(uid_ranges(k.set, v.max_uid()));
                return uid_node(seq_ranges(k.set, v));
            }
            case K::not_: {
                store::SearchNode n = node(N::not_);
                n.children.push_back((*this)(k.children.at(0)));
                return n;
            }
            case K::or_: {
                store::SearchNode n = node(N::or_);
                n.children.push_back((*this)(k.children.at(0)));
                n.children.push_back((*this)(k.children.at(1)));
                return n;
            }
            case K::and_: {
                store::SearchNode n = node(N::and_);
                for (const auto& c : k.children) n.children.push_back((*this)(c));
                return n;
            }
            case K::modseq: {
                uses_modseq = true;
                store::SearchNode n = node(N::modseq);
                n.number = static_cast<int64_t>(k.number);
                return n;
            }
            case K::emailid: {
                // EMAILID names a blob (object_id.h): the shown messages
                // with that content.
                auto blob = parse_email_object_id(k.str);
                std::vector<store::Uid> uids;
                if (blob)
                    for (const auto& e : v.entries())
                        if (e.blob == *blob) uids.push_back(e.uid);
                return uid_node(ranges_of(uids));
            }
            case K::threadid: {
                store::SearchNode n = node(N::thread_id);
                n.value = k.str;
                return n;
            }
        }
        return node(N::none);
    }
};

}  // namespace

int64_t date_start(const Date& d) {
    return mime::days_from_civil(d.year, static_cast<unsigned>(d.month),
                                 static_cast<unsigned>(d.day)) *
           86400;
}

bool search_charset_supported(std::string_view charset) {
    if (text::iequals(charset, "UTF-8") || text::iequals(charset, "US-ASCII")) return true;
    if (charset.empty() || charset.size() > 64) return false;
    std::string name(charset);
    UErrorCode err = U_ZERO_ERROR;
    UConverter* c = ucnv_open(name.c_str(), &err);
    if (c) ucnv_close(c);
    return U_SUCCESS(err) && c != nullptr;
}

Result<TranslatedSearch> translate_search(const SearchKey& key,
                                          std::optional<std::string_view> charset,
                                          const SearchInputs& in) {
    if (charset && !search_charset_supported(*charset))
        return make_error(Errc::invalid, "BADCHARSET");
    Translator t{in, charset};
    TranslatedSearch out;
    out.node = t(key);
    out.uses_modseq = t.uses_modseq;
    return out;
}

}  // namespace postamt::imap
