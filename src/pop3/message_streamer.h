#pragma once
// Turns stored message bytes into the body of a RETR or TOP response,
// chunk by chunk, so a message is never held whole in memory:
//  - byte-stuffing (RFC 1939 3): a line that starts with "." gets another
//    "." in front, also when the line starts in a later chunk;
//  - TOP (RFC 1939 7): the header, the blank line after it, then at most
//    `n` lines of the body; input after that is not needed (done());
//  - finish(): a CRLF if the last line had none, then the terminating
//    ".\r\n".
// Stored messages are canonical CRLF, so the octets sent (before stuffing)
// are exactly the size LIST reports. A bare LF still ends a line here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postamt::pop3 {

class MessageStreamer {
  public:
    // nullopt: the whole message (RETR); n: TOP with n body lines.
    explicit MessageStreamer(std::optional<std::uint32_t> top_lines = std::nullopt);

    // Appends what to send for `chunk` to `out`.
    void feed(std::string_view chunk, std::string& out);
    // The TOP limit is reached: the rest of the message is not sent.
    bool done() const { return done_; }
    // Appends the end of the response.
    void finish(std::string& out);

  private:
    void feed_top(std::string_view chunk, std::string& out);

    std::optional<std::uint32_t> top_;
    std::uint32_t body_lines_left_ = 0;
    bool line_start_ = true;
    bool in_header_ = true;
    bool line_empty_so_far_ = true;  // only "\r" (or nothing) seen on this line
    bool done_ = false;
    bool finished_ = false;
};

}  // namespace postamt::pop3
