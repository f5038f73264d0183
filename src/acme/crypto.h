#pragma once
// The cryptography of ACME, free of Asio and sockets: the ES256 account key
// and its JWK (RFC 7517/7518) and thumbprint (RFC 7638), base64url (RFC 4648
// section 5, unpadded as RFC 8555 6.1 and RFC 7515 2 require), ECDSA P-256
// keys and CSRs for certificates, and the TLS-ALPN-01 challenge certificate
// (RFC 8737 3). OpenSSL 3 EVP throughout.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace postamt::acme {


struct PkeyFree {
    void operator()(EVP_PKEY* k) const;
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A new ECDSA key on P-256 (account keys and certificate keys alike).
Result<Pkey> generate_p256();
Result<Pkey> load_private_key_pem(std::string_view pem);
Result<std::string> private_key_pem(EVP_PKEY* key);  // PKCS#8 PEM

// {"crv":"P-256","kty":"EC","x":"...","y":"..."}: members in lexicographic
// order and no whitespace, which is also the RFC 7638 3 input form.
Result<std::string> jwk_json(EVP_PKEY* key);
// base64url(SHA-256(jwk_json)) (RFC 7638 3).
Result<std::string> jwk_thumbprint(EVP_PKEY* key);
// ES256 signature of `data` as JWS wants it: R || S, 32 bytes each
// (RFC 7518 3.4), not the DER form OpenSSL produces.
Result<std::string> es256_sign(EVP_PKEY* key, std::string_view data);

// PKCS#10 request (DER) for `names` (SANs; the first also as CN), signed by `key`.
Result<std::string> build_csr(const std::vector<std::string>& names, EVP_PKEY* key);

// RFC 8737 3: self-signed certificate for `name` with a critical
// id-pe-acmeIdentifier extension holding SHA-256(key_authorization).
// Returns PEM (certificate) and uses `key`.
Result<std::string> tls_alpn_challenge_cert(const std::string& name, const std::string& key_authorization,
                                            EVP_PKEY* key);

// Facts about the first certificate of a PEM chain.
struct CertInfo {
    std::vector<std::string> names;  // DNS SANs
    std::chrono::system_clock::time_point not_before, not_after;
    std::string serial_hex;
    std::string issuer;
};
Result<CertInfo> certificate_info(std::string_view pem);

}  // namespace postamt::acme
