#pragma once
// Parses one complete IMAP command into a Command (command.h). Pure: no
// state, no I/O. The input is what CommandReader (command_reader.h)
// assembles from the wire: the command's lines joined by CRLF with each
// literal reduced to its announcement ("{5}" / "{5+}" / "~{5}") plus CRLF,
// and the literal bytes separately, in order. A syntax error becomes the
// text of the BAD to send; the tag is reported whenever it could be read so
// the BAD can be tagged (RFC 9051 7.1.3).
//
// Strict where RFC 9051 9 is strict (exactly one SP between arguments,
// CRLF only as part of a literal announcement); tolerant of case in
// keywords and of 8-bit bytes in quoted strings (UTF-8, RFC 9051 / 6855).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "imap/command.h"

namespace postamt::imap {

inline constexpr int kDefaultMaxDepth = 32;  // nested parentheses / NOT / OR

struct ParseResult {
    std::optional<Command> command;
    std::string tag;    // empty when no valid tag was found (answer "* BAD")
    std::string error;  // why the command was rejected (BAD text)
    bool ok() const { return command.has_value(); }
};

// `literals` is consumed: APPEND message data is moved into the command.
ParseResult parse_command(std::string_view text, std::vector<std::string>& literals,
                          int max_depth = kDefaultMaxDepth);

// What a partly received command looks like when the reader has the
// announcement of a literal whose bytes have not arrived (`literals` holds
// the earlier ones). Used before answering a synchronising literal with
// "+": a command already known to be wrong is refused at once, and APPEND's
// message literal can be checked against size, quota and mailbox first.
struct LiteralProbe {
    enum class Kind {
        pending,  // syntax fine so far; the next literal is needed
        error,    // syntax error before the literal: answer BAD now
    };
    Kind kind = Kind::pending;
    std::string tag;
    std::string error;
    CommandId command = CommandId::noop;  // when known
    bool is_message = false;              // APPEND message data
    std::string mailbox;                  // APPEND target (raw), when is_message
    std::size_t message_index = 0;        // 0 for the first message of a MULTIAPPEND
};
LiteralProbe probe_literal(std::string_view text, const std::vector<std::string>& literals,
                           int max_depth = kDefaultMaxDepth);

}  // namespace postamt::imap
