// AUTH (RFC 4954) on the submission ports, over the shared SASL mechanisms
// (auth/sasl.h) and the shared Authenticator (throttling, cache, logs).
#include <fmt/core.h>

#include "common/log.h"
#include "smtp/session_state.h"

namespace postamt::smtp {

bool Session::State::plaintext_auth_ok() const {
    // RFC 8314 / RFC 4954 4: credentials only under TLS; loopback is the
    // exception for webmail and local tools ([auth] allow_plaintext_on_loopback).
    return tls.has_value() || (opt.plaintext_auth_on_loopback && peer.loopback);
}

Step Session::State::cmd_auth(const Command& c) {
    if (opt.mode == Mode::inbound)
        // No AUTH on port 25 (DESIGN.md): users submit on 587/465.
        return reply(503, "5.5.1", "Error: authentication not enabled", true);
    if (user) return reply(503, "5.5.1", "Error: already authenticated", true);
    if (txn) return reply(503, "5.5.1", "Error: AUTH not permitted during a mail transaction", true);
    if (!esmtp) return reply(503, "5.5.1", "Error: send EHLO first", true);
    if (!plaintext_auth_ok())
        return reply(530, "5.7.0", "Must issue a STARTTLS command first", true);
    auto m = auth::make_mechanism(c.argument);
    if (!m) return reply(504, "5.5.4", "Error: unsupported authentication mechanism", true);
    std::optional<std::string> initial;
    if (!c.initial_response.empty()) {
        initial = auth::decode_initial_response(c.initial_response);
        if (!initial) return reply(501, "5.5.2", "Error: invalid base64 in the initial response", true);
    }
    mech = std::move(m);
    sasl_login.clear();
    scram_looked_up = false;
    scram_ok = false;
    scram_final_data.reset();
    pending_account.reset();
    sasl_via = c.argument == "SCRAM-SHA-256" ? "scram" : c.argument == "PLAIN" ? "plain" : "login";
    std::optional<std::string_view> ir;
    if (initial) ir = *initial;
    return sasl_step(mech->start(ir));
}

Step Session::State::sasl_response(std::string_view line) {
    if (phase == Phase::sasl_final) {
        // RFC 4954 4: SCRAM's additional data went out as a 334 challenge;
        // the client answers with an empty line, then 235.
        if (line == "*") return end_sasl(501, "5.0.0", "Authentication cancelled");
        if (!pending_account) return internal_error("scram success without account");
        return auth_success();
    }
    auto r = auth::decode_client_response(line);
    switch (r.kind) {
        case auth::ClientResponse::Kind::cancel:
            // RFC 4954 4: "*" cancels the exchange with 501.
            if (scram_looked_up) {
                phase = Phase::wait_auth;
                scram_ok = false;
                return step::ReportScram{sasl_login, false, "cancelled"};
            }
            return end_sasl(501, "5.0.0", "Authentication cancelled");
        case auth::ClientResponse::Kind::invalid:
            if (scram_looked_up) {
                phase = Phase::wait_auth;
                scram_ok = false;
                return step::ReportScram{sasl_login, false, "malformed"};
            }
            return end_sasl(501, "5.5.2", "Error: invalid base64 data");
        case auth::ClientResponse::Kind::data:
            break;
    }
    return sasl_step(mech->step(r.data));
}

Step Session::State::sasl_step(auth::Step st) {
    using K = auth::Step::Kind;
    switch (st.kind) {
        case K::challenge:
            phase = Phase::sasl;
            // 3xx replies carry no enhanced status code (RFC 3463).
            return step::Reply{"334 " + auth::encode_challenge(st.data) + "\r\n", true};
        case K::need_credentials:
            phase = Phase::wait_auth;
            sasl_login = st.login;
            if (st.credential == auth::CredentialKind::password)
                return step::VerifyPassword{std::move(st.login), std::move(st.password)};
            return step::LookupScram{std::move(st.login)};
        case K::success:
            if (sasl_via == "scram") {
                phase = Phase::wait_auth;
                scram_ok = true;
                if (st.has_data) scram_final_data = std::move(st.data);
                return step::ReportScram{sasl_login, true, ""};
            }
            if (!pending_account) return internal_error("sasl success without account");
            return auth_success();
        case K::failure:
            if (sasl_via == "scram" && scram_looked_up) {
                phase = Phase::wait_auth;
                scram_ok = false;
                return step::ReportScram{sasl_login, false, st.reason};
            }
            switch (st.failure) {
                case auth::SaslFailure::bad_credentials:
                case auth::SaslFailure::authz_denied:
                    return end_sasl(535, "5.7.8", "Error: authentication credentials invalid");
                case auth::SaslFailure::unavailable:
                    return end_sasl(454, "4.7.0", "Temporary authentication failure");
                case auth::SaslFailure::too_long:
                    return end_sasl(500, "5.5.6", "Authentication exchange line is too long");
                default:
                    return end_sasl(501, "5.5.2",
                                    std::string("Error: authentication failed: ") +
                                        auth::failure_name(st.failure));
            }
    }
    return internal_error("unknown sasl step");
}

Step Session::State::end_sasl(int code, std::string_view enh, std::string text) {
    mech.reset();
    scram_looked_up = false;
    scram_final_data.reset();
    pending_account.reset();
    phase = Phase::command;
    return reply(code, enh, std::move(text), true);
}

Step Session::State::auth_success() {
    user = std::move(pending_account);
    pending_account.reset();
    mech.reset();
    scram_looked_up = false;
    scram_final_data.reset();
    phase = Phase::command;
    log::info("event=smtp_auth_ok user={} via={} rip={} tls={}", log::quote(user->address()),
              sasl_via, log::quote(peer.ip), log::quote(tls_log()));
    return reply(235, "2.7.0", "Authentication successful", true);
}

Step Session::on_password_result(auth::AuthResult r) {
    auto& s = *s_;
    if (s.phase != Phase::wait_auth || !s.mech) return s.internal_error("password result out of order");
    switch (r.status) {
        case auth::AuthStatus::ok:
            s.pending_account = std::move(r.account);
            return s.sasl_step(s.mech->resume_password(true));
        case auth::AuthStatus::bad_credentials:
            return s.sasl_step(s.mech->resume_password(false));
        case auth::AuthStatus::temporarily_blocked:
            return s.end_sasl(454, "4.7.0",
                              auth::temporary_refusal_text(r.reason, r.retry_after));
        case auth::AuthStatus::unavailable:
            return s.sasl_step(s.mech->abort_unavailable());
    }
    return s.internal_error("unknown auth status");
}

Step Session::on_scram_lookup(auth::ScramLookup r) {
    auto& s = *s_;
    if (s.phase != Phase::wait_auth || !s.mech) return s.internal_error("scram lookup out of order");
    switch (r.status) {
        case auth::AuthStatus::ok:
            break;
        case auth::AuthStatus::temporarily_blocked:
            return s.end_sasl(454, "4.7.0",
                              auth::temporary_refusal_text("blocked", r.retry_after));
        default:
            return s.end_sasl(454, "4.7.0", "Temporary authentication failure");
    }
    s.scram_looked_up = true;
    s.pending_account = std::move(r.account);
    return s.sasl_step(s.mech->resume_scram(r.credentials ? &*r.credentials : nullptr));
}

Step Session::on_scram_reported() {
    auto& s = *s_;
    if (s.phase != Phase::wait_auth) return s.internal_error("scram report out of order");
    if (!s.scram_ok) return s.end_sasl(535, "5.7.8", "Error: authentication credentials invalid");
    if (!s.pending_account) return s.internal_error("scram success without account");
    if (s.scram_final_data) {
        s.phase = Phase::sasl_final;
        std::string text = "334 " + auth::encode_challenge(*s.scram_final_data) + "\r\n";
        s.scram_final_data.reset();
        return step::Reply{std::move(text), true};
    }
    return s.auth_success();
}

bool Session::in_sasl() const { return s_->phase == Phase::sasl || s_->phase == Phase::sasl_final; }

store::AccountId Session::account() const { return s_->user ? s_->user->id : 0; }

}  // namespace postamt::smtp
