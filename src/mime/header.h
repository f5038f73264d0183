#pragma once
// Header field splitting over a byte buffer (RFC 5322 section 2.2, 3.6),
// with byte offsets, tolerant of 8-bit bytes, bare LF, missing blank line.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::mime {

struct HeaderField {
    std::string_view name;       // as written, without trailing whitespace
    std::string_view raw_value;  // after the colon up to (excluding) the field's final line break; still folded
    std::size_t offset = 0;      // of the field's first byte in the buffer
};

struct HeaderBlock {
    std::vector<HeaderField> fields;
    std::size_t header_start = 0;
    // First byte of the body: after the blank line; or the first line that is
    // not a header field (no colon, or a name with whitespace/controls; the
    // header then ends without a blank line, as Postfix treats it); or `limit`.
    std::size_t body_start = 0;
    bool has_blank_line = false;

    // First field named `name` (case-insensitive), or nullptr.
    const HeaderField* find(std::string_view name) const;
};

// Splits the header starting at `start` (and ending at `limit` at the latest).
HeaderBlock parse_header(std::string_view buf, std::size_t start, std::size_t limit);

// Unfolding (RFC 5322 2.2.3): line breaks (CRLF, bare LF or CR) are removed;
// leading and trailing whitespace trimmed.
std::string unfold(std::string_view raw_value);

bool iequals_ascii(std::string_view a, std::string_view b);
std::string to_lower_ascii(std::string_view s);

}  // namespace postamt::mime
