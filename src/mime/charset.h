#pragma once
#include "common/utf8.h"
// Charset conversion to UTF-8 (ICU underneath). Never throws; invalid or
// unmappable sequences become U+FFFD.
#include <string>
#include <string_view>

namespace postamt::mime {

// Converts `bytes` in `charset` (MIME name, case-insensitive, RFC 2231
// "*lang" suffix tolerated) to UTF-8. Unknown charsets: the bytes are kept
// when they are valid UTF-8, else read as windows-1252 (best effort).
std::string to_utf8(std::string_view bytes, std::string_view charset);

// Replaces invalid UTF-8 sequences with U+FFFD.
std::string repair_utf8(std::string_view s);
// Raw header bytes (RFC 6532 allows UTF-8): valid UTF-8 is kept, otherwise
// the bytes are read as windows-1252.
std::string header_bytes_to_utf8(std::string_view s);

}  // namespace postamt::mime
