#pragma once
// RFC 4648 section 4 base64 (with padding), as SASL (RFC 4422) and MIME use it.
#include <optional>
#include <string>
#include <string_view>

namespace postamt {

std::string base64_encode(std::string_view in);
// Strict decoding: rejects characters outside the alphabet, bad padding and
// non-zero trailing bits. `allow_whitespace` skips CR/LF/space/tab (MIME bodies).
std::optional<std::string> base64_decode(std::string_view in, bool allow_whitespace = false);

// RFC 4648 section 5 base64url without padding (JOSE, RFC 7515 2; API tokens).
std::string base64url_encode(std::string_view in);
// Refuses '+', '/', '=' and impossible lengths.
std::optional<std::string> base64url_decode(std::string_view in);

}  // namespace postamt
