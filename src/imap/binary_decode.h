#pragma once
// BINARY[section] and BINARY.SIZE (RFC 3516): a part's content with its
// Content-Transfer-Encoding removed. Works on the part body the caller read
// from the blob (locate_section() with the part number gives the range).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "imap/section_locator.h"
#include "mime/message_parser.h"

namespace postamt::imap {

// True for the encodings BINARY can undo: 7bit, 8bit, binary (identity),
// base64, quoted-printable (case-insensitive). Anything else must be
// answered NO [UNKNOWN-CTE] (RFC 3516 4.3).
bool binary_encoding_known(std::string_view encoding);

// The encoding BINARY[section] has to undo (section: part numbers only,
// RFC 3516 section-binary): the part's Content-Transfer-Encoding for a leaf
// part (on a non-multipart message "1" is the body);
// "binary" (identity) for the whole message (BINARY[]), multiparts and
// message parts, which RFC 2045 6.4 allows no other encoding than
// 7bit/8bit/binary and which are sent as they are.
// A part that does not exist gives "binary" too (its content is empty).
std::string binary_encoding_for(const mime::ParsedMessage& msg, const Section& section);

// Decodes `body` (the encoded part content) by `encoding`; nullopt when the
// encoding is unknown. Base64 is decoded leniently (characters outside the
// alphabet skipped, RFC 2045 6.8), quoted-printable per RFC 2045 6.7 with
// malformed '=' kept as is, the identity encodings return the bytes.
std::optional<std::string> decode_binary(std::string_view body, std::string_view encoding);

// RFC 3516 4.3: decoded data with a NUL octet must go as a literal8
// (~{n}); without one the server SHOULD send a plain string/literal.
bool binary_needs_literal8(std::string_view decoded);

// BINARY.SIZE: octets decode_binary() would return, without keeping them
// (identity encodings: the body size itself).
std::optional<uint64_t> binary_size(std::string_view body, std::string_view encoding);

}  // namespace postamt::imap
