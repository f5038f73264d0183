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

// RFC 3629 section 4: no overlongs, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return false;
        }
        if (i + static_cast<std::size_t>(len) > n) return false;
        unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
        if (c1 < lo || c1 > hi) return false;
        for (int k = 2; k < len; ++k) {
            unsigned char ck = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if (ck < 0x80 || ck > 0xBF) return false;
        }
        i += static_cast<std::size_t>(len);
    }
    return true;
}

}  // namespace postamt::auth
