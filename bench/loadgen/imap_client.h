#pragma once
// A minimal IMAP client for the load generator: tagged commands, responses
// with literals (RFC 9051 4.3), EXISTS/EXPUNGE tracking, APPEND with
// LITERAL+ (RFC 7888) or a continuation.
#include "loadgen.h"

namespace loadgen {

// One server response: its text with every literal's bytes cut out (a line
// ending "{N}" is followed by "\n" and the text after the literal), and the
// literals in order.
struct ImapResponse {
    std::string text;
    std::vector<std::string> literals;
};

struct ImapResult {
    std::string status;  // OK, NO, BAD (or BYE when the server hung up)
    std::string text;    // the tagged line after the status
    std::vector<ImapResponse> untagged;
    bool ok() const { return status == "OK"; }
    // Untagged responses "* <n> <kind> ..." (FETCH) counted.
    long count(std::string_view kind) const;
};

class ImapClient {
  public:
    ImapClient(asio::any_io_executor ex, asio::ssl::context* tls) : conn_(std::move(ex), tls) {}
    // Connects and reads the greeting (must be * OK).
    asio::awaitable<void> open(std::string host, std::uint16_t port);
    asio::awaitable<ImapResult> command(std::string cmd);
    asio::awaitable<ImapResult> append(std::string mailbox, std::string flags, std::string message);
    void close() { conn_.close(); }
    std::uint32_t exists() const { return exists_; }
    bool literal_plus() const { return literal_plus_; }
    std::string last_command;

  private:
    asio::awaitable<ImapResponse> read_response();
    asio::awaitable<ImapResult> finish(std::string tag);
    void note_untagged(const std::string& text);
    Conn conn_;
    long next_tag_ = 0;
    std::uint32_t exists_ = 0;
    bool literal_plus_ = false;
};

// Value of a FETCH item with a number ("RFC822.SIZE 123") in `text`, or -1.
long fetch_number(std::string_view text, std::string_view item);
std::string imap_quote(std::string_view s);

}  // namespace loadgen
