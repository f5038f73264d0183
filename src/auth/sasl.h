#pragma once
#include "common/utf8.h"
// SASL (RFC 4422) server mechanisms as pure state machines over bytes.
//
// The protocol layer (imap/, pop3/, smtp/) owns the wire: it base64-decodes
// each client line (decode_client_response), handles the "*" cancel line
// itself (RFC 4422 3.5, RFC 9051 6.2.2, RFC 4954 4, RFC 5034 4: the exchange
// ends with a failure reply and the mechanism object is dropped, never told),
// and encodes challenges (encode_challenge). A mechanism sees decoded bytes
// only and answers with one Step:
//
//   challenge        send `data` to the client, feed its answer to step()
//   need_credentials fetch what `credential` says for `login` (asynchronously),
//                    then call resume_password() or resume_scram()
//   success          authenticated as `login`; `data` (if has_data) is the
//                    RFC 4422 "additional data with success" (SCRAM's v=)
//   failure          the exchange is over; `reason` is a short log token
//                    (never a payload); for SCRAM `data` holds the
//                    server-final-message "e=..." when there is one
//
// Messages are capped at kMaxSaslMessage decoded bytes.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postamt::auth {

struct ScramCredentials;

inline constexpr std::size_t kMaxSaslMessage = 8192;

enum class CredentialKind {
    password,  // PLAIN/LOGIN: verify `login` + `password` (Authenticator::verify_password)
    scram,     // SCRAM: stored SCRAM keys for `login` (Authenticator::lookup_scram)
};

enum class SaslFailure {
    none,
    malformed,        // syntax error in a client message
    too_long,         // over kMaxSaslMessage
    bad_credentials,  // wrong password / proof, or unknown user
    authz_denied,     // authzid differs from authcid (no proxy authentication)
    unsupported,      // e.g. SCRAM channel binding "p=" requested
    unavailable,      // credentials could not be fetched (store error)
    protocol,         // call out of order (step after the end, resume without need)
};

struct Step {
    enum class Kind { challenge, need_credentials, success, failure };
    Kind kind = Kind::failure;
    std::string data;
    bool has_data = false;
    std::string login;
    CredentialKind credential = CredentialKind::password;
    std::string password;  // need_credentials of PLAIN/LOGIN only; never log it
    SaslFailure failure = SaslFailure::none;
    std::string reason;

    static Step make_challenge(std::string data);
    static Step make_need(CredentialKind kind, std::string login, std::string password = {});
    static Step make_success(std::string login, std::optional<std::string> data = std::nullopt);
    static Step make_failure(SaslFailure f, std::string reason, std::optional<std::string> data = std::nullopt);
};

const char* failure_name(SaslFailure f);

class SaslMechanism {
public:
    virtual ~SaslMechanism() = default;
    virtual std::string_view name() const = 0;
    // First call. `initial_response`: nullopt when the client sent none
    // (the mechanism then answers with a challenge, empty for PLAIN/SCRAM);
    // an empty string when it sent "=" (RFC 4954 4, RFC 9051 6.2.2).
    virtual Step start(std::optional<std::string_view> initial_response) = 0;
    // Every later client response (decoded).
    virtual Step step(std::string_view client_data) = 0;
    // After need_credentials(password): did login/password verify?
    virtual Step resume_password(bool verified);
    // After need_credentials(scram): the user's keys, nullptr when the user
    // is unknown or has none (the exchange continues with fake keys and
    // fails at the proof, so usernames cannot be probed).
    virtual Step resume_scram(const ScramCredentials* creds);
    // After need_credentials when the credentials could not be fetched.
    Step abort_unavailable();
    bool finished() const { return finished_; }

protected:
    Step finish(Step s) {
        finished_ = s.kind == Step::Kind::success || s.kind == Step::Kind::failure;
        return s;
    }
    Step out_of_order() { return finish(Step::make_failure(SaslFailure::protocol, "out_of_order")); }

private:
    bool finished_ = false;
};

std::unique_ptr<SaslMechanism> make_plain_mechanism();
std::unique_ptr<SaslMechanism> make_login_mechanism();
// SCRAM-SHA-256 with a random server nonce; see scram.h for the injectable form.
std::unique_ptr<SaslMechanism> make_scram_sha256_mechanism();
// By IANA name, case-insensitive ("PLAIN", "LOGIN", "SCRAM-SHA-256");
// nullptr when unknown.
std::unique_ptr<SaslMechanism> make_mechanism(std::string_view name);
// Names to advertise. PLAIN/LOGIN only where cleartext passwords are safe
// (under TLS; RFC 4954 4, RFC 9051 6.2.2).
std::vector<std::string_view> advertised_mechanisms(bool tls_active);

// ---- wire helpers for the protocol layer ----------------------------------
struct ClientResponse {
    enum class Kind { data, cancel, invalid };
    Kind kind = Kind::invalid;
    std::string data;  // decoded bytes (Kind::data)
};
// One client continuation line (without CRLF): "*" is a cancel, anything else
// must be strict base64 of at most kMaxSaslMessage decoded bytes.
ClientResponse decode_client_response(std::string_view line);
// The initial-response argument of AUTHENTICATE/AUTH: "=" means empty.
std::optional<std::string> decode_initial_response(std::string_view arg);
// base64 of a challenge (empty data: empty string, sent as "+ " / "334 ").
std::string encode_challenge(std::string_view data);


}  // namespace postamt::auth
