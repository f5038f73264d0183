#pragma once
// SCRAM-SHA-256 (RFC 5802 with RFC 7677): stored credentials and the server
// side of the exchange. No channel binding (gs2 flags "n" and "y" accepted,
// "p=" refused), no proxy authentication (authzid must equal the username).
//
// Stored form, in store::Credentials::scram_sha256:
//   "<iterations>:<salt b64>:<StoredKey b64>:<ServerKey b64>"
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/sasl.h"
#include "common/result.h"

namespace postamt::auth {

inline constexpr uint32_t kScramDefaultIterations = 4096;
inline constexpr uint32_t kScramMaxIterations = 10'000'000;
inline constexpr std::size_t kScramKeyBytes = 32;  // SHA-256

struct ScramCredentials {
    uint32_t iterations = 0;
    std::string salt;        // raw bytes
    std::string stored_key;  // H(ClientKey), 32 raw bytes
    std::string server_key;  // HMAC(SaltedPassword, "Server Key"), 32 raw bytes
};

// RFC 5802 section 3 key derivation from the password (SASLprep'ed first,
// RFC 4013 stored-string rules via ICU; when preparation fails the raw bytes
// are used, which is what a non-preparing client computes).
Result<ScramCredentials> scram_derive(std::string_view password, std::string_view salt,
                                      uint32_t iterations);
// Random 16-byte salt; returns the stored form.
Result<std::string> make_scram_credentials(std::string_view password,
                                           uint32_t iterations = kScramDefaultIterations);

std::string format_scram_credentials(const ScramCredentials& c);
std::optional<ScramCredentials> parse_scram_credentials(std::string_view stored);

// SASLprep (RFC 4013) of a password; nullopt when it contains prohibited
// characters or is not UTF-8. ASCII printable input is returned unchanged.
std::optional<std::string> saslprep(std::string_view s);

// The server's nonce part: printable ASCII without ','. Injectable for tests.
using NonceGenerator = std::function<std::string()>;
std::string random_scram_nonce();  // 24 random bytes, base64

// Server state machine:
//   start/step(client-first) -> need_credentials(scram, username)
//   resume_scram(creds)      -> challenge(server-first)
//   step(client-final)       -> success(username, "v=...") or failure("e=...")
class ScramSha256Server final : public SaslMechanism {
public:
    explicit ScramSha256Server(NonceGenerator nonce = random_scram_nonce);
    std::string_view name() const override { return "SCRAM-SHA-256"; }
    Step start(std::optional<std::string_view> initial_response) override;
    Step step(std::string_view client_data) override;
    Step resume_scram(const ScramCredentials* creds) override;

private:
    enum class State { initial, want_client_first, want_credentials, want_client_final, done };
    Step client_first(std::string_view msg);
    Step client_final(std::string_view msg);
    Step fail(SaslFailure f, const char* reason, const char* server_error);

    NonceGenerator nonce_gen_;
    State state_ = State::initial;
    std::string gs2_header_;
    std::string client_first_bare_;
    std::string server_first_;
    std::string nonce_;  // client nonce + server nonce
    std::string username_;
    ScramCredentials creds_;
    bool unknown_user_ = false;
};

}  // namespace postamt::auth
