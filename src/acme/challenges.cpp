#include "acme/challenges.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "acme/crypto.h"

namespace postamt::acme {

struct AlpnCert {
    X509* cert = nullptr;
    EVP_PKEY* key = nullptr;
    ~AlpnCert() {
        X509_free(cert);
        EVP_PKEY_free(key);
    }
};

ChallengeResponder::ChallengeResponder() = default;
ChallengeResponder::~ChallengeResponder() = default;

void ChallengeResponder::add_http01(const std::string& token, const std::string& key_authorization) {
    std::lock_guard lk(mu_);
    http01_[token] = key_authorization;
}

void ChallengeResponder::remove_http01(const std::string& token) {
    std::lock_guard lk(mu_);
    http01_.erase(token);
}

std::optional<std::string> ChallengeResponder::http01(const std::string& token) const {
    std::lock_guard lk(mu_);
    auto it = http01_.find(token);
    if (it == http01_.end()) return std::nullopt;
    return it->second;
}

Status ChallengeResponder::add_tls_alpn(const std::string& name, const std::string& key_authorization) {
    auto key = generate_p256();
    if (!key) return key.error();
    auto pem = tls_alpn_challenge_cert(name, key_authorization, key->get());
    if (!pem) return pem.error();
    auto c = std::make_shared<AlpnCert>();
    BIO* b = BIO_new_mem_buf(pem->data(), int(pem->size()));
    c->cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    if (!c->cert) return make_error(Errc::internal, "challenge certificate does not parse");
    c->key = key->release();
    std::lock_guard lk(mu_);
    alpn_[name] = std::move(c);
    return ok_status();
}

void ChallengeResponder::remove_tls_alpn(const std::string& name) {
    std::lock_guard lk(mu_);
    alpn_.erase(name);
}

bool ChallengeResponder::has_tls_alpn(const std::string& host) const {
    std::lock_guard lk(mu_);
    return alpn_.count(host) != 0;
}

bool ChallengeResponder::install_tls_alpn(const std::string& host, SSL* ssl) const {
    std::shared_ptr<const AlpnCert> c;
    {
        std::lock_guard lk(mu_);
        auto it = alpn_.find(host);
        if (it == alpn_.end()) return false;
        c = it->second;
    }
    // Only the challenge certificate may be offered (RFC 8737 3): drop the
    // default certificate (and its chain) this SSL inherited from its context.
    SSL_certs_clear(ssl);
    return SSL_use_certificate(ssl, c->cert) == 1 && SSL_use_PrivateKey(ssl, c->key) == 1;
}

}  // namespace postamt::acme
