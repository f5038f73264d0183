#pragma once
// What a FETCH data item asks for (RFC 9051 6.4.5, RFC 3516 BINARY, RFC 7162
// MODSEQ, RFC 8474 OBJECTID, RFC 8514 SAVEDATE, RFC 8970 PREVIEW). Shared
// contract between the command parser (fills it) and message rendering
// (answers it); no wire text here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace postamt::imap {

enum class SectionText {
    none,               // BODY[] or BODY[1.2]: the whole message / the part's content
    header,             // HEADER
    header_fields,      // HEADER.FIELDS (a b)
    header_fields_not,  // HEADER.FIELDS.NOT (a b)
    text,               // TEXT
    mime,               // MIME (only after a part number)
};

struct Section {
    std::vector<uint32_t> part;       // "1.2.3" -> {1,2,3}; empty: the message
    SectionText text = SectionText::none;
    std::vector<std::string> fields;  // header field names as sent (match case-insensitively)
    bool operator==(const Section&) const = default;
};

// "<start.count>" (RFC 9051 6.4.5): the response names only <start>.
struct Partial {
    uint64_t offset = 0;
    uint64_t count = 0;
    bool operator==(const Partial&) const = default;
};

enum class FetchAttr {
    flags, uid, internaldate, rfc822_size, envelope,
    body,           // BODY (non-extensible BODYSTRUCTURE)
    bodystructure,  // BODYSTRUCTURE (with extension data)
    body_section,   // BODY[...] / BODY.PEEK[...]
    binary_section, // BINARY[...] / BINARY.PEEK[...]
    binary_size,    // BINARY.SIZE[...]
    rfc822,         // = BODY[] (sets \Seen)
    rfc822_header,  // = BODY.PEEK[HEADER]
    rfc822_text,    // = BODY[TEXT] (sets \Seen)
    modseq, emailid, threadid, savedate,
    preview,        // PREVIEW (RFC 8970); lazy modifier is accepted and ignored
};

struct FetchItem {
    FetchAttr attr = FetchAttr::flags;
    Section section;                // body_section, binary_section, binary_size
    std::optional<Partial> partial; // body_section, binary_section
    bool peek = false;              // .PEEK: do not set \Seen
    bool operator==(const FetchItem&) const = default;
};

}  // namespace postamt::imap
