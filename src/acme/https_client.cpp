#include "acme/https_client.h"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "common/log.h"
#include "net/openssl_error.h"

namespace postamt::acme {
namespace {

constexpr std::size_t kMaxResponse = 2 << 20;

bool is_ip(const std::string& h) {
    unsigned char buf[16];
    return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

// Connects with a deadline; the socket stays blocking with SO_RCVTIMEO /
// SO_SNDTIMEO as the per-operation limits.
Result<int> connect_tcp(const Url& u, std::chrono::seconds timeout) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(u.host.c_str(), u.port.c_str(), &hints, &res);
    if (rc != 0) return make_error(Errc::unavailable, "cannot resolve " + u.host + ": " + gai_strerror(rc));
    std::string last = "no address";
    int fd = -1;
    for (addrinfo* a = res; a; a = a->ai_next) {
        fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        timeval tv{};
        tv.tv_sec = timeout.count();
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // also bounds connect() on Linux
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        last = std::strerror(errno);
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(res);
    if (fd < 0) return make_error(Errc::unavailable, "cannot connect to " + u.host + ":" + u.port + ": " + last);
    return fd;
}

}  // namespace

Result<Url> parse_https_url(std::string_view url) {
    if (!url.starts_with("https://")) return make_error(Errc::invalid, "not an https URL: " + std::string(url));
    std::string_view rest = url.substr(8);
    auto slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    Url u;
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (u.target.front() == '?') u.target = "/" + u.target;
    if (authority.find('@') != std::string_view::npos) return make_error(Errc::invalid, "URL with user info");
    u.port = "443";
    if (authority.starts_with("[")) {
        auto close = authority.find(']');
        if (close == std::string_view::npos) return make_error(Errc::invalid, "bad IPv6 URL");
        u.host = std::string(authority.substr(1, close - 1));
        if (authority.size() > close + 1) {
            if (authority[close + 1] != ':') return make_error(Errc::invalid, "bad URL authority");
            u.port = std::string(authority.substr(close + 2));
        }
    } else {
        auto colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
    }
    if (u.host.empty() || u.port.empty() || u.port.size() > 5 ||
        u.port.find_first_not_of("0123456789") != std::string::npos)
        return make_error(Errc::invalid, "bad URL authority: " + std::string(authority));
    for (char c : u.target)
        if (c <= ' ' || c == 0x7f) return make_error(Errc::invalid, "bad character in URL");
    return u;
}

Result<HttpsClient> HttpsClient::create(const std::string& ca_file, std::chrono::seconds timeout) {
    ERR_clear_error();
    HttpsClient c;
    c.timeout_ = timeout;
    c.ctx_ = SSL_CTX_new(TLS_client_method());
    if (!c.ctx_) return make_error(Errc::internal, "SSL_CTX_new: " + net::openssl_errors());
    SSL_CTX_set_min_proto_version(c.ctx_, TLS1_2_VERSION);
    SSL_CTX_set_verify(c.ctx_, SSL_VERIFY_PEER, nullptr);
    int ok = ca_file.empty() ? SSL_CTX_set_default_verify_paths(c.ctx_)
                             : SSL_CTX_load_verify_locations(c.ctx_, ca_file.c_str(), nullptr);
    if (ok != 1)
        return make_error(Errc::unavailable,
                          "acme.ca_file " + (ca_file.empty() ? std::string("(system store)") : ca_file) +
                              " cannot be loaded: " + net::openssl_errors());
    return c;
}

HttpsClient::HttpsClient(HttpsClient&& o) noexcept : ctx_(o.ctx_), timeout_(o.timeout_) { o.ctx_ = nullptr; }
HttpsClient& HttpsClient::operator=(HttpsClient&& o) noexcept {
    std::swap(ctx_, o.ctx_);
    timeout_ = o.timeout_;
    return *this;
}
HttpsClient::~HttpsClient() { SSL_CTX_free(ctx_); }

Result<HttpResponse> HttpsClient::request(const std::string& method, const std::string& url, const std::string& body,
                                          const std::string& accept) {
    auto u = parse_https_url(url);
    if (!u) return u.error();
    auto fd = connect_tcp(*u, timeout_);
    if (!fd) return fd.error();
    ERR_clear_error();
    SSL* ssl = SSL_new(ctx_);
    struct Closer {
        SSL* ssl;
        int fd;
        ~Closer() {
            if (ssl) SSL_free(ssl);
            ::close(fd);
        }
    } closer{ssl, *fd};
    if (!ssl) return make_error(Errc::internal, "SSL_new: " + net::openssl_errors());
    SSL_set_fd(ssl, *fd);
    if (is_ip(u->host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), u->host.c_str());
    } else {
        SSL_set_tlsext_host_name(ssl, u->host.c_str());
        SSL_set1_host(ssl, u->host.c_str());
    }
    if (SSL_connect(ssl) != 1) {
        long v = SSL_get_verify_result(ssl);
        std::string why = v != X509_V_OK ? X509_verify_cert_error_string(v) : net::openssl_errors();
        return make_error(Errc::unavailable, "TLS handshake with " + u->host + ":" + u->port + " failed: " + why);
    }
    std::string host_header = u->host.find(':') != std::string::npos ? "[" + u->host + "]" : u->host;
    if (u->port != "443") host_header += ":" + u->port;
    std::string req = method + " " + u->target + " HTTP/1.1\r\nHost: " + host_header +
                      "\r\nUser-Agent: Postamt-ACME\r\nConnection: close\r\nAccept-Encoding: identity\r\n";
    if (!accept.empty()) req += "Accept: " + accept + "\r\n";
    if (method == "POST")
        req += "Content-Type: application/jose+json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    req += "\r\n";
    req += body;
    std::size_t off = 0;
    while (off < req.size()) {
        int n = SSL_write(ssl, req.data() + off, int(req.size() - off));
        if (n <= 0) return make_error(Errc::unavailable, "write to " + u->host + " failed");
        off += std::size_t(n);
    }
    std::string in;
    char buf[16384];
    for (;;) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n > 0) {
            in.append(buf, std::size_t(n));
            if (in.size() > kMaxResponse) return make_error(Errc::invalid, "response from " + u->host + " too large");
            continue;
        }
        int err = SSL_get_error(ssl, n);
        if (err == SSL_ERROR_ZERO_RETURN) break;
        // A peer closing without close_notify after a complete response
        // is common; the parser decides whether the body is complete.
        if (err == SSL_ERROR_SYSCALL && errno == 0) break;
        if (err == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) break;
        if (in.empty()) return make_error(Errc::unavailable, "no response from " + u->host + " (timeout or reset)");
        break;
    }
    return parse_http_response(in, /*no_body=*/method == "HEAD");
}

}  // namespace postamt::acme
