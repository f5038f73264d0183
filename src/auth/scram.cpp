// SCRAM-SHA-256, RFC 5802 sections 3, 5 and 7 with RFC 7677.
#include "auth/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <charconv>
#include <vector>

#include "auth/sodium_init.h"
#include "common/base64.h"
#include "common/digest.h"

namespace postamt::auth {
namespace {

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return std::string(reinterpret_cast<char*>(out), len);
}

std::string random_bytes(std::size_t n) {
    ensure_sodium();
    std::string s(n, '\0');
    randombytes_buf(s.data(), n);
    return s;
}

// Per-process key for the fake salt of unknown users: the same username gets
// the same salt within a process, so repeated probes look like a real user.
const std::string& fake_salt_key() {
    static const std::string key = random_bytes(32);
    return key;
}

bool is_printable_nonce(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (c < 0x21 || c > 0x7E || c == ',') return false;
    return true;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Splits "a=1,b=2" into attributes; false when an attribute is not
// ALPHA "=" 1*value-char (RFC 5802 section 7 attr-val).
bool split_attrs(std::string_view msg, std::vector<std::pair<char, std::string_view>>& out) {
    std::size_t pos = 0;
    while (true) {
        auto comma = msg.find(',', pos);
        std::string_view part = msg.substr(pos, comma == std::string_view::npos ? std::string_view::npos
                                                                                 : comma - pos);
        if (part.size() < 3 || !is_alpha(part[0]) || part[1] != '=') return false;
        if (part.find('\0') != std::string_view::npos) return false;
        out.emplace_back(part[0], part.substr(2));
        if (comma == std::string_view::npos) return true;
        pos = comma + 1;
    }
}

// saslname: "=2C" -> ',', "=3D" -> '='; any other '=' is an error (5.1 "n").
std::optional<std::string> decode_saslname(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '=') {
            auto esc = s.substr(i + 1, 2);
            if (esc == "2C")
                out += ',';
            else if (esc == "3D")
                out += '=';
            else
                return std::nullopt;
            i += 2;
        } else {
            out += s[i];
        }
    }
    if (out.empty() || !is_valid_utf8(out)) return std::nullopt;
    return out;
}

bool credentials_usable(const ScramCredentials& c) {
    return c.iterations >= 1 && c.iterations <= kScramMaxIterations && !c.salt.empty() &&
           c.stored_key.size() == kScramKeyBytes && c.server_key.size() == kScramKeyBytes;
}

}  // namespace

Result<ScramCredentials> scram_derive(std::string_view password, std::string_view salt,
                                      uint32_t iterations) {
    if (password.empty()) return make_error(Errc::invalid, "empty password");
    if (salt.empty()) return make_error(Errc::invalid, "empty salt");
    if (iterations < 1 || iterations > kScramMaxIterations)
        return make_error(Errc::invalid, "iteration count out of range");
    auto prepared = saslprep(password);
    std::string pw = prepared ? std::move(*prepared) : std::string(password);
    unsigned char salted[kScramKeyBytes];
    // SaltedPassword := Hi(Normalize(password), salt, i) -- Hi is PBKDF2.
    if (PKCS5_PBKDF2_HMAC(pw.data(), static_cast<int>(pw.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()),
                          static_cast<int>(salt.size()), static_cast<int>(iterations),
                          EVP_sha256(), sizeof salted, salted) != 1) {
        OPENSSL_cleanse(pw.data(), pw.size());
        return make_error(Errc::internal, "PBKDF2 failed");
    }
    OPENSSL_cleanse(pw.data(), pw.size());
    std::string_view salted_sv(reinterpret_cast<char*>(salted), sizeof salted);
    ScramCredentials c;
    c.iterations = iterations;
    c.salt = std::string(salt);
    std::string client_key = hmac_sha256(salted_sv, "Client Key");
    c.stored_key = sha256(client_key);
    c.server_key = hmac_sha256(salted_sv, "Server Key");
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key.data(), client_key.size());
    return c;
}

Result<std::string> make_scram_credentials(std::string_view password, uint32_t iterations) {
    auto c = scram_derive(password, random_bytes(16), iterations);
    if (!c) return c.error();
    return format_scram_credentials(*c);
}

std::string format_scram_credentials(const ScramCredentials& c) {
    return std::to_string(c.iterations) + ":" + base64_encode(c.salt) + ":" +
           base64_encode(c.stored_key) + ":" + base64_encode(c.server_key);
}

std::optional<ScramCredentials> parse_scram_credentials(std::string_view s) {
    std::string_view parts[4];
    for (int i = 0; i < 4; ++i) {
        auto colon = s.find(':');
        if (i < 3) {
            if (colon == std::string_view::npos) return std::nullopt;
            parts[i] = s.substr(0, colon);
            s.remove_prefix(colon + 1);
        } else {
            if (colon != std::string_view::npos) return std::nullopt;
            parts[i] = s;
        }
    }
    ScramCredentials c;
    auto [ptr, ec] = std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), c.iterations);
    if (ec != std::errc() || ptr != parts[0].data() + parts[0].size() || parts[0].empty() ||
        parts[0][0] == '0')
        return std::nullopt;
    auto salt = base64_decode(parts[1]);
    auto stored = base64_decode(parts[2]);
    auto server = base64_decode(parts[3]);
    if (!salt || !stored || !server) return std::nullopt;
    c.salt = std::move(*salt);
    c.stored_key = std::move(*stored);
    c.server_key = std::move(*server);
    if (!credentials_usable(c)) return std::nullopt;
    return c;
}

std::string random_scram_nonce() { return base64_encode(random_bytes(24)); }

// ---- server state machine ----------------------------------------------------

ScramSha256Server::ScramSha256Server(NonceGenerator nonce) : nonce_gen_(std::move(nonce)) {}

Step ScramSha256Server::fail(SaslFailure f, const char* reason, const char* server_error) {
    state_ = State::done;
    if (server_error) return finish(Step::make_failure(f, reason, std::string("e=") + server_error));
    return finish(Step::make_failure(f, reason));
}

Step ScramSha256Server::start(std::optional<std::string_view> initial) {
    if (state_ != State::initial) return out_of_order();
    state_ = State::want_client_first;
    if (!initial) return Step::make_challenge("");  // client-first: empty server challenge
    return client_first(*initial);
}

Step ScramSha256Server::step(std::string_view data) {
    if (data.size() > kMaxSaslMessage) return fail(SaslFailure::too_long, "message_too_long", "other-error");
    switch (state_) {
        case State::want_client_first: return client_first(data);
        case State::want_client_final: return client_final(data);
        default: return out_of_order();
    }
}

// client-first-message = gs2-header client-first-message-bare
// gs2-header = gs2-cbind-flag "," [ authzid ] ","
Step ScramSha256Server::client_first(std::string_view msg) {
    if (msg.size() > kMaxSaslMessage) return fail(SaslFailure::too_long, "message_too_long", "other-error");
    if (msg.empty()) return fail(SaslFailure::malformed, "empty_message", "invalid-encoding");
    std::size_t pos;
    if (msg.starts_with("n,") || msg.starts_with("y,")) {
        // "y": the client could do channel binding but thinks we cannot --
        // true, we advertise no -PLUS, so this is no downgrade (RFC 5802 6).
        pos = 2;
    } else if (msg.starts_with("p=")) {
        return fail(SaslFailure::unsupported, "channel_binding_requested", "channel-binding-not-supported");
    } else {
        return fail(SaslFailure::malformed, "bad_gs2_flag", "invalid-encoding");
    }
    auto comma = msg.find(',', pos);
    if (comma == std::string_view::npos) return fail(SaslFailure::malformed, "bad_gs2_header", "invalid-encoding");
    std::string_view authzid_attr = msg.substr(pos, comma - pos);
    std::optional<std::string> authzid;
    if (!authzid_attr.empty()) {
        if (!authzid_attr.starts_with("a="))
            return fail(SaslFailure::malformed, "bad_gs2_header", "invalid-encoding");
        authzid = decode_saslname(authzid_attr.substr(2));
        if (!authzid) return fail(SaslFailure::malformed, "bad_authzid", "invalid-username-encoding");
    }
    gs2_header_ = std::string(msg.substr(0, comma + 1));
    std::string_view bare = msg.substr(comma + 1);

    std::vector<std::pair<char, std::string_view>> attrs;
    if (!split_attrs(bare, attrs)) return fail(SaslFailure::malformed, "bad_attribute", "invalid-encoding");
    if (attrs[0].first == 'm')
        return fail(SaslFailure::unsupported, "mandatory_extension", "extensions-not-supported");
    if (attrs.size() < 2 || attrs[0].first != 'n' || attrs[1].first != 'r')
        return fail(SaslFailure::malformed, "attribute_order", "invalid-encoding");
    for (std::size_t i = 2; i < attrs.size(); ++i)
        if (attrs[i].first == 'm')
            return fail(SaslFailure::unsupported, "mandatory_extension", "extensions-not-supported");
    auto username = decode_saslname(attrs[0].second);
    if (!username) return fail(SaslFailure::malformed, "bad_username", "invalid-username-encoding");
    if (!is_printable_nonce(attrs[1].second))
        return fail(SaslFailure::malformed, "bad_nonce", "invalid-encoding");
    if (authzid && *authzid != *username)
        return fail(SaslFailure::authz_denied, "authzid_differs", "other-error");

    std::string server_nonce = nonce_gen_ ? nonce_gen_() : random_scram_nonce();
    if (!is_printable_nonce(server_nonce)) return fail(SaslFailure::protocol, "bad_server_nonce", "other-error");
    nonce_ = std::string(attrs[1].second) + server_nonce;
    client_first_bare_ = std::string(bare);
    username_ = std::move(*username);
    state_ = State::want_credentials;
    return Step::make_need(CredentialKind::scram, username_);
}

Step ScramSha256Server::resume_scram(const ScramCredentials* creds) {
    if (state_ != State::want_credentials) return out_of_order();
    if (creds && !credentials_usable(*creds))
        return fail(SaslFailure::unavailable, "invalid_stored_credentials", "other-error");
    if (creds) {
        creds_ = *creds;
    } else {
        // Unknown user: continue with a stable fake salt and random keys; the
        // proof can never match (RFC 5802 section 9, "user enumeration").
        unknown_user_ = true;
        creds_.iterations = kScramDefaultIterations;
        creds_.salt = hmac_sha256(fake_salt_key(), username_).substr(0, 16);
        creds_.stored_key = random_bytes(kScramKeyBytes);
        creds_.server_key = random_bytes(kScramKeyBytes);
    }
    server_first_ = "r=" + nonce_ + ",s=" + base64_encode(creds_.salt) + ",i=" +
                    std::to_string(creds_.iterations);
    state_ = State::want_client_final;
    return Step::make_challenge(server_first_);
}

// client-final-message = "c=" base64 "," "r=" nonce ["," extensions] "," "p=" base64
Step ScramSha256Server::client_final(std::string_view msg) {
    auto proof_at = msg.rfind(",p=");
    if (proof_at == std::string_view::npos) return fail(SaslFailure::malformed, "missing_proof", "invalid-encoding");
    std::string_view without_proof = msg.substr(0, proof_at);
    std::string_view proof_b64 = msg.substr(proof_at + 3);
    std::vector<std::pair<char, std::string_view>> attrs;
    if (!split_attrs(without_proof, attrs)) return fail(SaslFailure::malformed, "bad_attribute", "invalid-encoding");
    if (attrs.size() < 2 || attrs[0].first != 'c' || attrs[1].first != 'r')
        return fail(SaslFailure::malformed, "attribute_order", "invalid-encoding");
    for (std::size_t i = 2; i < attrs.size(); ++i)
        if (attrs[i].first == 'm')
            return fail(SaslFailure::unsupported, "mandatory_extension", "extensions-not-supported");
    auto cbind = base64_decode(attrs[0].second);
    if (!cbind) return fail(SaslFailure::malformed, "bad_channel_binding", "invalid-encoding");
    // c= must be exactly the gs2 header (no cbind-data for "n" and "y").
    if (*cbind != gs2_header_)
        return fail(SaslFailure::malformed, "channel_binding_mismatch", "channel-bindings-dont-match");
    if (attrs[1].second != nonce_) return fail(SaslFailure::malformed, "nonce_mismatch", "other-error");
    auto proof = base64_decode(proof_b64);
    if (!proof || proof_b64.empty()) return fail(SaslFailure::malformed, "bad_proof_encoding", "invalid-encoding");
    if (proof->size() != kScramKeyBytes) return fail(SaslFailure::bad_credentials, "bad_proof", "invalid-proof");

    // AuthMessage := client-first-message-bare + "," + server-first-message + ","
    //                + client-final-message-without-proof          (RFC 5802 3)
    std::string auth_message = client_first_bare_ + "," + server_first_ + ",";
    auth_message.append(without_proof);
    std::string client_signature = hmac_sha256(creds_.stored_key, auth_message);
    std::string client_key(kScramKeyBytes, '\0');
    for (std::size_t i = 0; i < kScramKeyBytes; ++i) client_key[i] = static_cast<char>((*proof)[i] ^ client_signature[i]);
    std::string computed_stored = sha256(client_key);
    OPENSSL_cleanse(client_key.data(), client_key.size());
    bool match = CRYPTO_memcmp(computed_stored.data(), creds_.stored_key.data(), kScramKeyBytes) == 0;
    if (!match || unknown_user_)
        return fail(SaslFailure::bad_credentials, unknown_user_ ? "unknown_user" : "bad_proof", "invalid-proof");
    std::string server_signature = hmac_sha256(creds_.server_key, auth_message);
    state_ = State::done;
    return finish(Step::make_success(username_, "v=" + base64_encode(server_signature)));
}

std::unique_ptr<SaslMechanism> make_scram_sha256_mechanism() {
    return std::make_unique<ScramSha256Server>();
}

}  // namespace postamt::auth
