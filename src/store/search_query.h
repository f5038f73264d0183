#pragma once
// A message search the store answers for one mailbox (IMAP SEARCH after the
// IMAP layer has turned sequence numbers, "$", \Recent and relative dates
// into UIDs and absolute times). Protocol-neutral: JMAP or webmail search
// maps onto the same tree.
#include <cstdint>
#include <string>
#include <vector>

#include "store/store.h"

namespace postamt::store {

struct SearchNode {
    enum class Kind {
        all,             // matches every message
        none,            // matches nothing (e.g. a sequence set beyond the mailbox)
        and_,            // children all match (an empty and_ matches everything)
        or_,             // some child matches
        not_,            // the single child does not match
        uids,            // uid within `uids`
        flags_set,       // every system flag bit in `number` is set
        flags_clear,     // every system flag bit in `number` is clear
        keyword,         // keyword `value` set (case-insensitive, RFC 9051 2.3.2)
        no_keyword,
        internal_date,   // date_from <= internal_date < date_to (unix seconds)
        sent_date,       // same on the Date: header (messages without one never match);
                         // compared is the header's own calendar day (in its time zone) as
                         // the unix time of that day's 00:00 UTC, so pass UTC midnights
                         // (RFC 9051 6.4.4 SENT*: "disregarding time and timezone")
        save_date,       // same on the save date (RFC 8514)
        larger,          // size > number
        smaller,         // size < number
        header,          // header `field` contains `value` (decoded, case-insensitive);
                         // empty value: the field is present. Top-level header only.
        body,            // decoded body text contains `value` (text/* parts, and the
                         // header of attached messages; case-insensitive across Unicode)
        text,            // header or body contains `value`
        modseq,          // modseq >= number
        email_id,        // OBJECTID EMAILID `value`: the decimal MessageId, optionally
                         // after "M" ("42", "M42"); anything else matches nothing
        thread_id,       // OBJECTID THREADID `value` (no thread ids yet: matches nothing)
    };
    Kind kind = Kind::all;
    std::vector<SearchNode> children;
    std::vector<UidRange> uids;
    int64_t number = 0;
    int64_t date_from = 0;
    int64_t date_to = INT64_MAX;
    std::string field;  // header name
    std::string value;  // UTF-8 (the IMAP layer converts CHARSET)
};

}  // namespace postamt::store
