#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "common/utf8.h"

namespace postamt::store {

// Validates a UTF-8 mailbox name and returns its stored form: "INBOX"
// matched case-insensitively as the first component (RFC 9051 5.1), no empty
// components, no leading/trailing separator, no "." or ".." components, no
// control characters or LIST wildcards, valid UTF-8, at most 1,000 bytes and
// 32 levels. std::nullopt when the name cannot be used.
std::optional<std::string> normalize_mailbox_name(std::string_view name);


// Lower-cases ASCII letters only (domain names and local parts for lookup).
std::string ascii_lower(std::string_view s);

}  // namespace postamt::store
