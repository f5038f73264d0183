#pragma once
// A small blocking HTTPS/1.1 client for talking to the ACME server from the
// ACME thread (never from an I/O thread): one connection per request
// ("Connection: close"), peer verified against `ca_file` (or the system
// store) and the URL's host, time-limited. ACME traffic is a few dozen
// requests per renewal, so simplicity beats connection reuse.
#include <chrono>
#include <string>

#include "acme/protocol.h"
#include "common/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace postamt::acme {

struct Url {
    std::string host;  // without brackets for IPv6
    std::string port;
    std::string target;  // path and query, "/" at least
};
Result<Url> parse_https_url(std::string_view url);

class HttpsClient {
public:
    static Result<HttpsClient> create(const std::string& ca_file, std::chrono::seconds timeout);
    HttpsClient(HttpsClient&&) noexcept;
    HttpsClient& operator=(HttpsClient&&) noexcept;
    ~HttpsClient();

    // method "GET", "HEAD" or "POST" (body sent as application/jose+json).
    Result<HttpResponse> request(const std::string& method, const std::string& url, const std::string& body,
                                 const std::string& accept = "");

private:
    HttpsClient() = default;
    SSL_CTX* ctx_ = nullptr;
    std::chrono::seconds timeout_{30};
};

}  // namespace postamt::acme
