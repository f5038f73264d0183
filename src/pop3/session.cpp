// Session entry points, CAPA, the AUTHORIZATION state: USER/PASS, AUTH
// (RFC 5034), STLS (RFC 2595 4), and opening the maildrop.
#include "pop3/session.h"

#include <fmt/core.h>

#include <ctime>

#include "common/log.h"
#include "pop3/session_state.h"

namespace postamt::pop3 {

SessionOptions SessionOptions::from_config(const Config& cfg, bool tls_available) {
    SessionOptions o;
    o.hostname = cfg.server.hostname.empty() ? "localhost" : cfg.server.hostname;
    o.tls_available = tls_available;
    o.allow_plaintext_on_loopback = cfg.auth.allow_plaintext_on_loopback;
    o.expire_days = cfg.pop3.expire_days;
    o.login_delay = cfg.pop3.login_delay;
    return o;
}

Session::Session(SessionOptions opt, SessionEnv env) : s_(std::make_unique<State>()) {
    s_->opt = std::move(opt);
    s_->env = std::move(env);
}

Session::~Session() = default;

bool Session::closed() const { return s_->phase == Phase::closed; }
bool Session::awaiting_result() const {
    switch (s_->phase) {
        case Phase::wait_auth:
        case Phase::wait_open:
        case Phase::wait_expire:
        case Phase::wait_send:
        case Phase::wait_commit:
        case Phase::wait_tls:
            return true;
        default:
            return false;
    }
}
bool Session::maildrop_open() const { return s_->maildrop_open; }
bool Session::in_sasl() const { return s_->phase == Phase::sasl || s_->phase == Phase::sasl_final; }
const Maildrop& Session::maildrop() const { return s_->maildrop; }
std::string Session::capabilities() const { return s_->capabilities(); }

std::int64_t Session::State::now() const {
    return env.now ? env.now() : static_cast<std::int64_t>(std::time(nullptr));
}

// RFC 2449 5 and 6. Announced per state: USER, SASL and STLS only where
// they can be used (before login; plaintext mechanisms only under TLS or on
// an allowed loopback connection, RFC 5034 4 / RFC 2595 4).
std::string Session::State::capabilities() const {
    std::string c;
    c += "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n";
    c += opt.expire_days == 0 ? std::string("EXPIRE NEVER\r\n")
                              : fmt::format("EXPIRE {}\r\n", opt.expire_days);
    if (opt.login_delay.count() > 0)
        c += fmt::format("LOGIN-DELAY {}\r\n", opt.login_delay.count());
    if (phase != Phase::transaction) {
        if (plaintext_ok()) c += "USER\r\n";
        c += "SASL";
        for (auto m : auth::advertised_mechanisms(plaintext_ok())) {
            c += ' ';
            c += m;
        }
        c += "\r\n";
        if (opt.tls_available && !tls) c += "STLS\r\n";
    }
    c += "IMPLEMENTATION Postamt\r\n";
    return c;
}

Step Session::State::bad_command(std::string_view text) {
    if (++bad_commands >= kMaxBadCommands) {
        log::info("event=pop3_too_many_errors conn={} rip={} user={}", peer.conn_id,
                  log::quote(peer.ip), log::quote(login));
        if (!login.empty()) log_logout("too_many_errors");
        return close_with(err_line("Too many bad commands, closing connection"));
    }
    return reply(err_line(text));
}

Step Session::State::internal_error(std::string_view what) {
    log::error("event=pop3_internal_error what={} conn={} rip={}", log::quote(what), peer.conn_id,
               log::quote(peer.ip));
    return close_with(err_line("Internal error, closing connection", RespCode::sys_temp));
}

void Session::State::log_logout(std::string_view reason) {
    log::info(
        "event=pop3_logout conn={} user={} reason={} retr={} retr_octets={} top={} dele={} "
        "expired={}",
        peer.conn_id, log::quote(login), reason, stats.retr, stats.retr_octets, stats.top,
        stats.dele, stats.expired);
}

// ---- events -------------------------------------------------------------------

Step Session::on_connect(const PeerInfo& peer) {
    auto& s = *s_;
    if (s.phase != Phase::init) return s.internal_error("on_connect twice");
    s.peer = peer;
    s.tls = peer.tls;
    if (peer.over_limit) {
        log::info("event=pop3_rejected reason=too_many_connections conn={} rip={}", peer.conn_id,
                  log::quote(peer.ip));
        return s.close_with(err_line("Too many connections, try again later", RespCode::sys_temp));
    }
    s.phase = Phase::authorization;
    return s.reply(ok_line(s.opt.hostname + " Postamt POP3 server ready"));
}

Step Session::on_line(std::string_view line) {
    auto& s = *s_;
    switch (s.phase) {
        case Phase::authorization:
        case Phase::transaction: {
            auto p = parse_command(line);
            if (!p.ok()) return s.bad_command(p.error);
            return s.dispatch(*p.command);
        }
        case Phase::sasl:
        case Phase::sasl_final:
            return s.sasl_response(line);
        case Phase::closed:
            return step::None{};
        default:
            return s.internal_error("input while waiting for a result");
    }
}

Step Session::on_line_too_long() {
    auto& s = *s_;
    switch (s.phase) {
        case Phase::sasl:
        case Phase::sasl_final:
            ++s.bad_commands;
            if (s.scram_looked_up) {
                // A SCRAM exchange that reached the credentials counts as a
                // failed login for the throttle.
                s.phase = Phase::wait_auth;
                s.scram_ok = false;
                return step::ReportScram{s.sasl_login, false, "response_too_long"};
            }
            return s.end_sasl(err_line("Authentication failed: response too long"));
        case Phase::authorization:
        case Phase::transaction:
            return s.bad_command("Line too long");
        case Phase::closed:
            return step::None{};
        default:
            return s.internal_error("input while waiting for a result");
    }
}

void Session::on_tls_started() {
    auto& s = *s_;
    if (s.phase != Phase::wait_tls) return;
    s.tls = true;
    s.user.clear();
    s.phase = Phase::authorization;
}

Step Session::on_timeout() {
    auto& s = *s_;
    if (s.phase == Phase::closed) return step::None{};
    log::info("event=pop3_timeout conn={} rip={} user={}", s.peer.conn_id, log::quote(s.peer.ip),
              log::quote(s.login));
    if (!s.login.empty()) s.log_logout("timeout");
    return s.close_with(err_line("Disconnected for inactivity"));
}

Step Session::on_shutdown() {
    auto& s = *s_;
    if (s.phase == Phase::closed) return step::None{};
    if (!s.login.empty()) s.log_logout("shutdown");
    return s.close_with(err_line("Server shutting down, try again later", RespCode::sys_temp));
}

void Session::on_disconnect() {
    auto& s = *s_;
    if (s.phase == Phase::closed) return;
    if (!s.login.empty()) s.log_logout("disconnected");
    s.phase = Phase::closed;
}

// ---- dispatch -------------------------------------------------------------------

Step Session::State::dispatch(const Command& c) {
    if (c.verb == Verb::capa) return reply(multiline("Capability list follows", capabilities()));
    if (phase == Phase::authorization) return authorization(c);
    return transaction(c);
}

Step Session::State::authorization(const Command& c) {
    switch (c.verb) {
        case Verb::quit:
            return close_with(ok_line("Bye"));
        case Verb::user:
            if (!plaintext_ok()) {
                user.clear();
                return reply(err_line(
                    opt.tls_available
                        ? "Plaintext authentication is not allowed without TLS; use STLS first"
                        : "Plaintext authentication is not allowed without TLS"));
            }
            // Always +OK: the answer must not tell which users exist.
            user = c.arg;
            return reply(ok_line("Send PASS"));
        case Verb::pass: {
            if (user.empty()) return bad_command("Send USER first");
            std::string login_name = std::move(user);
            user.clear();
            via = "pass";
            phase = Phase::wait_auth;
            return step::VerifyPassword{std::move(login_name), c.arg};
        }
        case Verb::auth:
            user.clear();
            return start_auth(c);
        case Verb::apop:
            return reply(err_line("APOP is not supported; use USER/PASS or AUTH over TLS"));
        case Verb::stls:
            if (tls) return reply(err_line("TLS is already active"));
            if (!opt.tls_available) return reply(err_line("STLS is not available"));
            user.clear();
            phase = Phase::wait_tls;
            return step::StartTls{ok_line("Begin TLS negotiation")};
        default:
            return bad_command(std::string("Not logged in: ") + std::string(verb_name(c.verb)) +
                               " is only valid after USER/PASS or AUTH");
    }
}

// ---- USER/PASS results ------------------------------------------------------------

Step Session::on_password_result(auth::AuthResult r) {
    auto& s = *s_;
    if (s.phase != Phase::wait_auth) return s.internal_error("password result out of order");
    if (s.mech) {
        // AUTH PLAIN / LOGIN
        switch (r.status) {
            case auth::AuthStatus::ok:
                s.pending_account = std::move(r.account);
                return s.sasl_step(s.mech->resume_password(true));
            case auth::AuthStatus::bad_credentials:
                return s.sasl_step(s.mech->resume_password(false));
            case auth::AuthStatus::temporarily_blocked:
                return s.end_sasl(
                    err_line(auth::temporary_refusal_text(r.reason, r.retry_after),
                             RespCode::sys_temp));
            case auth::AuthStatus::unavailable:
                return s.sasl_step(s.mech->abort_unavailable());
        }
        return s.internal_error("unknown auth status");
    }
    s.phase = Phase::authorization;
    switch (r.status) {
        case auth::AuthStatus::ok:
            if (!r.account) return s.internal_error("auth ok without account");
            return s.begin_open(*r.account);
        case auth::AuthStatus::bad_credentials:
            return s.reply(err_line("Authentication failed", RespCode::auth));
        case auth::AuthStatus::temporarily_blocked:
            return s.reply(err_line(auth::temporary_refusal_text(r.reason, r.retry_after),
                                    RespCode::sys_temp));
        case auth::AuthStatus::unavailable:
            return s.reply(err_line("Authentication is temporarily unavailable, try again later",
                                    RespCode::sys_temp));
    }
    return s.internal_error("unknown auth status");
}

// ---- AUTH (RFC 5034) ----------------------------------------------------------------

Step Session::State::start_auth(const Command& c) {
    if (c.arg.empty()) {
        // Bare AUTH lists the mechanisms (an old draft that Outlook still uses).
        std::string list;
        for (auto m : auth::advertised_mechanisms(plaintext_ok())) {
            list += m;
            list += "\r\n";
        }
        return reply(multiline("Supported mechanisms follow", list));
    }
    bool plaintext_mech = c.arg == "PLAIN" || c.arg == "LOGIN";
    auto m = auth::make_mechanism(c.arg);
    if (!m) return reply(err_line("Unsupported authentication mechanism"));
    if (plaintext_mech && !plaintext_ok())
        return reply(
            err_line(opt.tls_available
                         ? "Plaintext authentication is not allowed without TLS; use STLS first"
                         : "Plaintext authentication is not allowed without TLS"));
    std::optional<std::string> initial;
    if (c.initial_response) {
        initial = auth::decode_initial_response(*c.initial_response);
        if (!initial) return reply(err_line("Invalid base64 in the initial response"));
    }
    mech = std::move(m);
    sasl_login.clear();
    scram_looked_up = false;
    scram_ok = false;
    scram_final_data.reset();
    pending_account.reset();
    via = c.arg == "SCRAM-SHA-256" ? "scram" : c.arg == "PLAIN" ? "plain" : "login";
    std::optional<std::string_view> ir;
    if (initial) ir = *initial;
    return sasl_step(mech->start(ir));
}

Step Session::State::sasl_response(std::string_view line) {
    if (phase == Phase::sasl_final) {
        // RFC 4422 3.6 / RFC 5034 4: SCRAM's server-final data went out as
        // a challenge; the client answers with an empty response.
        if (line == "*") return end_sasl(err_line("Authentication cancelled"));
        if (!pending_account) return internal_error("scram success without account");
        store::Account a = *pending_account;
        mech.reset();
        return begin_open(a);
    }
    auto r = auth::decode_client_response(line);
    switch (r.kind) {
        case auth::ClientResponse::Kind::cancel:
            // RFC 5034 4: "*" cancels; the server replies -ERR.
            if (scram_looked_up) {
                phase = Phase::wait_auth;
                scram_ok = false;
                return step::ReportScram{sasl_login, false, "cancelled"};
            }
            return end_sasl(err_line("Authentication cancelled"));
        case auth::ClientResponse::Kind::invalid:
            if (scram_looked_up) {
                phase = Phase::wait_auth;
                scram_ok = false;
                return step::ReportScram{sasl_login, false, "malformed"};
            }
            return end_sasl(err_line("Invalid base64 data"));
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
            return reply("+ " + auth::encode_challenge(st.data) + "\r\n");
        case K::need_credentials:
            phase = Phase::wait_auth;
            sasl_login = st.login;
            if (st.credential == auth::CredentialKind::password)
                return step::VerifyPassword{std::move(st.login), std::move(st.password)};
            return step::LookupScram{std::move(st.login)};
        case K::success:
            if (via == "scram") {
                phase = Phase::wait_auth;
                scram_ok = true;
                if (st.has_data) scram_final_data = std::move(st.data);
                return step::ReportScram{sasl_login, true, ""};
            }
            if (!pending_account) return internal_error("sasl success without account");
            {
                store::Account a = *pending_account;
                mech.reset();
                return begin_open(a);
            }
        case K::failure:
            if (via == "scram" && scram_looked_up) {
                phase = Phase::wait_auth;
                scram_ok = false;
                return step::ReportScram{sasl_login, false, st.reason};
            }
            switch (st.failure) {
                case auth::SaslFailure::bad_credentials:
                case auth::SaslFailure::authz_denied:
                    return end_sasl(err_line("Authentication failed", RespCode::auth));
                case auth::SaslFailure::unavailable:
                    return end_sasl(
                        err_line("Authentication is temporarily unavailable, try again later",
                                 RespCode::sys_temp));
                default:
                    return end_sasl(err_line(std::string("Authentication failed: ") +
                                             auth::failure_name(st.failure)));
            }
    }
    return internal_error("unknown sasl step");
}

Step Session::State::end_sasl(std::string reply_text) {
    mech.reset();
    scram_looked_up = false;
    scram_final_data.reset();
    pending_account.reset();
    phase = Phase::authorization;
    return reply(std::move(reply_text));
}

Step Session::on_scram_lookup(auth::ScramLookup r) {
    auto& s = *s_;
    if (s.phase != Phase::wait_auth || !s.mech)
        return s.internal_error("scram lookup out of order");
    switch (r.status) {
        case auth::AuthStatus::ok:
            break;
        case auth::AuthStatus::temporarily_blocked:
            return s.end_sasl(
                err_line(auth::temporary_refusal_text("blocked", r.retry_after),
                         RespCode::sys_temp));
        default:
            return s.end_sasl(err_line("Authentication is temporarily unavailable, try again later",
                                       RespCode::sys_temp));
    }
    s.scram_looked_up = true;
    s.pending_account = std::move(r.account);
    return s.sasl_step(s.mech->resume_scram(r.credentials ? &*r.credentials : nullptr));
}

Step Session::on_scram_reported() {
    auto& s = *s_;
    if (s.phase != Phase::wait_auth) return s.internal_error("scram report out of order");
    if (!s.scram_ok) return s.end_sasl(err_line("Authentication failed", RespCode::auth));
    if (!s.pending_account) return s.internal_error("scram success without account");
    if (s.scram_final_data) {
        s.phase = Phase::sasl_final;
        std::string text = "+ " + auth::encode_challenge(*s.scram_final_data) + "\r\n";
        s.scram_final_data.reset();
        return s.reply(std::move(text));
    }
    store::Account a = *s.pending_account;
    s.mech.reset();
    return s.begin_open(a);
}

// ---- opening the maildrop ------------------------------------------------------------

Step Session::State::begin_open(const store::Account& account) {
    phase = Phase::wait_open;
    pending_account.reset();
    scram_looked_up = false;
    mech.reset();
    login = account.address();
    this->account = account.id;
    return step::OpenMaildrop{account.id, login};
}

Step Session::on_open_refused(OpenRefusal why, std::chrono::seconds retry_after) {
    auto& s = *s_;
    if (s.phase != Phase::wait_open) return s.internal_error("open refusal out of order");
    s.phase = Phase::authorization;
    const char* reason = why == OpenRefusal::in_use        ? "in_use"
                         : why == OpenRefusal::login_delay ? "login_delay"
                                                           : "user_limit";
    log::info("event=pop3_login_refused conn={} user={} rip={} reason={}", s.peer.conn_id,
              log::quote(s.login), log::quote(s.peer.ip), reason);
    s.login.clear();
    s.account = 0;
    // RFC 1939 4: after a negative reply the client may authenticate again
    // or QUIT; the connection stays open.
    switch (why) {
        case OpenRefusal::in_use:
            return s.reply(
                err_line("Maildrop is in use by another POP3 session", RespCode::in_use));
        case OpenRefusal::login_delay:
            return s.reply(err_line(
                fmt::format("Logged in too recently; try again in {} seconds", retry_after.count()),
                RespCode::login_delay));
        case OpenRefusal::user_limit:
            return s.reply(err_line("Too many connections for this user", RespCode::in_use));
    }
    return s.internal_error("unknown refusal");
}

Step Session::on_maildrop(Result<store::Pop3Maildrop> r) {
    auto& s = *s_;
    if (s.phase != Phase::wait_open) return s.internal_error("maildrop result out of order");
    if (!r) {
        log::error("event=pop3_maildrop_failed conn={} user={} error={}", s.peer.conn_id,
                   log::quote(s.login), log::quote(r.error().message));
        s.phase = Phase::authorization;
        s.login.clear();
        s.account = 0;
        if (r.error().code == Errc::not_found)
            return s.reply(err_line("This account has no INBOX", RespCode::sys_perm));
        return s.reply(
            err_line("Cannot open the maildrop now, try again later", RespCode::sys_temp));
    }
    s.maildrop_open = true;
    auto expired = expired_uids(*r, s.now(), s.opt.expire_days);
    if (!expired.empty()) {
        // Retention runs at the start of a session (docs/pop3.md): the
        // client never lists a message that is about to go, and a client
        // that never sends QUIT still gets its old downloads cleaned up.
        s.phase = Phase::wait_expire;
        s.pending = std::move(*r);
        s.expiring = expired;
        return step::Expire{s.pending->inbox.id, std::move(expired)};
    }
    return s.enter_transaction(std::move(*r));
}

Step Session::on_expire_result(Result<store::ExpungeResult> r) {
    auto& s = *s_;
    if (s.phase != Phase::wait_expire || !s.pending)
        return s.internal_error("expire result out of order");
    store::Pop3Maildrop md = std::move(*s.pending);
    s.pending.reset();
    if (r) {
        remove_uids(md, s.expiring);
        s.stats.expired = static_cast<std::uint32_t>(r->expunged.size());
        log::info("event=pop3_expired conn={} user={} messages={} expire_days={}", s.peer.conn_id,
                  log::quote(s.login), r->expunged.size(), s.opt.expire_days);
    } else {
        // Nothing was deleted: the messages stay listed; the next login tries again.
        log::warn("event=pop3_expire_failed conn={} user={} error={}", s.peer.conn_id,
                  log::quote(s.login), log::quote(r.error().message));
    }
    s.expiring.clear();
    return s.enter_transaction(std::move(md));
}

}  // namespace postamt::pop3
