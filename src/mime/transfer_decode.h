#pragma once
// Content-Transfer-Encoding decoding (RFC 2045 section 6) for SEARCH and
// BINARY, lenient: bad input is decoded as far as it makes sense, never thrown.
#include <string>
#include <string_view>

namespace postamt::mime {

struct Part;

// Skips characters outside the base64 alphabet, stops at '=' padding and
// drops an incomplete final quantum's spare bits. `*clean` (optional) is set
// to false if anything had to be skipped or was malformed.
std::string decode_base64_lenient(std::string_view in, bool* clean = nullptr);
// RFC 2045 6.7: soft line breaks, =XX (either case); a malformed '=' is kept
// literally; trailing whitespace before a line break is removed.
std::string decode_quoted_printable(std::string_view in);
// RFC 2047 4.2 "Q" encoding ('_' is space, no soft line breaks).
std::string decode_q_encoding(std::string_view in);

// Decodes `body` by `encoding` (case-insensitive "base64", "quoted-printable";
// anything else, 7bit/8bit/binary/unknown, is returned unchanged).
std::string decode_transfer_encoding(std::string_view body, std::string_view encoding);

// A text part's body decoded to UTF-8: transfer decoding, then the charset
// parameter (default us-ascii) through ICU. `message` is the canonical
// message the part's offsets refer to.
std::string part_body_bytes(std::string_view message, const Part& part);
std::string part_decoded(std::string_view message, const Part& part);
std::string part_text_utf8(std::string_view message, const Part& part);

}  // namespace postamt::mime
