#pragma once
// CONTRACT between mime/ and store/ (the mime owner may extend, not break):
// the store calls canonicalize_crlf() and parse_message() once per delivered
// blob (on a pool thread, never the writer), stores serialize() output keyed
// by the blob, and copies the sort/search fields below into columns.
// IMAP later renders ENVELOPE/BODYSTRUCTURE and section byte ranges from a
// deserialize()d ParsedMessage without touching the blob.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::mime {

// Turns bare LF and bare CR into CRLF; leaves CRLF alone.
std::string canonicalize_crlf(std::string_view in);
bool is_canonical_crlf(std::string_view in);

struct ParsedMessage;  // defined in mime/message_parser.h

struct SortFields {
    std::string subject;      // decoded (RFC 2047) UTF-8, unfolded
    std::string base_subject; // RFC 5256 2.1 base subject
    std::string from;         // first From mailbox, decoded display form for SORT FROM
    std::string to;           // first To mailbox
    std::string cc;           // first Cc mailbox
    std::string message_id;   // Message-ID without surrounding whitespace
    int64_t sent_date = 0;    // Date: header as unix seconds, 0 if absent/invalid
    // Extensions (mime owner): RFC 5256 SORT FROM/TO/CC compare the addr-mailbox
    // (local part) of the first address; from/to/cc above are the RFC 5957
    // display form (decoded display name, else mailbox@host) for DISPLAYFROM/TO.
    std::string from_mailbox;
    std::string to_mailbox;
    std::string cc_mailbox;
};

struct Summary {
    std::string serialized;   // opaque, versioned; mime::deserialize() reads it back
    SortFields fields;
};

// Never fails: malformed input yields a best-effort structure (RFC 2045 etc.
// defaults), bounded in depth and part count.
Summary summarize(std::string_view canonical_message);
// parse_message(), serialize(), deserialize(), sort_fields() and the structs
// they use are declared in mime/message_parser.h.

}  // namespace postamt::mime
