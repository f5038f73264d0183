#include "net/client_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <cerrno>
#include <csignal>
#include <climits>
#include <cstring>

#include "net/openssl_error.h"

namespace postamt::net {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

bool is_ip_literal(const std::string& s) {
    boost::system::error_code ec;
    asio::ip::make_address(s, ec);
    return !ec;
}

}  // namespace

// ---- ClientTlsContext -----------------------------------------------------------

Result<std::shared_ptr<ClientTlsContext>> ClientTlsContext::create(bool verify_peer) {
    // OpenSSL writes with write(2), not send(MSG_NOSIGNAL): a far side that
    // closes mid-handshake would kill the process with SIGPIPE (server.cpp
    // ignores it too; tools and tests using only the client need it here).
    ::signal(SIGPIPE, SIG_IGN);
    std::shared_ptr<ClientTlsContext> c(new ClientTlsContext());
    c->ctx_ = SSL_CTX_new(TLS_client_method());
    if (!c->ctx_) return make_error(Errc::internal, "TLS client context: " + openssl_errors("connection reset or closed"));
    SSL_CTX_set_min_proto_version(c->ctx_, TLS1_2_VERSION);
    SSL_CTX_set_options(c->ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(c->ctx_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    c->verify_ = verify_peer;
    if (verify_peer) {
        if (SSL_CTX_set_default_verify_paths(c->ctx_) != 1)
            return make_error(Errc::unavailable,
                              "TLS client context: no CA store: " + openssl_errors("connection reset or closed"));
        SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER, nullptr);
    } else {
        SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_NONE, nullptr);
    }
    return c;
}

ClientTlsContext::~ClientTlsContext() {
    if (ctx_) SSL_CTX_free(ctx_);
}

// ---- ClientStream ----------------------------------------------------------------

ClientStream::ClientStream(asio::any_io_executor ex) : executor_(ex), socket_(ex), timer_(ex) {}

ClientStream::~ClientStream() {
    if (ssl_) SSL_free(ssl_);
}

void ClientStream::close() {
    if (ssl_ && tls_done_ && open_) {
        ERR_clear_error();
        SSL_shutdown(ssl_);
        ERR_clear_error();
    }
    open_ = false;
    boost::system::error_code ec;
    socket_.shutdown(asio::socket_base::shutdown_both, ec);
    socket_.close(ec);
    timer_.cancel();
    std::string().swap(in_);
    in_pos_ = 0;
}

void ClientStream::arm_timer(Clock::time_point deadline) {
    std::uint64_t my_gen = ++gen_;
    timed_out_ = false;
    timer_.expires_at(deadline);
    // A plain handler on the same executor as the waiting coroutine (a
    // strand): the generation check ignores a timer that fired just as the
    // wait completed.
    timer_.async_wait([self = shared_from_this(), my_gen](boost::system::error_code ec) {
        if (ec || self->gen_ != my_gen) return;
        self->timed_out_ = true;
        boost::system::error_code ignored;
        self->socket_.cancel(ignored);
    });
}

asio::awaitable<ClientStream::Wait> ClientStream::wait(asio::socket_base::wait_type w,
                                                       Clock::time_point deadline) {
    if (!open_) co_return Wait::error;
    if (Clock::now() >= deadline) co_return Wait::timeout;
    arm_timer(deadline);
    auto [ec] = co_await socket_.async_wait(w, asio::as_tuple(asio::use_awaitable));
    ++gen_;
    timer_.cancel();
    if (timed_out_) co_return Wait::timeout;
    if (ec || !open_) co_return Wait::error;
    co_return Wait::ready;
}

asio::awaitable<bool> ClientStream::connect(std::string address, std::uint16_t port,
                                            std::string source, Clock::duration timeout) {
    boost::system::error_code ec;
    auto addr = asio::ip::make_address(address, ec);
    if (ec) {
        error_ = "not an IP address: " + address;
        co_return false;
    }
    asio::ip::tcp::endpoint ep(addr, port);
    socket_.open(ep.protocol(), ec);
    if (ec) {
        error_ = "socket: " + ec.message();
        co_return false;
    }
    if (!source.empty()) {
        auto src = asio::ip::make_address(source, ec);
        if (!ec && src.is_v4() == addr.is_v4()) {
            socket_.bind(asio::ip::tcp::endpoint(src, 0), ec);
            if (ec) {
                error_ = "bind to " + source + ": " + ec.message();
                socket_.close(ec);
                co_return false;
            }
        }
    }
    open_ = true;
    arm_timer(Clock::now() + timeout);
    auto [cec] = co_await socket_.async_connect(ep, asio::as_tuple(asio::use_awaitable));
    ++gen_;
    timer_.cancel();
    if (timed_out_ || cec) {
        error_ = timed_out_ ? "connect timed out" : "connect: " + cec.message();
        close();
        co_return false;
    }
    socket_.non_blocking(true, ec);
    socket_.set_option(asio::socket_base::keep_alive(true), ec);
    peer_address_ = addr.to_string();
    auto local = socket_.local_endpoint(ec);
    if (!ec) local_address_ = local.address().to_string();
    co_return true;
}

long ClientStream::read_some(char* buf, std::size_t n, bool& want_write) {
    want_write = false;
    if (ssl_) {
        ERR_clear_error();
        int r = SSL_read(ssl_, buf, int(n));
        if (r > 0) return r;
        int err = SSL_get_error(ssl_, r);
        if (err == SSL_ERROR_ZERO_RETURN) return 0;
        if (err == SSL_ERROR_WANT_READ) return -1;
        if (err == SSL_ERROR_WANT_WRITE) {
            want_write = true;
            return -1;
        }
        if (err == SSL_ERROR_SYSCALL && errno == 0) return 0;
        error_ = "TLS read: " + openssl_errors("connection reset or closed");
        return -2;
    }
    for (;;) {
        ssize_t r = ::recv(socket_.native_handle(), buf, n, 0);
        if (r >= 0) return long(r);
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return -1;
        error_ = std::string("read: ") + std::strerror(errno);
        return -2;
    }
}

asio::awaitable<LineResult> ClientStream::read_line(std::size_t max, Clock::duration timeout) {
    LineResult r;
    const auto deadline = Clock::now() + timeout;
    std::size_t scanned = 0;
    for (;;) {
        std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
        std::size_t lf = avail.find('\n', scanned);
        if (lf != std::string_view::npos) {
            std::size_t len = lf;
            bool cr = len > 0 && avail[len - 1] == '\r';
            if (cr) --len;
            if (len > max) {
                r.line.assign(avail.data(), max);
                r.end = LineEnd::too_long;
            } else {
                r.line.assign(avail.data(), len);
                r.end = cr ? LineEnd::crlf : LineEnd::bare_lf;
            }
            in_pos_ += lf + 1;
            if (in_pos_ >= in_.size()) {
                in_.clear();
                in_pos_ = 0;
            }
            co_return r;
        }
        scanned = avail.size();
        if (avail.size() > max + 1) {  // a server that never ends its line
            r.line.assign(avail.data(), max);
            r.end = LineEnd::too_long;
            co_return r;
        }
        if (!open_) {
            r.end = LineEnd::error;
            co_return r;
        }
        if (in_pos_ > 0) {
            in_.erase(0, in_pos_);
            in_pos_ = 0;
            scanned = in_.size();
        }
        // One buffer per thread, copied out before any suspension: the
        // coroutine frame stays small.
        thread_local char buf[kReadChunk];
        bool want_write = false;
        long n = read_some(buf, kReadChunk, want_write);
        if (n > 0) {
            in_.append(buf, std::size_t(n));
            continue;
        }
        if (n == 0) {
            r.line = in_.substr(in_pos_);
            r.end = LineEnd::eof;
            co_return r;
        }
        if (n == -2) {
            r.end = LineEnd::error;
            co_return r;
        }
        auto w = co_await wait(
            want_write ? asio::socket_base::wait_write : asio::socket_base::wait_read, deadline);
        if (w == Wait::timeout) {
            r.end = LineEnd::timeout;
            co_return r;
        }
        if (w == Wait::error) {
            r.end = LineEnd::error;
            co_return r;
        }
    }
}

asio::awaitable<bool> ClientStream::write(std::string_view bytes, Clock::duration timeout) {
    std::size_t off = 0;
    while (off < bytes.size()) {
        if (!open_) co_return false;
        std::size_t left = bytes.size() - off;
        asio::socket_base::wait_type want = asio::socket_base::wait_write;
        if (ssl_) {
            ERR_clear_error();
            int n = SSL_write(ssl_, bytes.data() + off, int(left > INT_MAX ? INT_MAX : left));
            if (n > 0) {
                off += std::size_t(n);
                continue;
            }
            int err = SSL_get_error(ssl_, n);
            if (err == SSL_ERROR_WANT_READ)
                want = asio::socket_base::wait_read;
            else if (err != SSL_ERROR_WANT_WRITE) {
                error_ = "TLS write: " + openssl_errors("connection reset or closed");
                co_return false;
            }
        } else {
            ssize_t n = ::send(socket_.native_handle(), bytes.data() + off, left, MSG_NOSIGNAL);
            if (n > 0) {
                off += std::size_t(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                error_ = std::string("write: ") + std::strerror(errno);
                co_return false;
            }
        }
        // The timeout is for progress (RFC 5321 4.5.3.2.5: per data block),
        // not for the whole message.
        auto w = co_await wait(want, Clock::now() + timeout);
        if (w != Wait::ready) {
            error_ = w == Wait::timeout ? "write timed out" : "write: connection closed";
            co_return false;
        }
    }
    co_return true;
}

asio::awaitable<bool> ClientStream::start_tls(std::shared_ptr<ClientTlsContext> tls,
                                              std::string server_name, Clock::duration timeout) {
    if (!open_ || ssl_ || !tls) {
        error_ = "TLS not possible on this connection";
        co_return false;
    }
    tls_ = std::move(tls);
    in_.clear();
    in_pos_ = 0;
    ssl_ = SSL_new(tls_->ctx());
    if (!ssl_ || SSL_set_fd(ssl_, socket_.native_handle()) != 1) {
        error_ = "TLS setup: " + openssl_errors("connection reset or closed");
        close();
        co_return false;
    }
    SSL_set_connect_state(ssl_);
    if (!server_name.empty() && !is_ip_literal(server_name)) {
        SSL_set_tlsext_host_name(ssl_, server_name.c_str());
        if (tls_->verify_peer()) SSL_set1_host(ssl_, server_name.c_str());
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        ERR_clear_error();
        int rc = SSL_do_handshake(ssl_);
        if (rc == 1) break;
        int err = SSL_get_error(ssl_, rc);
        asio::socket_base::wait_type want;
        if (err == SSL_ERROR_WANT_READ)
            want = asio::socket_base::wait_read;
        else if (err == SSL_ERROR_WANT_WRITE)
            want = asio::socket_base::wait_write;
        else {
            long v = SSL_get_verify_result(ssl_);
            error_ = "TLS handshake: " + openssl_errors("connection reset or closed");
            if (v != X509_V_OK)
                error_ += std::string(" (") + X509_verify_cert_error_string(v) + ")";
            close();
            co_return false;
        }
        auto w = co_await wait(want, deadline);
        if (w != Wait::ready) {
            error_ =
                w == Wait::timeout ? "TLS handshake timed out" : "TLS handshake: connection closed";
            close();
            co_return false;
        }
    }
    tls_done_ = true;
    co_return true;
}

std::string ClientStream::tls_version() const {
    return tls_done_ ? SSL_get_version(ssl_) : std::string();
}

std::string ClientStream::tls_cipher() const {
    if (!tls_done_) return {};
    const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
    return c ? SSL_CIPHER_get_name(c) : "";
}

}  // namespace postamt::net
