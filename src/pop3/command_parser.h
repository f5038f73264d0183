#pragma once
// One POP3 command line (without CRLF) -> Command, or the text of the -ERR
// reply that explains what is wrong with it. Pure: no state, no I/O.
//
// RFC 1939 3 and RFC 2449 4: a keyword of three or four letters,
// case-insensitive, then arguments separated by single spaces. Message
// numbers are decimal, 1-based. PASS takes the rest of the line verbatim
// (RFC 1939 7: a password may contain spaces). Whether a command is allowed
// in the current state is the session's business, not the parser's.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postamt::pop3 {

enum class Verb {
    user,
    pass,
    apop,
    auth,
    stls,
    capa,
    quit,  // AUTHORIZATION (CAPA, QUIT: both)
    stat,
    list,
    retr,
    dele,
    noop,
    rset,
    top,
    uidl,  // TRANSACTION
};

std::string_view verb_name(Verb v);  // "USER", ...

// RFC 2449 4 allows longer lines than RFC 1939's 255 octets only for SASL
// responses; the runner's cap (limits.max_line_length) bounds everything.
inline constexpr std::size_t kMaxArgumentLength = 255;
// Message numbers above this are refused as malformed, not "no such message".
inline constexpr std::uint32_t kMaxMessageNumber = 0x7FFFFFFF;

struct Command {
    Verb verb = Verb::noop;
    // LIST/UIDL (optional), RETR/DELE/TOP (required).
    std::optional<std::uint32_t> msg;
    std::uint32_t lines = 0;  // TOP
    // USER name, PASS password (verbatim), AUTH mechanism (upper-cased).
    std::string arg;
    // AUTH's initial response as sent (base64 or "="); nullopt when absent.
    std::optional<std::string> initial_response;
};

struct ParseResult {
    std::optional<Command> command;
    std::string error;  // when !command: the -ERR text
    bool ok() const { return command.has_value(); }
};

ParseResult parse_command(std::string_view line);

// A decimal number 1..kMaxMessageNumber ("1", "42"; not "0", "+1", "01x").
std::optional<std::uint32_t> parse_message_number(std::string_view s);
// A decimal number 0..UINT32_MAX (TOP's line count).
std::optional<std::uint32_t> parse_count(std::string_view s);

}  // namespace postamt::pop3
