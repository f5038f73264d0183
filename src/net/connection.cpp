#include "net/connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <algorithm>
#include <cerrno>
#include <climits>

#include "common/log.h"
#include "net/deflate_stream.h"
#include "net/openssl_error.h"
#include "net/proxy_protocol.h"
#include "net/tls_context.h"

namespace postamt::net {
namespace {

std::atomic<std::uint64_t> g_next_id{1};

// One read buffer per I/O thread: filled and copied out without a
// suspension in between, so an idle connection holds none. 16 KiB is the
// largest TLS record payload.
constexpr std::size_t kReadChunk = 16 * 1024;
// With COMPRESS: at most this much inflated per fill, whatever the ratio
// (a 16 KiB record can inflate to 16 MiB), so in_ grows in the same steps as
// without compression and read_line's max still bounds it.
constexpr std::size_t kInflateChunk = 16 * 1024;
// With COMPRESS: deflate about this much ahead of the socket per flush step.
constexpr std::size_t kDeflateChunk = 16 * 1024;
// With COMPRESS: zlib state is parked after this long without input, not at
// once: an interactive client's next command usually comes sooner, and a
// park/restore cycle costs about as much as compressing a small command and
// its reply (zlib re-initialised, up to 32 KiB of history copied each way).
constexpr auto kParkCompressionAfter = std::chrono::seconds(1);
char* thread_read_buffer() {
    thread_local char buf[kReadChunk];
    return buf;
}

std::string address_text(const asio::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string();
    return a.to_string();
}

}  // namespace

const char* line_end_name(LineEnd e) {
    switch (e) {
        case LineEnd::crlf: return "crlf";
        case LineEnd::bare_lf: return "bare_lf";
        case LineEnd::too_long: return "too_long";
        case LineEnd::eof: return "eof";
        case LineEnd::timeout: return "timeout";
        case LineEnd::error: return "error";
        case LineEnd::shutdown: return "shutdown";
    }
    return "?";
}

const char* read_end_name(ReadEnd e) {
    switch (e) {
        case ReadEnd::ok: return "ok";
        case ReadEnd::eof: return "eof";
        case ReadEnd::timeout: return "timeout";
        case ReadEnd::error: return "error";
    }
    return "?";
}

Connection::Connection(asio::ip::tcp::socket socket, std::shared_ptr<const ListenerConfig> listener,
                       std::shared_ptr<TlsContext> tls, std::shared_ptr<ConnectionLimits> limits)
    : executor_(socket.get_executor()),
      socket_(std::move(socket)),
      read_timer_(executor_),
      write_timer_(executor_),
      listener_(std::move(listener)),
      tls_(std::move(tls)),
      limits_(std::move(limits)),
      id_(g_next_id.fetch_add(1, std::memory_order_relaxed)) {
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    set_addresses_from_socket();
}

Connection::~Connection() {
    if (ssl_) SSL_free(ssl_);
}

void Connection::set_addresses_from_socket() {
    boost::system::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (!ec) {
        peer_address_ = address_text(peer.address());
        peer_port_ = peer.port();
    }
    auto local = socket_.local_endpoint(ec);
    if (!ec) {
        local_address_ = address_text(local.address());
        local_port_ = local.port();
    }
}

bool Connection::peer_is_loopback() const {
    boost::system::error_code ec;
    auto a = asio::ip::make_address(peer_address_, ec);
    return !ec && a.is_loopback();
}

std::optional<ConnectionLimits::Ticket> Connection::acquire_user(const std::string& user) {
    if (!limits_) return ConnectionLimits::Ticket{};
    return limits_->acquire_user(user);
}

// ---- waiting ------------------------------------------------------------------

// Non-coroutine halves of wait_ready: g++ 12 mishandles reference locals in
// coroutine frames, so the coroutine itself keeps only plain values.
void Connection::arm_wait(bool is_read, Clock::duration timeout, bool interruptible) {
    auto& timer = is_read ? read_timer_ : write_timer_;
    std::uint64_t my_gen = ++(is_read ? read_gen_ : write_gen_);
    (is_read ? read_timed_out_ : write_timed_out_) = false;
    if (is_read) {
        read_interruptible_ = interruptible;
        read_interrupted_ = false;
    }
    timer.expires_after(timeout);
    // A plain (non-coroutine) handler; the generation check ignores a timer
    // that fired just as the wait completed.
    timer.async_wait([self = shared_from_this(), is_read, my_gen](boost::system::error_code ec) {
        if (ec) return;
        if ((is_read ? self->read_gen_ : self->write_gen_) != my_gen) return;
        (is_read ? self->read_timed_out_ : self->write_timed_out_) = true;
        (is_read ? self->read_cancel_ : self->write_cancel_).emit(asio::cancellation_type::terminal);
    });
}

Connection::WaitResult Connection::finish_wait(bool is_read, boost::system::error_code ec) {
    ++(is_read ? read_gen_ : write_gen_);  // invalidates a timer that fired meanwhile
    (is_read ? read_timer_ : write_timer_).cancel();
    if (is_read) read_interruptible_ = false;
    if (closed_) return WaitResult::error;
    if (is_read ? read_timed_out_ : write_timed_out_) return WaitResult::timeout;
    if (is_read && read_interrupted_) return WaitResult::shutdown;
    if (ec) return WaitResult::error;
    return WaitResult::ready;
}

asio::awaitable<Connection::WaitResult> Connection::wait_ready(asio::socket_base::wait_type w,
                                                               Clock::duration timeout, bool interruptible) {
    const bool is_read = w == asio::socket_base::wait_read;
    arm_wait(is_read, timeout, interruptible);
    auto [ec] = co_await socket_.async_wait(
        w, asio::bind_cancellation_slot((is_read ? read_cancel_ : write_cancel_).slot(),
                                        asio::as_tuple(asio::use_awaitable)));
    co_return finish_wait(is_read, ec);
}

void Connection::signal_shutdown() {
    shutting_down_.store(true, std::memory_order_relaxed);
    asio::post(executor_, [self = shared_from_this()] {
        if (self->read_interruptible_ && !self->has_buffered_input()) {
            self->read_interrupted_ = true;
            self->read_cancel_.emit(asio::cancellation_type::terminal);
        }
    });
}

void Connection::request_close() {
    asio::post(executor_, [self = shared_from_this()] { self->close(); });
}

void Connection::close() {
    if (closed_) return;
    closed_ = true;
    if (ssl_ && tls_done_) {
        ERR_clear_error();
        SSL_shutdown(ssl_);  // one non-blocking attempt at close_notify
        ERR_clear_error();
    }
    boost::system::error_code ec;
    socket_.shutdown(asio::socket_base::shutdown_both, ec);
    socket_.close(ec);  // pending waits complete with operation_aborted
    read_timer_.cancel();
    write_timer_.cancel();
    in_.clear();
    in_.shrink_to_fit();
    in_pos_ = 0;
    if (deflate_) deflate_->release();  // later reads and writes fail; memory back now
    ticket_.release();
}

// ---- reading ------------------------------------------------------------------

void Connection::consume(std::size_t n) {
    in_pos_ += n;
    if (in_pos_ >= in_.size()) {
        in_.clear();
        in_pos_ = 0;
    }
}

void Connection::release_input_if_empty() {
    if (in_pos_ >= in_.size() && in_.capacity() > 64) std::string().swap(in_), in_pos_ = 0;
}

bool Connection::has_buffered_input() const {
    return in_.size() > in_pos_ || (deflate_ && deflate_->has_pending_input());
}

// With COMPRESS: inflates `wire` (after anything queued) onto in_. nullopt:
// the input was used up without producing a byte; read more.
std::optional<Connection::Fill> Connection::inflate_into_input(std::string_view wire) {
    auto r = deflate_->inflate(wire, in_, kInflateChunk);
    if (r.status == DeflateStream::InflateStatus::error) {
        log::info("event=compress_error conn={} peer={} error={}", id_, peer_address_,
                  log::quote(deflate_->error()));
        return Fill::error;
    }
    if (r.produced > 0) return Fill::data;
    if (r.status == DeflateStream::InflateStatus::end) return Fill::eof;  // client ended its stream
    return std::nullopt;
}

// An idle compressed connection keeps only the client's history window
// (DeflateStream::park_input) and 1 KiB of ours; the deflater is kept while
// a flush is in flight (IMAP IDLE writes while a read waits).
void Connection::park_compression() {
    if (!deflate_) return;
    deflate_->park_input();
    if (!flushing_) deflate_->park_output();
}

asio::awaitable<Connection::Fill> Connection::fill(ReadMode mode) {
    Clock::duration waited = Clock::duration::zero();  // of the idle timeout, before parking
    bool park_tried = false;
    for (;;) {
        if (closed_) co_return Fill::error;
        if (in_pos_ > 0) {  // keep the unconsumed tail at the front
            in_.erase(0, in_pos_);
            in_pos_ = 0;
        }
        if (deflate_ && deflate_->has_pending_input()) {  // compressed input already here first
            auto f = inflate_into_input({});
            if (f) co_return *f;
        }
        if (deflate_ && deflate_->input_ended()) co_return Fill::eof;  // client sent its final block
        const bool idle = !has_buffered_input();
        if (mode == ReadMode::command && idle && shutting_down()) co_return Fill::shutdown;
        char* buf = thread_read_buffer();
        asio::socket_base::wait_type want = asio::socket_base::wait_read;
        std::size_t got = 0;
        if (ssl_) {
            ERR_clear_error();
            int n = SSL_read(ssl_, buf, int(kReadChunk));
            if (n > 0) {
                got = std::size_t(n);
            } else {
                int err = SSL_get_error(ssl_, n);
                if (err == SSL_ERROR_ZERO_RETURN) co_return Fill::eof;
                if (err == SSL_ERROR_WANT_WRITE) want = asio::socket_base::wait_write;
                else if (err != SSL_ERROR_WANT_READ) {
                    if (err == SSL_ERROR_SYSCALL && errno == 0) co_return Fill::eof;
                    log::debug("event=tls_read_error conn={} error={}", id_, log::quote(openssl_errors("connection reset or closed")));
                    co_return Fill::error;
                }
            }
        } else {
            ssize_t n = ::recv(socket_.native_handle(), buf, kReadChunk, 0);
            if (n > 0) got = std::size_t(n);
            else if (n == 0) co_return Fill::eof;
            else if (errno == EINTR) continue;
            else if (errno != EAGAIN && errno != EWOULDBLOCK) co_return Fill::error;
        }
        if (got > 0) {
            if (!deflate_) {
                in_.append(buf, got);
                co_return Fill::data;
            }
            // RFC 4978 3: compressed input is inflated above TLS.
            auto f = inflate_into_input(std::string_view(buf, got));
            if (f) co_return *f;
            continue;  // part of a block: nothing to hand out yet
        }
        if (idle) {  // an idle connection keeps no buffer, ours or OpenSSL's
            release_input_if_empty();
            if (!flushing_ && out_.empty()) std::string().swap(out_);  // flush() keeps up to 1 KiB
            if (ssl_) SSL_free_buffers(ssl_);
        }
        // Idle with COMPRESS: wait kParkCompressionAfter first, then park
        // the zlib state and wait for the rest of the idle timeout.
        Clock::duration wait_for = idle_timeout_ - waited;
        const bool park_first = idle && deflate_ && !park_tried && wait_for > kParkCompressionAfter &&
                                (deflate_->input_active() || deflate_->output_active());
        if (park_first) wait_for = kParkCompressionAfter;
        // Inlined wait_ready: one coroutine frame less per idle connection.
        const bool is_read = want == asio::socket_base::wait_read;
        arm_wait(is_read, wait_for, mode == ReadMode::command && idle);
        read_idle_ = idle;
        auto [ec] = co_await socket_.async_wait(
            want, asio::bind_cancellation_slot((is_read ? read_cancel_ : write_cancel_).slot(),
                                               asio::as_tuple(asio::use_awaitable)));
        read_idle_ = false;
        switch (finish_wait(is_read, ec)) {
            case WaitResult::ready: break;
            case WaitResult::timeout:
                if (!park_first) co_return Fill::timeout;
                park_compression();
                park_tried = true;
                waited += kParkCompressionAfter;
                continue;
            case WaitResult::shutdown: co_return Fill::shutdown;
            case WaitResult::error: co_return Fill::error;
        }
    }
}

asio::awaitable<LineResult> Connection::read_line(std::size_t max, ReadMode mode) {
    LineResult r;
    std::size_t scanned = 0;
    bool discarding = false;
    for (;;) {
        std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
        std::size_t lf = avail.find('\n', scanned);
        if (lf != std::string_view::npos) {
            std::size_t len = lf;
            bool cr = len > 0 && avail[len - 1] == '\r';
            if (cr) --len;
            if (discarding || len > max) {
                if (!discarding) r.line.assign(avail.data(), max);
                r.end = LineEnd::too_long;
            } else {
                r.line.assign(avail.data(), len);
                r.end = cr ? LineEnd::crlf : LineEnd::bare_lf;
            }
            consume(lf + 1);
            co_return r;
        }
        if (discarding) {
            consume(avail.size());
            scanned = 0;
        } else if (avail.size() > max + 1) {  // +1: a max-length line's CR may be here already
            r.line.assign(avail.data(), max);
            discarding = true;
            consume(avail.size());
            scanned = 0;
        } else {
            scanned = avail.size();
        }
        const bool mid_line = discarding || has_buffered_input();
        Fill f = co_await fill(mid_line ? ReadMode::data : mode);
        switch (f) {
            case Fill::data: continue;
            case Fill::eof: r.end = LineEnd::eof; break;
            case Fill::timeout: r.end = LineEnd::timeout; break;
            case Fill::error: r.end = LineEnd::error; break;
            case Fill::shutdown: r.end = LineEnd::shutdown; break;
        }
        if (r.end == LineEnd::eof && !discarding) {
            r.line.assign(in_.data() + in_pos_, in_.size() - in_pos_);
            consume(in_.size() - in_pos_);
        }
        if (discarding) r.line.clear();
        co_return r;
    }
}

asio::awaitable<ExactResult> Connection::read_exact(std::size_t n) {
    ExactResult r;
    while (in_.size() - in_pos_ < n) {
        Fill f = co_await fill(ReadMode::data);
        if (f == Fill::data) continue;
        r.end = f == Fill::eof ? ReadEnd::eof : f == Fill::timeout ? ReadEnd::timeout : ReadEnd::error;
        co_return r;
    }
    r.data.assign(in_.data() + in_pos_, n);
    consume(n);
    r.end = ReadEnd::ok;
    co_return r;
}

asio::awaitable<ReadEnd> Connection::read_chunks(std::uint64_t n, ChunkSink sink) {
    while (n > 0) {
        std::size_t have = in_.size() - in_pos_;
        if (have > 0) {
            std::size_t take = have < n ? have : std::size_t(n);
            sink(std::string_view(in_.data() + in_pos_, take));
            consume(take);
            n -= take;
            continue;
        }
        release_input_if_empty();
        Fill f = co_await fill(ReadMode::data);
        if (f == Fill::data) continue;
        co_return f == Fill::eof ? ReadEnd::eof : f == Fill::timeout ? ReadEnd::timeout : ReadEnd::error;
    }
    co_return ReadEnd::ok;
}

asio::awaitable<SomeResult> Connection::read_some(std::size_t max, ReadMode mode) {
    SomeResult r;
    while (in_.size() == in_pos_) {
        release_input_if_empty();
        Fill f = co_await fill(mode);
        if (f == Fill::data) continue;
        r.end = f == Fill::eof ? ReadEnd::eof : f == Fill::timeout ? ReadEnd::timeout : ReadEnd::error;
        r.shutdown = f == Fill::shutdown;
        co_return r;
    }
    std::size_t take = std::min(max, in_.size() - in_pos_);
    r.data.assign(in_.data() + in_pos_, take);
    consume(take);
    r.end = ReadEnd::ok;
    co_return r;
}

// ---- writing ------------------------------------------------------------------

// With COMPRESS: keeps about kDeflateChunk of deflated bytes ahead of the
// socket in zout_ (`off` of them already written), taking plain bytes from
// out_. false: zlib failed.
bool Connection::compress_output(std::size_t& off) {
    if (zout_.size() - off >= kDeflateChunk) return true;
    if (out_pos_ >= out_.size() && deflate_->output_flushed()) return true;
    zout_.erase(0, off);
    off = 0;
    auto d = deflate_->deflate(std::string_view(out_).substr(out_pos_), zout_, kDeflateChunk);
    if (!d.ok) {
        log::info("event=compress_error conn={} peer={} error={}", id_, peer_address_,
                  log::quote(deflate_->error()));
        return false;
    }
    out_pos_ += d.consumed;
    if (out_pos_ >= out_.size()) {
        out_.clear();
        out_pos_ = 0;
    }
    return true;
}

// One non-blocking write attempt of the next bytes for the wire: out_, or
// zout_ with COMPRESS (RFC 4978 3: compress, then TLS).
Connection::WriteStep Connection::write_step(std::size_t& off) {
    if (deflate_ && !compress_output(off)) return WriteStep::error;
    const std::string& wire = deflate_ ? zout_ : out_;
    if (off >= wire.size()) return WriteStep::done;
    std::size_t left = wire.size() - off;
    if (ssl_) {
        ERR_clear_error();
        int n = SSL_write(ssl_, wire.data() + off, int(left > INT_MAX ? INT_MAX : left));
        if (n > 0) {
            off += std::size_t(n);
            return WriteStep::wrote;
        }
        int err = SSL_get_error(ssl_, n);
        if (err == SSL_ERROR_WANT_READ) return WriteStep::wait_read;
        if (err == SSL_ERROR_WANT_WRITE) return WriteStep::wait_write;
        log::debug("event=tls_write_error conn={} error={}", id_, log::quote(openssl_errors("connection reset or closed")));
        return WriteStep::error;
    }
    ssize_t n = ::send(socket_.native_handle(), wire.data() + off, left, MSG_NOSIGNAL);
    if (n > 0) {
        off += std::size_t(n);
        return WriteStep::wrote;
    }
    if (n < 0 && errno == EINTR) return WriteStep::wrote;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return WriteStep::error;
    return WriteStep::wait_write;
}

asio::awaitable<bool> Connection::flush() {
    std::size_t off = 0;  // bytes of the wire buffer written
    bool ok = true;
    flushing_ = true;
    for (;;) {
        if (closed_) {
            ok = false;
            break;
        }
        WriteStep step = write_step(off);
        if (step == WriteStep::wrote) continue;
        if (step == WriteStep::done) break;
        if (step == WriteStep::error) {
            ok = false;
            break;
        }
        auto want = step == WriteStep::wait_read ? asio::socket_base::wait_read : asio::socket_base::wait_write;
        auto w = co_await wait_ready(want, write_timeout_, false);
        if (w != WaitResult::ready) {
            ok = false;
            break;
        }
    }
    if (out_.capacity() > 1024) std::string().swap(out_);
    else out_.clear();
    out_pos_ = 0;
    std::string().swap(zout_);
    flushing_ = false;
    // IMAP IDLE: a response written while the read waits idle.
    if (deflate_ && read_idle_ && ok) deflate_->park_output();
    co_return ok;
}

asio::awaitable<bool> Connection::write(std::string_view bytes) {
    out_.append(bytes);
    co_return co_await flush();
}

asio::awaitable<bool> Connection::write_many(std::span<const std::string_view> parts) {
    for (auto p : parts) out_.append(p);
    co_return co_await flush();
}

// ---- COMPRESS=DEFLATE ---------------------------------------------------------

bool Connection::start_compress() {
    // RFC 4978 3: the server compresses from the byte after the tagged OK's
    // CRLF, so that reply must be on the wire already, uncompressed.
    if (compressed_ || closed_ || flushing_ || !out_.empty()) return false;
    deflate_ = std::make_unique<DeflateStream>();
    compressed_ = true;
    // The client compresses from the first command after COMPRESS: whatever
    // it pipelined behind the command line is compressed. It moves from in_
    // to the inflater's queue; the next read inflates it before the socket.
    if (in_.size() > in_pos_) deflate_->queue_input(std::string_view(in_).substr(in_pos_));
    in_.clear();
    in_pos_ = 0;
    release_input_if_empty();
    log::debug("event=compress_start conn={}", id_);
    return true;
}

Connection::CompressStats Connection::compress_stats() const {
    CompressStats s;
    if (deflate_) {
        s.plain_in = deflate_->plain_in();
        s.wire_in = deflate_->wire_in();
        s.plain_out = deflate_->plain_out();
        s.wire_out = deflate_->wire_out();
        s.input_parks = deflate_->input_parks();
        s.output_parks = deflate_->output_parks();
    }
    return s;
}

// ---- TLS ----------------------------------------------------------------------

asio::awaitable<bool> Connection::handshake(Clock::duration timeout) {
    if (!tls_ || ssl_ || closed_) co_return false;
    ssl_ = tls_->new_ssl();
    if (!ssl_ || SSL_set_fd(ssl_, socket_.native_handle()) != 1) {
        log::error("event=tls_setup_failed conn={} error={}", id_, log::quote(openssl_errors("connection reset or closed")));
        close();
        co_return false;
    }
    SSL_set_accept_state(ssl_);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        ERR_clear_error();
        int rc = SSL_do_handshake(ssl_);
        if (rc == 1) break;
        int err = SSL_get_error(ssl_, rc);
        asio::socket_base::wait_type want;
        if (err == SSL_ERROR_WANT_READ) want = asio::socket_base::wait_read;
        else if (err == SSL_ERROR_WANT_WRITE) want = asio::socket_base::wait_write;
        else {
            log::info("event=tls_handshake_failed conn={} peer={} error={}", id_, peer_address_,
                      log::quote(openssl_errors("connection reset or closed")));
            close();
            co_return false;
        }
        auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero()) left = Clock::duration(1);
        auto w = co_await wait_ready(want, left, false);
        if (w != WaitResult::ready) {
            log::info("event=tls_handshake_failed conn={} peer={} error={}", id_, peer_address_,
                      w == WaitResult::timeout ? "timeout" : "closed");
            close();
            co_return false;
        }
    }
    tls_done_ = true;
    co_return true;
}

asio::awaitable<bool> Connection::start_tls() {
    // TLS below an active COMPRESS layer would reverse RFC 4978 3's order.
    if (!tls_ || ssl_ || closed_ || compressed_) co_return false;
    // RFC 3207 4.2: nothing received before the handshake may be used after
    // it (CVE-2011-0411 plaintext command injection).
    in_.clear();
    in_.shrink_to_fit();
    in_pos_ = 0;
    co_return co_await handshake(std::chrono::seconds(30));
}

std::string Connection::tls_version() const {
    return tls_done_ ? SSL_get_version(ssl_) : std::string();
}

std::string Connection::tls_cipher() const {
    if (!tls_done_) return {};
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
    return c ? SSL_CIPHER_get_name(c) : "";
}

std::string Connection::sni() const {
    if (!ssl_) return {};
    const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
    return name ? name : "";
}

// ---- PROXY protocol -------------------------------------------------------------

asio::awaitable<bool> Connection::read_proxy_header(Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string peeked;
    for (;;) {
        if (closed_) co_return false;
        peeked.resize(kProxyV2MaxLength);
        ssize_t n = ::recv(socket_.native_handle(), peeked.data(), peeked.size(), MSG_PEEK);
        if (n == 0) co_return false;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) co_return false;
        peeked.resize(n > 0 ? std::size_t(n) : 0);
        ProxyHeader h = parse_proxy_header(peeked);
        if (h.status == ProxyStatus::error) {
            log::info("event=proxy_header_invalid conn={} peer={} error={}", id_, peer_address_,
                      log::quote(h.error));
            co_return false;
        }
        if (h.status == ProxyStatus::ok) {
            // Take exactly the header out of the kernel buffer.
            std::size_t got = 0;
            while (got < h.consumed) {
                ssize_t m = ::recv(socket_.native_handle(), peeked.data(), h.consumed - got, 0);
                if (m <= 0) co_return false;  // the bytes were just peeked
                got += std::size_t(m);
            }
            if (!h.local) {
                peer_address_ = h.src_addr;
                peer_port_ = h.src_port;
                local_address_ = h.dst_addr;
                local_port_ = h.dst_port;
            }
            co_return true;
        }
        auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero()) co_return false;
        if (n <= 0) {
            auto w = co_await wait_ready(asio::socket_base::wait_read, left, false);
            if (w != WaitResult::ready) co_return false;
        } else {
            // A partial header stays in the kernel (peeked), so readiness would
            // fire at once: poll briefly instead. Real proxies send it in one packet.
            read_timer_.expires_after(std::chrono::milliseconds(10));
            co_await read_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }
}

bool Connection::input_pending() const {
    if (has_buffered_input()) return true;
    boost::system::error_code ec;
    return !closed_ && socket_.available(ec) > 0 && !ec;
}

}  // namespace postamt::net
