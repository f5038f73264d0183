#pragma once
// Loopback test helpers: a temporary directory, a blocking line client (plain
// or TLS via OpenSSL, with STARTTLS upgrade and SNI) and a tiny echo-line
// protocol served by net::Server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/config.h"
#include "net/connection.h"
#include "net/server.h"
#include "net/tls_context.h"

namespace nettest {

using namespace postamt;

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/postamt-net-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

class Client {
public:
    Client() = default;
    ~Client() { close(); }
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    bool connect(std::uint16_t port, const std::string& host = "127.0.0.1") {
        bool v6 = host.find(':') != std::string::npos;
        fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return false;
        timeval tv{10, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (v6) {
            sockaddr_in6 a{};
            a.sin6_family = AF_INET6;
            a.sin6_port = htons(port);
            ::inet_pton(AF_INET6, host.c_str(), &a.sin6_addr);
            return ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        }
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        ::inet_pton(AF_INET, host.c_str(), &a.sin_addr);
        return ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    }
    void set_read_timeout(int ms) {
        timeval tv{ms / 1000, (ms % 1000) * 1000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }

    // TLS handshake as a client; `sni` empty: no SNI extension.
    bool start_tls(const std::string& sni = "") {
        ctx_ = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        if (!sni.empty()) SSL_set_tlsext_host_name(ssl_, sni.c_str());
        return SSL_connect(ssl_) == 1;
    }
    // Subject alternative DNS names of the server's certificate, comma separated.
    std::string peer_cert_subject_cn() const {
        X509* cert = SSL_get1_peer_certificate(ssl_);
        if (!cert) return {};
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
        X509_free(cert);
        return cn;
    }
    std::string tls_version() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

    bool send(const std::string& s) {
        std::size_t off = 0;
        while (off < s.size()) {
            int n = ssl_ ? SSL_write(ssl_, s.data() + off, int(s.size() - off))
                         : int(::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL));
            if (n <= 0) return false;
            off += std::size_t(n);
        }
        return true;
    }
    // Next line without CRLF; "<eof>" on close, "<timeout>" on no data.
    std::string line() {
        for (;;) {
            auto p = buf_.find('\n');
            if (p != std::string::npos) {
                std::string l = buf_.substr(0, p);
                buf_.erase(0, p + 1);
                if (!l.empty() && l.back() == '\r') l.pop_back();
                return l;
            }
            char tmp[4096];
            int n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : int(::recv(fd_, tmp, sizeof tmp, 0));
            if (n == 0) return "<eof>";
            if (n < 0) {
                if (!ssl_ && (errno == EAGAIN || errno == EWOULDBLOCK)) return "<timeout>";
                if (ssl_) {
                    int e = SSL_get_error(ssl_, n);
                    if (e == SSL_ERROR_ZERO_RETURN) return "<eof>";
                    if (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)) return "<timeout>";
                }
                return "<eof>";
            }
            buf_.append(tmp, std::size_t(n));
        }
    }
    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
    void close() {
        if (ssl_) SSL_free(ssl_), ssl_ = nullptr;
        if (ctx_) SSL_CTX_free(ctx_), ctx_ = nullptr;
        if (fd_ >= 0) ::close(fd_), fd_ = -1;
    }
    int fd() const { return fd_; }

private:
    int fd_ = -1;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
    std::string buf_;
};

// What the echo protocol saw last (for endings a client cannot observe).
inline std::atomic<int> g_last_end{-1};

net::asio::awaitable<void> echo_protocol(std::shared_ptr<net::Connection> c);

inline ListenerConfig echo_listener(const std::string& name, TlsMode tls, bool proxy = false,
                                    const std::string& address = "127.0.0.1") {
    ListenerConfig l;
    l.name = name;
    l.protocol = Protocol::smtp;
    l.addresses = {address};
    l.port = 0;
    l.tls = tls;
    l.proxy_protocol = proxy;
    return l;
}

// A server with the echo protocol on the given listeners, started.
struct EchoServer {
    TempDir dir;
    std::unique_ptr<net::Server> server;
    explicit EchoServer(std::vector<ListenerConfig> listeners, LimitsConfig limits = {},
                        std::shared_ptr<net::TlsContext> tls = nullptr) {
        Config cfg;
        cfg.server.data_dir = dir.path;
        cfg.server.hostname = "mail.test";
        cfg.listeners = std::move(listeners);
        cfg.limits = limits;
        server = std::make_unique<net::Server>(cfg, net::ServerOptions{.io_threads = 2});
        if (tls) server->set_tls(tls);
        server->set_handler(Protocol::smtp, echo_protocol);
        auto st = server->bind();
        if (!st) std::abort();
        server->start();
    }
    ~EchoServer() { server->stop(std::chrono::milliseconds(0)); }
    std::uint16_t port(const std::string& name) const { return server->port_of(name); }
};

}  // namespace nettest
