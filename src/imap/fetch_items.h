#pragma once
// FETCH response pieces that need no message data beyond the store's row
// (FLAGS, UID, INTERNALDATE, RFC822.SIZE, MODSEQ, EMAILID, THREADID,
// SAVEDATE) and the names under which body items are answered
// (RFC 9051 7.5.2). Pure; the executor (cmd_fetch.cpp) adds the data.
#include <string>

#include "imap/section.h"
#include "store/types.h"

namespace postamt::imap {

// Answered from the store row alone.
bool is_row_item(FetchAttr a);
// Needs the parsed MIME summary (ENVELOPE, BODY[STRUCTURE], sections, BINARY, PREVIEW).
bool needs_summary(FetchAttr a);
// Fetching it sets \Seen (RFC 9051 6.4.5): BODY[...] / BINARY[...] without
// .PEEK, RFC822, RFC822.TEXT.
bool sets_seen(const FetchItem& it);

// " FLAGS (\Seen)" style item with its leading space omitted: "FLAGS (\Seen)".
// `message_id` 0 (unknown, e.g. an expunged message) omits EMAILID's value as NIL.
void append_row_item(std::string& out, const FetchItem& it, const store::MessageRow& row,
                     bool recent);

// "1.2.HEADER.FIELDS (From To)" for a section (field names as sent).
std::string section_spec(const Section& s);
// How a body item is named in the response: "BODY[TEXT]<0>", "BINARY[1]",
// "BINARY.SIZE[2]", "RFC822", "RFC822.HEADER", "RFC822.TEXT".
std::string body_item_name(const FetchItem& it);

}  // namespace postamt::imap
