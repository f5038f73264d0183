#pragma once
// One client connection, plain or TLS, as the protocols see it: line and
// literal reading with limits and idle timeouts, buffered writing with
// backpressure, STARTTLS, addresses and TLS facts for logs and Received
// headers, and the server's shutdown signal.
//
// Threading: every Connection lives on its own strand; the protocol handler
// coroutine runs there. Use it from one coroutine at a time (or several on
// that strand, with at most one reader and one flush in flight).
//
// Memory: OpenSSL is driven directly over the non-blocking socket with
// SSL_MODE_RELEASE_BUFFERS; reads wait for readability and then read into a
// per-thread buffer, so an idle connection holds no read or write buffer
// (DESIGN.md "Connections, TLS and authentication").
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <boost/asio/cancellation_signal.hpp>

#include "common/config.h"
#include "net/asio.h"
#include "net/connection_limits.h"

typedef struct ssl_st SSL;

namespace postamt::net {

class TlsContext;
class Server;
class DeflateStream;

// Whether a read may be interrupted by a graceful shutdown.
enum class ReadMode {
    command,  // waiting for the next command: a shutdown ends the wait (LineEnd::shutdown)
    data,     // inside a transaction (SMTP DATA, a literal): never interrupted
};

enum class LineEnd {
    crlf,      // "...\r\n"
    bare_lf,   // "...\n" without CR; the protocol decides whether to accept it
    too_long,  // longer than max: the rest up to LF was discarded, stream in sync
    eof,       // peer closed; `line` holds any partial bytes
    timeout,   // idle timeout expired
    error,     // I/O or TLS error, or the connection was closed
    shutdown,  // ReadMode::command and the server is shutting down
};

struct LineResult {
    std::string line;  // without the terminator; for too_long the first `max` bytes
    LineEnd end = LineEnd::error;
    bool ok() const { return end == LineEnd::crlf || end == LineEnd::bare_lf; }
};

enum class ReadEnd { ok, eof, timeout, error };

struct ExactResult {
    std::string data;  // exactly n bytes when end == ok
    ReadEnd end = ReadEnd::error;
};

// read_some(): whatever arrived, for protocols that parse bytes themselves (HTTP).
struct SomeResult {
    std::string data;  // at least one byte when end == ok
    ReadEnd end = ReadEnd::error;
    bool shutdown = false;  // ReadMode::command, nothing buffered, server shutting down
};

const char* line_end_name(LineEnd e);
const char* read_end_name(ReadEnd e);

class Connection : public std::enable_shared_from_this<Connection> {
public:
    using Clock = std::chrono::steady_clock;
    using ChunkSink = std::function<void(std::string_view)>;

    // Used by Server (and tests); `tls` may be null when TLS is unavailable.
    Connection(asio::ip::tcp::socket socket, std::shared_ptr<const ListenerConfig> listener,
               std::shared_ptr<TlsContext> tls, std::shared_ptr<ConnectionLimits> limits);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // ---- reading -------------------------------------------------------------
    // One line of at most `max` bytes (terminator excluded).
    asio::awaitable<LineResult> read_line(std::size_t max, ReadMode mode = ReadMode::command);
    // Exactly n bytes (IMAP literal, SMTP BDAT chunk).
    asio::awaitable<ExactResult> read_exact(std::size_t n);
    // Exactly n bytes handed to `sink` in pieces as they arrive (big literals,
    // BDAT to a spool file) without holding them all in memory.
    asio::awaitable<ReadEnd> read_chunks(std::uint64_t n, ChunkSink sink);
    // Up to `max` bytes: those buffered, else the next that arrive. With
    // ReadMode::command a shutdown ends the wait when nothing is buffered.
    asio::awaitable<SomeResult> read_some(std::size_t max, ReadMode mode = ReadMode::command);
    // Bytes received but not yet consumed: a protocol refuses a pipelined
    // STARTTLS with this (RFC 3207 4.2) and may use it for pipelining logic.
    // With COMPRESS this includes compressed bytes not yet inflated.
    bool has_buffered_input() const;
    // Buffered here or already waiting in the kernel: before a greeting this
    // means the client talked first (SMTP "pregreet").
    bool input_pending() const;
    // Per-read idle timeout; the default comes from [limits] for the protocol.
    void set_idle_timeout(Clock::duration d) { idle_timeout_ = d; }
    Clock::duration idle_timeout() const { return idle_timeout_; }

    // ---- writing -------------------------------------------------------------
    // append() buffers; flush() awaits until every buffered byte is in the
    // kernel (backpressure; write timeout applies). false: the connection failed.
    void append(std::string_view bytes) { out_.append(bytes); }
    asio::awaitable<bool> flush();
    asio::awaitable<bool> write(std::string_view bytes);
    asio::awaitable<bool> write_many(std::span<const std::string_view> parts);
    std::size_t buffered_output() const { return out_.size() - out_pos_ + zout_.size(); }
    void set_write_timeout(Clock::duration d) { write_timeout_ = d; }

    // ---- TLS -----------------------------------------------------------------
    // STARTTLS: discards every byte buffered so far (plaintext injection,
    // RFC 3207 4.2, CVE-2011-0411), then runs the server handshake. Call it
    // after the "ready to start TLS" reply has been flushed. false: no TLS
    // available, already TLS, or handshake failed (the connection is closed).
    asio::awaitable<bool> start_tls();
    bool tls_available() const { return tls_ != nullptr; }
    bool is_tls() const { return tls_done_; }
    std::string tls_version() const;  // "TLSv1.3"; empty without TLS
    std::string tls_cipher() const;   // "TLS_AES_256_GCM_SHA384"
    std::string sni() const;          // server name the client asked for, or empty

    // ---- COMPRESS=DEFLATE (RFC 4978) -----------------------------------------
    // From the next byte on, input is inflated and output deflated (raw
    // DEFLATE, above TLS: plain -> deflate -> TLS -> socket, RFC 4978 3).
    // Call it right after the tagged "OK DEFLATE active" has been flushed.
    // Input received but not yet consumed is taken as compressed: the client
    // may pipeline compressed commands right behind COMPRESS. Every flush()
    // ends with Z_SYNC_FLUSH so the client can decode each response at once.
    // false: already compressing, closed, or output still buffered or in flight.
    bool start_compress();
    bool is_compressed() const { return compressed_; }
    // For logs: bytes before and after compression so far, and how often
    // the zlib state was parked while idle (all 0 without COMPRESS).
    struct CompressStats {
        std::uint64_t plain_in = 0, wire_in = 0, plain_out = 0, wire_out = 0;
        std::uint64_t input_parks = 0, output_parks = 0;
    };
    CompressStats compress_stats() const;

    // ---- identity ------------------------------------------------------------
    std::uint64_t id() const { return id_; }  // for logs: conn=<id>
    const ListenerConfig& listener() const { return *listener_; }
    Protocol protocol() const { return listener_->protocol; }
    // Client and server addresses (from the PROXY header when the listener
    // uses proxy_protocol); IPv4-mapped IPv6 addresses are shown as IPv4.
    const std::string& peer_address() const { return peer_address_; }
    std::uint16_t peer_port() const { return peer_port_; }
    const std::string& local_address() const { return local_address_; }
    std::uint16_t local_port() const { return local_port_; }
    bool peer_is_loopback() const;

    // ---- limits and lifecycle ------------------------------------------------
    // Not ok: the server is over limits.max_connections or
    // max_connections_per_ip; send the protocol's "too many connections" reply
    // (SMTP 421 4.7.0, IMAP * BYE, POP3 -ERR [IN-USE]) and return.
    Admission admission() const { return admission_; }
    // After login: nullopt when the user is at limits.max_connections_per_user.
    // Keep the ticket for the session's lifetime.
    std::optional<ConnectionLimits::Ticket> acquire_user(const std::string& user);
    // Set when the server shuts down gracefully: finish the current command
    // or transaction, send the protocol's goodbye (SMTP 421, IMAP * BYE) and return.
    bool shutting_down() const { return shutting_down_.load(std::memory_order_relaxed); }
    asio::any_io_executor executor() const { return executor_; }
    bool is_open() const { return !closed_; }
    // Sends TLS close_notify when possible, closes the socket, wakes pending
    // reads and writes (they end with error). On the connection's strand.
    void close();

    // Thread-safe: posted to the connection's strand.
    void signal_shutdown();
    void request_close();

private:
    friend class Server;
    struct Wait;
    enum class Fill { data, eof, timeout, error, shutdown };
    enum class WaitResult { ready, timeout, error, shutdown };

    enum class WriteStep { wrote, wait_write, wait_read, done, error };

    asio::awaitable<Fill> fill(ReadMode mode);
    std::optional<Fill> inflate_into_input(std::string_view wire);
    WriteStep write_step(std::size_t& off);
    bool compress_output(std::size_t& off);
    void park_compression();
    void arm_wait(bool is_read, Clock::duration timeout, bool interruptible);
    WaitResult finish_wait(bool is_read, boost::system::error_code ec);
    asio::awaitable<WaitResult> wait_ready(asio::socket_base::wait_type w, Clock::duration timeout,
                                           bool interruptible);
    asio::awaitable<bool> handshake(Clock::duration timeout);
    // PROXY protocol header, consumed from the socket byte-exactly (peeked
    // first) so a TLS ClientHello behind it stays in the kernel for OpenSSL.
    asio::awaitable<bool> read_proxy_header(Clock::duration timeout);
    void consume(std::size_t n);
    void release_input_if_empty();
    void set_addresses_from_socket();

    asio::any_io_executor executor_;
    asio::ip::tcp::socket socket_;
    asio::steady_timer read_timer_;
    asio::steady_timer write_timer_;
    asio::cancellation_signal read_cancel_;
    asio::cancellation_signal write_cancel_;
    std::shared_ptr<const ListenerConfig> listener_;
    std::shared_ptr<TlsContext> tls_;
    std::shared_ptr<ConnectionLimits> limits_;
    ConnectionLimits::Ticket ticket_;
    SSL* ssl_ = nullptr;
    std::string in_;
    std::size_t in_pos_ = 0;
    std::string out_;
    std::size_t out_pos_ = 0;  // with COMPRESS: bytes of out_ already deflated
    std::unique_ptr<DeflateStream> deflate_;  // set by start_compress()
    std::string zout_;                        // with COMPRESS: deflated bytes being written
    std::string peer_address_;
    std::string local_address_;
    Clock::duration idle_timeout_ = std::chrono::minutes(5);
    Clock::duration write_timeout_ = std::chrono::minutes(5);
    std::uint64_t id_ = 0;
    std::uint64_t read_gen_ = 0, write_gen_ = 0;
    std::uint16_t peer_port_ = 0;
    std::uint16_t local_port_ = 0;
    Admission admission_ = Admission::ok;
    std::atomic<bool> shutting_down_{false};
    bool closed_ = false;
    bool tls_done_ = false;
    bool compressed_ = false;
    bool flushing_ = false;   // a flush() is in flight
    bool read_idle_ = false;  // a read waits with nothing buffered
    bool read_timed_out_ = false, write_timed_out_ = false;
    bool read_interruptible_ = false;  // a command read is waiting: shutdown may end it
    bool read_interrupted_ = false;
};

}  // namespace postamt::net
