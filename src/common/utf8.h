#pragma once
#include <string_view>

namespace postamt {

// RFC 3629 section 4: well-formed UTF-8 (no overlongs, no surrogates,
// nothing above U+10FFFF). NUL is valid UTF-8; callers that forbid it check.
bool is_valid_utf8(std::string_view s);

}  // namespace postamt
