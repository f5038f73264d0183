#pragma once
// Header fields a message submission agent adds (RFC 6409 8): Date (8.3)
// and Message-ID (8.4) when the client left them out. Pure: tested without
// a session.
#include <chrono>
#include <string>
#include <string_view>

namespace postamt::smtp {

// True when the header section of `message` (up to the first empty line)
// has a field named `name` (case-insensitive).
bool has_header_field(std::string_view message, std::string_view name);

// The fields to prepend ("" when both are present), each ending in CRLF.
// The Message-ID is "<postamt.<queue id>@<hostname>>": queue ids are unique
// per server, so it is unique without a random source.
std::string missing_submission_fields(std::string_view message, std::string_view queue_id,
                                      std::string_view hostname,
                                      std::chrono::system_clock::time_point now);

}  // namespace postamt::smtp
