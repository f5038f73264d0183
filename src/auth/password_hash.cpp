#include "auth/password_hash.h"

#include <crypt.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "auth/sodium_init.h"

namespace postamt::auth {
namespace {

struct Parsed {
    std::string scheme;  // upper-case, without braces
    std::string_view rest;
};

Parsed parse(std::string_view stored) {
    Parsed p;
    if (stored.size() > 2 && stored.front() == '{') {
        auto close = stored.find('}');
        if (close != std::string_view::npos && close < 32) {
            for (char c : stored.substr(1, close - 1))
                p.scheme += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            p.rest = stored.substr(close + 1);
            return p;
        }
    }
    if (stored.starts_with("$argon2id$")) {
        p.scheme = "ARGON2ID";
        p.rest = stored;
    }
    return p;
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// crypt(3) family through libxcrypt's crypt_rn: reentrant (our own
// crypt_data on the heap, ~32 KiB) and it returns NULL rather than a "*0"
// failure token on errors.
VerifyResult verify_crypt(std::string_view setting, std::string_view password) {
    if (setting.empty() || has_nul(setting) || has_nul(password)) return VerifyResult::mismatch;
    std::string setting_z(setting);
    std::string password_z(password);
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_rn(password_z.c_str(), setting_z.c_str(), data.get(), sizeof(crypt_data));
    VerifyResult r = VerifyResult::mismatch;
    if (out != nullptr && out[0] != '*') {
        std::string_view computed(out);
        if (computed.size() == setting.size() &&
            sodium_memcmp(computed.data(), setting.data(), setting.size()) == 0)
            r = VerifyResult::ok;
    } else if (out == nullptr) {
        r = VerifyResult::unsupported;  // setting libxcrypt does not understand
    }
    sodium_memzero(data.get(), sizeof(crypt_data));
    sodium_memzero(password_z.data(), password_z.size());
    return r;
}

bool is_plaintext_scheme(const std::string& s) {
    return s == "PLAIN" || s == "CLEAR" || s == "CLEARTEXT" || s == "PLAIN-TRUNC" ||
           s == "PLAINTEXT";
}

}  // namespace

Result<std::string> hash_password(std::string_view password, const Argon2Params& params) {
    ensure_sodium();
    if (password.empty() || password.size() > kMaxPasswordBytes || has_nul(password))
        return make_error(Errc::invalid, "password empty, too long or contains NUL");
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), params.ops_limit,
                              params.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return make_error(Errc::internal, "argon2id hashing failed (out of memory?)");
    return std::string("{ARGON2ID}") + out;
}

VerifyResult verify_password(std::string_view stored, std::string_view password) {
    ensure_sodium();
    if (password.empty() || password.size() > kMaxPasswordBytes) return VerifyResult::mismatch;
    Parsed p = parse(stored);
    if (p.scheme == "ARGON2ID") {
        if (!p.rest.starts_with("$argon2id$") || p.rest.size() >= crypto_pwhash_STRBYTES ||
            has_nul(p.rest))
            return VerifyResult::unsupported;
        std::string hash_z(p.rest);
        // crypto_pwhash_str_verify compares in constant time.
        int rc = crypto_pwhash_argon2id_str_verify(hash_z.c_str(), password.data(),
                                                   password.size());
        return rc == 0 ? VerifyResult::ok : VerifyResult::mismatch;
    }
    if (p.scheme == "SHA512-CRYPT") {
        if (!p.rest.starts_with("$6$")) return VerifyResult::unsupported;
        return verify_crypt(p.rest, password);
    }
    if (p.scheme == "SHA256-CRYPT") {
        if (!p.rest.starts_with("$5$")) return VerifyResult::unsupported;
        return verify_crypt(p.rest, password);
    }
    if (p.scheme == "BLF-CRYPT") {
        if (!p.rest.starts_with("$2y$") && !p.rest.starts_with("$2b$") &&
            !p.rest.starts_with("$2a$"))
            return VerifyResult::unsupported;
        return verify_crypt(p.rest, password);
    }
    // Plaintext schemes are refused outright: a leaked database must not
    // hand out working passwords, so such accounts need a reset.
    if (is_plaintext_scheme(p.scheme)) return VerifyResult::unsupported;
    if (p.scheme == "CRYPT") return verify_crypt(p.rest, password);
    return VerifyResult::unsupported;
}

bool needs_rehash(std::string_view stored, const Argon2Params& params) {
    ensure_sodium();
    Parsed p = parse(stored);
    if (p.scheme != "ARGON2ID" || !p.rest.starts_with("$argon2id$") ||
        p.rest.size() >= crypto_pwhash_STRBYTES || has_nul(p.rest))
        return true;
    std::string hash_z(p.rest);
    return crypto_pwhash_argon2id_str_needs_rehash(hash_z.c_str(), params.ops_limit,
                                                   params.mem_limit) != 0;
}

std::string hash_scheme(std::string_view stored) { return parse(stored).scheme; }

}  // namespace postamt::auth
