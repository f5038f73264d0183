#pragma once
// BODY[section] (RFC 9051 6.4.5): which bytes of the stored message a
// section is, as byte ranges the caller streams from the blob in chunks,
// plus the header-field filtering that HEADER.FIELDS[.NOT] needs and the
// <partial> clipping applied on top.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/section.h"
#include "mime/message_parser.h"

namespace postamt::imap {

struct ByteRange {
    uint64_t offset = 0;
    uint64_t length = 0;
    uint64_t end() const { return offset + length; }
    bool operator==(const ByteRange&) const = default;
};

enum class FieldFilter {
    none,        // send the range as it is
    fields,      // HEADER.FIELDS: read the range, send filter_header_fields(.., negate=false)
    fields_not,  // HEADER.FIELDS.NOT: filter_header_fields(.., negate=true)
};

struct SectionLocation {
    // False when the section names no part of this message (a part number
    // beyond the structure, HEADER/TEXT of a part that is not
    // message/rfc822, MIME of the message itself): RFC 9051 6.4.5 answers
    // with an empty string, not an error. `range` is then empty.
    bool found = false;
    ByteRange range;  // inside [0, msg.size)
    FieldFilter filter = FieldFilter::none;
    // HEADER.FIELDS[.NOT]: end the filtered text with the blank line. RFC
    // 9051 6.4.5: always, except for a message without body and blank line.
    bool blank_line = true;
    // The part whose header or body the range is (for BINARY: its
    // Content-Transfer-Encoding); 0 for the whole message. kNoIndex if !found.
    uint32_t part = mime::kNoIndex;
};

// Resolves `section` against the parsed message:
//   []                    the whole message
//   [HEADER] / [TEXT]     header (with the blank line) / body of the message
//   [HEADER.FIELDS (..)]  the header range, to be filtered
//   [n.m]                 the part's content (its body, without its MIME
//                         header); on a non-multipart message "1" is the body;
//                         for message/rfc822 the whole encapsulated message
//   [n.MIME]              the part's own MIME header (with the blank line)
//   [n.HEADER] / [n.TEXT] / [n.HEADER.FIELDS..]  header / body of the message
//                         encapsulated in part n (message/rfc822 or /global)
SectionLocation locate_section(const mime::ParsedMessage& msg, const Section& section);

// Keeps the header fields of `header_bytes` (a header block, folded lines,
// maybe followed by the blank line) whose names are (negate: are not) in
// `fields`, compared case-insensitively; each field whole with its
// continuation lines, in the original order, each line ending in CRLF.
// Anything after the header's blank line is ignored. Appends the blank line
// "\r\n" when `blank_line`.
std::string filter_header_fields(std::string_view header_bytes, const std::vector<std::string>& fields,
                                 bool negate, bool blank_line = true);

// The whole answer for `section` when the caller holds the full canonical
// message in memory (small messages, tests): locate_section() plus the
// HEADER.FIELDS filter; "" for a section that does not exist. <partial> is
// applied separately (clip_text). Big messages: stream the located range.
std::string section_content(const mime::ParsedMessage& msg, const Section& section,
                            std::string_view message);

// <partial> on top of a range (RFC 9051 6.4.5): the `count` octets from
// `offset` into it, fewer at its end, empty when offset is beyond it.
ByteRange clip_range(ByteRange r, const std::optional<Partial>& partial);
// The same on text already in memory (filtered header fields, decoded BINARY).
std::string_view clip_text(std::string_view s, const std::optional<Partial>& partial);

}  // namespace postamt::imap
