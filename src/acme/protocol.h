#pragma once
// RFC 8555 messages as plain data: the server's JSON objects parsed
// defensively (any field may be missing, of the wrong type or absurdly
// large: a CA is a remote party), the JWS requests built, and HTTP/1.1
// responses split into status, headers and body. Free of Asio and sockets.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace postamt::acme {

struct HttpResponse {
    int status = 0;
    std::multimap<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string header(std::string_view lower_name) const;  // first value or ""
};

// A complete HTTP/1.1 response as read until the server closed the
// connection ("Connection: close"): Content-Length and chunked bodies.
// `no_body`: the answer to a HEAD request (RFC 9110 9.3.2), whose
// Content-Length describes a body that is not sent.
Result<HttpResponse> parse_http_response(std::string_view bytes, bool no_body = false);

// RFC 8555 6.7 problem document; empty type when the body is not one.
struct Problem {
    std::string type;
    std::string detail;
    int status = 0;
    std::string describe() const;  // "urn:...:badNonce: detail"
};
Problem parse_problem(std::string_view body);

struct Directory {  // RFC 8555 7.1.1
    std::string new_nonce, new_account, new_order, terms_of_service;
};
Result<Directory> parse_directory(std::string_view body);

struct Order {  // RFC 8555 7.1.3
    std::string status;  // pending, ready, processing, valid, invalid
    std::vector<std::string> authorizations;
    std::string finalize;
    std::string certificate;  // once valid
    Problem error;
};
Result<Order> parse_order(std::string_view body);

struct Challenge {  // RFC 8555 7.1.5
    std::string type, url, token, status;
    Problem error;
};
struct Authorization {  // RFC 8555 7.1.4
    std::string identifier;  // dns value
    std::string status;      // pending, valid, invalid, deactivated, expired, revoked
    bool wildcard = false;
    std::vector<Challenge> challenges;
};
Result<Authorization> parse_authorization(std::string_view body);

// RFC 7231 7.1.3 Retry-After: delay-seconds or an HTTP-date; nullopt when
// absent or unparseable. Clamped to [0, max].
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, std::chrono::system_clock::time_point now,
                                                      std::chrono::seconds max);

// RFC 8555 6.2 flattened JWS: protected header {alg, nonce, url} plus jwk
// (newAccount) or kid (everything after). `payload` empty = POST-as-GET.
Result<std::string> build_jws(EVP_PKEY* key, const std::string& kid, const std::string& nonce, const std::string& url,
                              const std::string& payload);

// Token characters allowed by RFC 8555 8.1 (base64url), 1..256 long, so a
// token can go into a URL path and a key authorization safely.
bool valid_token(std::string_view token);

std::string new_account_payload(const std::string& email);
std::string new_order_payload(const std::vector<std::string>& names);

}  // namespace postamt::acme
