#pragma once
// The answers to pending ACME challenges, shared between the ACME thread
// (which publishes them before asking the CA to validate and withdraws them
// afterwards) and the servers that answer the CA's validation requests:
// the HTTP handler for HTTP-01 (RFC 8555 8.3) and the TLS layer for
// TLS-ALPN-01 (RFC 8737 3). Thread-safe.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"

typedef struct ssl_st SSL;

namespace postamt::acme {

struct AlpnCert;

class ChallengeResponder {
public:
    ChallengeResponder();
    ~ChallengeResponder();

    void add_http01(const std::string& token, const std::string& key_authorization);
    void remove_http01(const std::string& token);
    std::optional<std::string> http01(const std::string& token) const;

    // Builds the RFC 8737 certificate (fresh P-256 key) for `name`.
    Status add_tls_alpn(const std::string& name, const std::string& key_authorization);
    void remove_tls_alpn(const std::string& name);
    // Puts the challenge certificate for `host` on `ssl` (from the
    // ClientHello callback); false when none is pending for that name.
    bool install_tls_alpn(const std::string& host, SSL* ssl) const;
    bool has_tls_alpn(const std::string& host) const;

private:
    mutable std::mutex mu_;
    std::map<std::string, std::string> http01_;
    std::map<std::string, std::shared_ptr<const AlpnCert>> alpn_;
};

}  // namespace postamt::acme
