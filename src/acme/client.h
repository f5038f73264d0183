#pragma once
// The ACME protocol flow (RFC 8555 7): directory, nonces, account, order,
// authorizations and challenges, finalize, certificate download. Blocking;
// runs on the ACME thread (acme/manager.h).
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "acme/challenges.h"
#include "acme/crypto.h"
#include "acme/https_client.h"
#include "acme/protocol.h"
#include "common/result.h"

namespace postamt::acme {

struct ClientOptions {
    std::string directory_url;
    std::string ca_file;
    std::string email;
    std::string challenge = "tls-alpn-01";  // or "http-01"
    std::chrono::seconds request_timeout{30};
    std::chrono::seconds validation_timeout{300};  // per authorization / order state wait
};

struct IssuedCertificate {
    std::string chain_pem;  // leaf first
    std::string key_pem;
};

class AcmeClient {
public:
    // `sleep` lets tests cut the waits short; it returns false to give up
    // (server shutting down).
    using Sleep = std::function<bool(std::chrono::seconds)>;
    AcmeClient(ClientOptions o, EVP_PKEY* account_key, ChallengeResponder& responder, Sleep sleep);

    Result<IssuedCertificate> obtain(const std::vector<std::string>& names);

private:
    Status setup();
    Result<HttpResponse> post(const std::string& url, const std::string& payload, const std::string& accept = "");
    Status fresh_nonce();
    Status validate(const std::string& authz_url);
    Result<Order> wait_order(const std::string& url, Order o, const char* until);

    ClientOptions o_;
    EVP_PKEY* key_;
    ChallengeResponder& responder_;
    Sleep sleep_;
    std::optional<HttpsClient> http_;
    Directory dir_;
    std::string nonce_;
    std::string kid_;
    std::string thumbprint_;
};

}  // namespace postamt::acme
