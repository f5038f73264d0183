#include "auth/sasl.h"

#include <cctype>

#include "auth/scram.h"
#include "common/base64.h"

namespace postamt::auth {

Step Step::make_challenge(std::string data) {
    Step s;
    s.kind = Kind::challenge;
    s.data = std::move(data);
    s.has_data = true;
    return s;
}

Step Step::make_need(CredentialKind kind, std::string login, std::string password) {
    Step s;
    s.kind = Kind::need_credentials;
    s.credential = kind;
    s.login = std::move(login);
    s.password = std::move(password);
    return s;
}

Step Step::make_success(std::string login, std::optional<std::string> data) {
    Step s;
    s.kind = Kind::success;
    s.login = std::move(login);
    if (data) {
        s.data = std::move(*data);
        s.has_data = true;
    }
    return s;
}

Step Step::make_failure(SaslFailure f, std::string reason, std::optional<std::string> data) {
    Step s;
    s.kind = Kind::failure;
    s.failure = f;
    s.reason = std::move(reason);
    if (data) {
        s.data = std::move(*data);
        s.has_data = true;
    }
    return s;
}

const char* failure_name(SaslFailure f) {
    switch (f) {
        case SaslFailure::none: return "none";
        case SaslFailure::malformed: return "malformed";
        case SaslFailure::too_long: return "too_long";
        case SaslFailure::bad_credentials: return "bad_credentials";
        case SaslFailure::authz_denied: return "authz_denied";
        case SaslFailure::unsupported: return "unsupported";
        case SaslFailure::unavailable: return "unavailable";
        case SaslFailure::protocol: return "protocol";
    }
    return "unknown";
}

Step SaslMechanism::resume_password(bool) { return out_of_order(); }
Step SaslMechanism::resume_scram(const ScramCredentials*) { return out_of_order(); }

Step SaslMechanism::abort_unavailable() {
    return finish(Step::make_failure(SaslFailure::unavailable, "credentials_unavailable"));
}

namespace {
bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) !=
            std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}
}  // namespace

std::unique_ptr<SaslMechanism> make_mechanism(std::string_view name) {
    if (iequals(name, "PLAIN")) return make_plain_mechanism();
    if (iequals(name, "LOGIN")) return make_login_mechanism();
    if (iequals(name, "SCRAM-SHA-256")) return make_scram_sha256_mechanism();
    return nullptr;
}

std::vector<std::string_view> advertised_mechanisms(bool tls_active) {
    if (tls_active) return {"SCRAM-SHA-256", "PLAIN", "LOGIN"};
    return {"SCRAM-SHA-256"};
}

ClientResponse decode_client_response(std::string_view line) {
    ClientResponse r;
    if (line == "*") {
        r.kind = ClientResponse::Kind::cancel;
        return r;
    }
    // 4 base64 characters per 3 bytes; anything longer cannot fit the cap.
    if (line.size() > (kMaxSaslMessage + 2) / 3 * 4) return r;
    auto decoded = base64_decode(line);
    if (!decoded || decoded->size() > kMaxSaslMessage) return r;
    r.kind = ClientResponse::Kind::data;
    r.data = std::move(*decoded);
    return r;
}

std::optional<std::string> decode_initial_response(std::string_view arg) {
    if (arg == "=") return std::string();
    if (arg.empty()) return std::nullopt;
    auto r = decode_client_response(arg);
    if (r.kind != ClientResponse::Kind::data) return std::nullopt;
    return std::move(r.data);
}

std::string encode_challenge(std::string_view data) { return base64_encode(data); }

}  // namespace postamt::auth
