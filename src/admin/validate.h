#pragma once
// Validation shared by the CLI and the admin API: one place decides what a
// usable address, domain, alias source, quota and password are. Pure
// functions; errors are Errc::invalid with a message naming the value.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace postamt::admin {

// "user@Example.ORG" -> "user@example.org" (local part kept, RFC 5321 2.4).
Result<std::string> normalize_address(std::string_view address);
// A domain name: lower-cased, trailing dot dropped, LDH labels (or UTF-8).
Result<std::string> normalize_domain(std::string_view domain);
// "@Example.org" (catch-all) -> "@example.org"; otherwise an address.
Result<std::string> normalize_alias_source(std::string_view source);
// "1G", "500M", "1048576", "unlimited"/"none" (0).
Result<int64_t> parse_quota_size(std::string_view s);
// Quota numbers as the API gives them: 0 (unlimited) up to 2^53 (JSON-safe).
Status check_quota_value(int64_t v, std::string_view what);
// Password policy: 1 to 1024 bytes of valid UTF-8 without control
// characters (a CR, LF or NUL could never be typed into IMAP LOGIN or SASL
// PLAIN). No minimum length beyond one byte: existing setups and scripts
// set short ones, and strength rules are the admin's to choose.
Status check_password(std::string_view password);

inline constexpr int64_t kMaxQuotaValue = int64_t{1} << 53;

}  // namespace postamt::admin
