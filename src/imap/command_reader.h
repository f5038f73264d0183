#pragma once
// Assembles one IMAP command from the wire, line by line and literal by
// literal, without I/O of its own (DESIGN.md "Shapes that work": the parser
// reports "need a literal of N bytes" so the runner decides, before the
// client sends it, whether to answer "+", refuse it, read and discard it or
// close the connection; literal bytes are never misread as commands).
//
//   reader.on_line(line)  -> need_literal: literal() says how big, sync or
//                            not, message data or not, over the limit or not;
//                            the runner answers "+" (sync) and passes the
//                            bytes to on_literal(), or refuses (reset())
//                         -> complete: take() parses the command
//   reader.on_literal(d)  -> need_line: the command continues on the next line
//
// Limits: each line is bounded by the runner's read (max_line_length);
// literals by max_literal_size, APPEND message literals by
// max_message_size (and all of one MULTIAPPEND by max_append_bytes); the
// command's text plus non-message literals by max_command_bytes.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imap/command_parser.h"

namespace postamt::imap {

struct ReaderLimits {
    uint64_t max_literal_size = 64ull << 10;
    uint64_t max_message_size = 50ull << 20;
    uint64_t max_append_bytes = 200ull << 20;  // sum of a MULTIAPPEND's messages
    std::size_t max_command_bytes = 1 << 20;   // text and non-message literals
    std::size_t max_literals = 2000;  // every synchronising one re-parses the text so far
    int max_depth = kDefaultMaxDepth;
};

class CommandReader {
  public:
    struct Literal {
        uint64_t size = 0;     // UINT64_MAX when the announced number overflowed
        bool sync = true;      // "{n}": the client waits for "+"
        bool binary = false;   // literal8 "~{n}"
        bool message = false;  // APPEND message data
        bool too_big = false;  // over the limit that applies to it
    };
    enum class State { need_line, need_literal, complete };

    explicit CommandReader(ReaderLimits limits = {}) : limits_(limits) {}

    State on_line(std::string_view line);
    // Exactly literal().size bytes.
    State on_literal(std::string data);
    // The runner read the announced literal and threw it away (too big,
    // non-synchronising): the command goes on but will fail with `error`.
    State on_literal_discarded(std::string code, std::string error, bool answer_no);

    const Literal& literal() const { return literal_; }
    // The partly read command, for deciding about a synchronising literal.
    LiteralProbe probe() const;
    // complete: the command or why it is refused. Resets the reader.
    struct Taken {
        ParseResult result;
        std::string code;        // response code to put in the refusal ("TOOBIG")
        bool answer_no = false;  // refuse with NO instead of BAD
    };
    Taken take();
    // Drops the command being read (refused before its literal was sent).
    void reset();
    // Tag of the command being read ("" if none could be read yet).
    const std::string& tag() const { return tag_; }
    bool in_command() const { return started_; }
    // The command being read will be refused (too big): its literals can be discarded.
    bool failed() const { return failed_; }
    // Bytes held for the command being read (for memory accounting/tests).
    std::size_t held_bytes() const;

  private:
    void fail(std::string code, std::string error, bool no);

    ReaderLimits limits_;
    std::string text_;
    std::vector<std::string> literals_;
    Literal literal_;
    std::string tag_;
    bool started_ = false;
    bool is_append_ = false;
    bool seen_message_ = false;
    uint64_t message_bytes_ = 0;
    std::size_t command_bytes_ = 0;
    bool failed_ = false;
    std::string fail_code_, fail_error_;
    bool fail_no_ = false;
};

// Finds a literal announcement ("{n}", "{n+}", "~{n}", "~{n+}") at the end
// of a line, outside quoted strings. Exposed for tests.
struct Announcement {
    bool found = false;
    uint64_t size = 0;
    bool overflow = false;
    bool sync = true;
    bool binary = false;
    std::size_t start = 0;  // offset of "{" or "~"
};
Announcement find_literal_announcement(std::string_view line);

}  // namespace postamt::imap
