#pragma once
// RFC 2047 encoded-word decoding ("B" and "Q", any ICU charset, RFC 2231
// section 5 "charset*lang"), producing UTF-8. Lenient: encoded words not
// separated by whitespace from surrounding text are decoded too, and
// adjacent words in the same charset are joined before conversion so that
// multibyte characters split across words survive. Never throws.
#include <string>
#include <string_view>

namespace postamt::mime {

std::string decode_encoded_words(std::string_view text);

// Unfolds a raw header value, decodes encoded words and turns other raw
// 8-bit bytes into UTF-8 (RFC 6532, else windows-1252). TAB becomes space.
std::string decode_header_text(std::string_view raw_value);

}  // namespace postamt::mime
