#pragma once
// Replies as the SMTP client reads them from a server (RFC 5321 4.2):
//
//   reply-line = *( Reply-code "-" [ textstring ] CRLF )
//                   Reply-code [ SP textstring ] CRLF
//
// Pure and incremental: feed one line at a time (without its CRLF), get a
// complete reply when the last line ("NNN " or a bare "NNN") has come.
// Anything else is garbage and ends the conversation (the caller treats it
// as a temporary failure, like a lost connection): a line that does not
// start with three digits 2-5 / 0-5 / 0-9, a separator other than SP or "-",
// a continuation line with a different code (RFC 5321 4.2.1 requires the
// same code on every line), more than kMaxReplyLines lines.
//
// The enhanced status code (RFC 3463 2, RFC 2034) is taken from the first
// line when its text starts with "class.subject.detail" whose class matches
// the reply code's first digit; otherwise it is left empty.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::smtp {

constexpr std::size_t kMaxReplyLines = 200;
// RFC 5321 4.5.3.1.5 says 512 octets; we read longer lines (Postfix reads
// 2 KB) and the client's stream truncates past this.
constexpr std::size_t kMaxReplyLine = 4096;

struct ServerReply {
    int code = 0;
    std::string enhanced;  // "5.1.1" or ""
    std::vector<std::string>
        lines;  // each line's text after "NNN-" / "NNN " (the enhanced code kept)

    bool positive() const { return code >= 200 && code < 400; }
    bool transient() const { return code >= 400 && code < 500; }
    bool permanent() const { return code >= 500; }
    // The lines joined with "; ", the first line's enhanced code removed
    // (it is in `enhanced`); control bytes replaced by '?' so it is safe
    // to log and to put in a DSN.
    std::string text() const;
    // "550 5.1.1 text" for logs and DSNs' Diagnostic-Code (RFC 3464 2.3.6).
    std::string summary() const;
};

// "x.y.z" at the start of `text` whose class is 2, 4 or 5 (RFC 3463 2:
// subject and detail 1 to 3 digits), followed by the end or a space; the
// length of the code, or 0.
std::size_t enhanced_code_length(std::string_view text);

class ReplyParser {
  public:
    enum class Feed { more, done, error };
    // One line without its CRLF. After done, reply() holds the result and
    // the next feed() starts a new reply; after error, error() says why.
    Feed feed(std::string_view line);
    const ServerReply& reply() const { return reply_; }
    ServerReply take();
    const std::string& error() const { return error_; }
    void reset();

  private:
    ServerReply reply_;
    ServerReply building_;
    std::string error_;
    bool in_reply_ = false;
};

// For tests and the fuzzer: parses a whole buffer of CRLF- (or LF-)
// terminated lines into replies; stops at the first error (`error` set).
std::vector<ServerReply> parse_replies(std::string_view bytes, std::string* error = nullptr);

}  // namespace postamt::smtp
