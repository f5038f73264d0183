#pragma once
// Password hashes as stored in store::Credentials::password_hash: a Dovecot-
// style "{SCHEME}" prefix followed by the scheme's own string. New hashes are
// always Argon2id (libsodium); imported SHA512-CRYPT, SHA256-CRYPT, BLF-CRYPT
// and generic CRYPT hashes verify through libxcrypt and are flagged for
// re-hashing. Plaintext schemes ({PLAIN}, {CLEAR}, ...) are refused.
//
// Everything here is CPU-bound (Argon2id ~25 ms): call it from HashPool,
// never from an I/O thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace postamt::auth {

// libsodium's "interactive" limits (crypto_pwhash_argon2id_*_INTERACTIVE).
struct Argon2Params {
    uint64_t ops_limit = 2;
    std::size_t mem_limit = 64u << 20;  // bytes
};

inline constexpr std::size_t kMaxPasswordBytes = 1024;

// "{ARGON2ID}$argon2id$v=19$m=65536,t=2,p=1$...". Fails with Errc::invalid
// for an empty, overlong or NUL-containing password, Errc::internal when
// libsodium cannot allocate the memory.
Result<std::string> hash_password(std::string_view password, const Argon2Params& params = {});

enum class VerifyResult {
    ok,
    mismatch,
    unsupported,  // unknown or refused (plaintext) scheme, or a malformed hash
};

// Constant-time comparison of the computed and stored hash. Scheme names are
// case-insensitive. A bare "$argon2id$..." without prefix is accepted too.
VerifyResult verify_password(std::string_view stored, std::string_view password);

// True unless `stored` is Argon2id with exactly these parameters.
bool needs_rehash(std::string_view stored, const Argon2Params& params = {});

// The upper-cased scheme name of a stored hash ("ARGON2ID", "SHA512-CRYPT"),
// empty when there is no "{...}" prefix. For logs.
std::string hash_scheme(std::string_view stored);

}  // namespace postamt::auth
