#pragma once
// DKIM signing (RFC 6376) with RSA-SHA256 and Ed25519-SHA256 (RFC 8463),
// keys through OpenSSL 3 EVP, and the per-domain keyring on disk.
//
// Key directory layout (docs/dkim.md):
//   <key_dir>/<domain>/<selector>.pem     PKCS#8 private key, mode 0600
// <key_dir> is [dkim] key_dir, or <server.data_dir>/dkim when empty; the
// domain directory is the lower-cased From domain (mode 0700). The key type
// (RSA or Ed25519) is read from the PEM; the selector is the file name.
// `postamt dkim generate` names selectors "<base>-rsa" and "<base>-ed25519".
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "smtp/dkim_canon.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace postamt::smtp::dkim {

enum class Algorithm { rsa_sha256, ed25519_sha256 };

// "rsa-sha256" / "ed25519-sha256" (a= tag); "rsa" / "ed25519" (k= tag).
const char* algorithm_name(Algorithm a);
const char* key_type_name(Algorithm a);

// A private key (immutable, shared; safe to sign with from several threads).
class PrivateKey {
public:
    // RSA 2048 bits (RFC 8301: at least 1024, 2048 recommended) or Ed25519.
    static Result<PrivateKey> generate(Algorithm a);
    // PEM: PKCS#8 "PRIVATE KEY" or the traditional "RSA PRIVATE KEY".
    static Result<PrivateKey> from_pem(std::string_view pem);
    // The 32-byte Ed25519 secret (RFC 8032 seed), as RFC 8463 A.1 gives it.
    static Result<PrivateKey> ed25519_from_seed(std::string_view seed32);

    Algorithm algorithm() const { return alg_; }
    unsigned bits() const;
    std::string pem() const;  // PKCS#8
    // The p= value: base64 of the DER SubjectPublicKeyInfo (RSA, as every
    // DKIM verifier accepts) or of the raw 32-byte key (Ed25519, RFC 8463 4.2).
    std::string public_key_base64() const;
    // "v=DKIM1; k=rsa; p=..." (RFC 6376 3.6.1).
    std::string dns_record() const;
    // The b= signature of the header hash input (3.7): RSASSA-PKCS1-v1_5
    // with SHA-256 over `data`; or PureEdDSA Ed25519 over SHA-256(data)
    // (RFC 8463 3). Raw bytes, not base64.
    Result<std::string> sign(std::string_view data) const;

private:
    std::shared_ptr<EVP_PKEY> key_;
    Algorithm alg_ = Algorithm::rsa_sha256;
};

// Verifies a raw signature against a key record's p= value (base64, FWS
// allowed): for the tests now and the inbound verifier later.
bool verify_signature(Algorithm a, std::string_view p_base64, std::string_view data, std::string_view signature);

// One signing identity: d= and s= with its key.
struct SigningKey {
    std::string domain;    // d=, lower-case
    std::string selector;  // s=
    PrivateKey key;
};

// The header fields signed when present (lower-case). From is always signed
// and over-signed (listed once more than it occurs, RFC 6376 8.15) so that a
// second From cannot be added.
const std::vector<std::string>& default_signed_headers();

struct SignOptions {
    std::time_t timestamp = 0;  // t=; 0 leaves t= out
    std::vector<std::string> headers = default_signed_headers();
};

// The DKIM-Signature header field for `message` (canonical CRLF), relaxed/
// relaxed, folded, ending in CRLF: to be prepended to the message as is.
Result<std::string> sign_message(const SigningKey& key, std::string_view message, const SignOptions& opt);

// Per-domain keys loaded from the key directory.
class Keyring {
public:
    // Reads <dir>/<domain>/<selector>.pem. A missing directory is an empty
    // keyring; an unreadable or group/other-accessible key file, or one
    // that is not an RSA (>= 1024 bits) or Ed25519 key, is an error naming
    // the file and the fix.
    static Result<Keyring> load(const std::string& dir);

    void add(SigningKey k);
    // Keys of a domain (case-insensitive), Ed25519 first; empty if none.
    std::vector<const SigningKey*> keys_for(std::string_view domain) const;
    std::vector<std::string> domains() const;
    bool empty() const { return keys_.empty(); }
    std::size_t size() const;

private:
    std::map<std::string, std::vector<SigningKey>> keys_;  // domain -> keys
};

// The directory of the keyring: `key_dir` if set, else <data_dir>/dkim.
std::string key_directory(const std::string& key_dir, const std::string& data_dir);

// The lower-cased domain of the first mailbox in the message's From field;
// empty when there is none.
std::string from_domain(std::string_view message);

// All DKIM-Signature fields to prepend to `message`: one per key of the
// From domain (dual RSA + Ed25519 signing when both exist); empty when the
// domain has no keys.
Result<std::string> sign_with_keyring(const Keyring& ring, std::string_view message, std::time_t now);

}  // namespace postamt::smtp::dkim
