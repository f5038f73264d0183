#pragma once
// An outgoing TCP connection, plain or TLS (client side), for the outbound
// SMTP client: connect with a source address and a timeout, read lines and
// write bytes with per-operation timeouts, STARTTLS or implicit TLS.
//
// OpenSSL is driven directly over the non-blocking socket, as in
// connection.h (SSL_MODE_RELEASE_BUFFERS; no asio::ssl::stream, which keeps
// ~72 KiB per connection), so a connection parked for reuse stays small.
//
// Threading: a ClientStream is used from one coroutine at a time, on the
// executor it was created with, which must be a strand (or a single-threaded
// io_context): the timeout handlers run there and cancel the socket.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "net/asio.h"
#include "net/connection.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace postamt::net {

// The client-side SSL_CTX: TLS 1.2 or newer, SSL_MODE_RELEASE_BUFFERS.
// verify_peer: check the chain against the system's CA store and the host
// name; off for opportunistic MX delivery (RFC 7435: encryption without
// authentication beats plaintext, as Postfix's "may" level).
class ClientTlsContext {
  public:
    static Result<std::shared_ptr<ClientTlsContext>> create(bool verify_peer);
    ~ClientTlsContext();
    ClientTlsContext(const ClientTlsContext&) = delete;
    ClientTlsContext& operator=(const ClientTlsContext&) = delete;
    bool verify_peer() const { return verify_; }
    SSL_CTX* ctx() const { return ctx_; }

  private:
    ClientTlsContext() = default;
    SSL_CTX* ctx_ = nullptr;
    bool verify_ = false;
};

class ClientStream : public std::enable_shared_from_this<ClientStream> {
  public:
    using Clock = std::chrono::steady_clock;

    explicit ClientStream(asio::any_io_executor ex);
    ~ClientStream();
    ClientStream(const ClientStream&) = delete;
    ClientStream& operator=(const ClientStream&) = delete;

    // Connects to `address` (IP literal) and `port`; binds to `source` first
    // when it is not empty and of the same family. false: error() says why.
    asio::awaitable<bool> connect(std::string address, std::uint16_t port, std::string source,
                                  Clock::duration timeout);
    // One line of at most `max` bytes, CRLF or bare LF ended (the terminator
    // is not returned); LineEnd::timeout when nothing completes it in time.
    asio::awaitable<LineResult> read_line(std::size_t max, Clock::duration timeout);
    // All of `bytes` (they must stay alive until this returns), or false;
    // `timeout` bounds each wait for the socket to take more.
    asio::awaitable<bool> write(std::string_view bytes, Clock::duration timeout);
    // Client TLS handshake (after "220 Ready to start TLS", or at once for
    // implicit TLS). Bytes received before it are discarded (RFC 3207 4.2's
    // injection concern, seen from the client). `server_name` goes out as
    // SNI when it is a host name, and is checked when the context verifies.
    asio::awaitable<bool> start_tls(std::shared_ptr<ClientTlsContext> tls, std::string server_name,
                                    Clock::duration timeout);

    bool is_open() const { return open_; }
    bool is_tls() const { return tls_done_; }
    bool has_buffered_input() const { return in_.size() > in_pos_; }
    std::string tls_version() const;
    std::string tls_cipher() const;
    const std::string& error() const { return error_; }
    const std::string& peer_address() const { return peer_address_; }
    const std::string& local_address() const { return local_address_; }
    // Sends close_notify when TLS is up (one attempt) and closes the socket.
    void close();

  private:
    enum class Wait { ready, timeout, error };
    asio::awaitable<Wait> wait(asio::socket_base::wait_type w, Clock::time_point deadline);
    void arm_timer(Clock::time_point deadline);
    // >0 bytes read, 0 eof, -1 would block (want_write set for TLS), -2 error
    long read_some(char* buf, std::size_t n, bool& want_write);

    asio::any_io_executor executor_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer timer_;
    std::shared_ptr<ClientTlsContext> tls_;
    SSL* ssl_ = nullptr;
    std::string in_;
    std::size_t in_pos_ = 0;
    std::string error_;
    std::string peer_address_, local_address_;
    std::uint64_t gen_ = 0;
    bool timed_out_ = false;
    bool open_ = false;
    bool tls_done_ = false;
};

}  // namespace postamt::net
