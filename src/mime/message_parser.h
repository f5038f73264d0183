#pragma once
// The MIME part tree of a canonical (CRLF) message with byte offsets, and
// the ENVELOPE data of the message and of every message/rfc822 part: what
// IMAP needs to render ENVELOPE, BODYSTRUCTURE (RFC 9051 7.5.2, with
// extension data) and BODY[section] ranges without re-reading the blob.
// No IMAP wire formatting here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/address.h"
#include "mime/content_type.h"
#include "mime/date.h"
#include "mime/parsed_message.h"

namespace postamt::mime {

inline constexpr uint32_t kNoIndex = 0xFFFFFFFFu;
inline constexpr uint32_t kMaxDepth = 32;     // nesting of multipart/message parts
inline constexpr uint32_t kMaxParts = 2000;   // parts per message

// RFC 9051 7.5.2 ENVELOPE fields. Raw values are unfolded and trimmed but
// otherwise as written (encoded words intact), as IMAP sends them; nullopt
// when the header field is absent (NIL).
struct Envelope {
    std::optional<std::string> date;
    std::optional<std::string> subject;
    std::vector<Address> from, sender, reply_to, to, cc, bcc;  // empty: NIL
    std::optional<std::string> in_reply_to;
    std::optional<std::string> message_id;
    std::optional<DateTime> parsed_date;  // parse_date(date), nullopt if absent/invalid
    bool operator==(const Envelope&) const = default;
};

struct Disposition {
    std::string type;  // lower-cased
    std::vector<Param> params;
    bool operator==(const Disposition&) const = default;
};

struct Part {
    // Byte offsets into the canonical message. The header is
    // [header_start, body_start), the body [body_start, end). For a part of a
    // multipart, `end` excludes the CRLF that precedes the next boundary
    // (RFC 2046 5.1.1: it belongs to the delimiter).
    uint64_t header_start = 0;
    uint64_t body_start = 0;
    uint64_t end = 0;
    uint64_t lines = 0;  // body lines (LF count, +1 for an unterminated last line); all parts

    std::string type = "text";     // lower-cased
    std::string subtype = "plain"; // lower-cased
    std::vector<Param> params;     // Content-Type parameters (charset, boundary, name, ...)
    std::optional<std::string> id;           // Content-ID, raw
    std::optional<std::string> description;  // Content-Description, raw (encoded words intact)
    std::string encoding = "7bit";           // Content-Transfer-Encoding, lower-cased
    std::optional<std::string> md5;          // Content-MD5, raw
    std::optional<Disposition> disposition;
    std::vector<std::string> language;       // Content-Language
    std::optional<std::string> location;     // Content-Location, raw (whitespace removed)

    uint32_t parent = kNoIndex;        // index in ParsedMessage::parts
    std::vector<uint32_t> children;    // multipart: its parts; message/rfc822: [root of the nested message]
    uint32_t envelope = kNoIndex;      // message/rfc822: index in ParsedMessage::envelopes
    bool has_blank_line = true;        // the header ended with an empty line
    bool truncated = false;            // limits hit: multipart/message content kept opaque

    uint64_t size() const { return end - body_start; }
    bool is_multipart() const { return type == "multipart"; }
    bool is_message() const { return type == "message" && (subtype == "rfc822" || subtype == "global"); }
    bool is_text() const { return type == "text"; }
    const std::string* param(std::string_view name) const;
    bool operator==(const Part&) const = default;
};

struct ParsedMessage {
    uint64_t size = 0;                // octets of the canonical message
    std::vector<Part> parts;          // parts[0] is the message itself; depth-first pre-order
    std::vector<Envelope> envelopes;  // envelopes[0] is the message's own
    bool operator==(const ParsedMessage&) const = default;

    const Part& root() const { return parts[0]; }
    const Envelope& envelope() const { return envelopes[0]; }
    // RFC 9051 6.4.5 section part numbers ("1.2.3" as {1,2,3}): the part
    // addressed, or kNoIndex. An empty path is the message itself.
    uint32_t find_section(const std::vector<uint32_t>& path) const;
};

// Parses a canonical message (see canonicalize_crlf). Never fails; bounded by
// kMaxDepth and kMaxParts (beyond them content stays opaque).
ParsedMessage parse_message(std::string_view canonical_message);

// Compact, versioned, length-prefixed binary form (what summarize() stores).
std::string serialize(const ParsedMessage& msg);
// Rejects (nullopt) anything not produced by serialize(): wrong version,
// truncation, trailing bytes, out-of-range indices or offsets.
std::optional<ParsedMessage> deserialize(std::string_view bytes);

// RFC 5256 section 2.1 base subject of an already decoded (UTF-8) subject.
std::string base_subject(std::string_view decoded_subject);

// The SortFields summarize() computes, from a parsed message.
SortFields sort_fields(const ParsedMessage& msg);

}  // namespace postamt::mime
