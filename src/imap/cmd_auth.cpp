// STARTTLS, LOGIN, AUTHENTICATE (RFC 9051 6.2, RFC 4959 SASL-IR).
#include "auth/sasl.h"
#include "common/log.h"
#include "imap/executors.h"
#include "net/await_store.h"

namespace postamt::imap {
namespace {

// The Authenticator's callbacks carry plain values; await_store wants Result<T>.
asio::awaitable<auth::AuthResult> verify(SessionPtr s, std::string login, std::string password) {
    std::shared_ptr<auth::Authenticator> a = s->ctx->auth;
    std::string ip = s->conn->peer_address();
    auto r = co_await net::await_store<auth::AuthResult>([&](auto done) {
        a->verify_password(
            std::move(login), std::move(password), ip, auth::Service::imap,
            [done](auth::AuthResult res) { done(Result<auth::AuthResult>(std::move(res))); });
    });
    if (!r) co_return auth::AuthResult{};  // status unavailable
    co_return std::move(*r);
}

asio::awaitable<auth::ScramLookup> lookup_scram(SessionPtr s, std::string login) {
    std::shared_ptr<auth::Authenticator> a = s->ctx->auth;
    std::string ip = s->conn->peer_address();
    auto r = co_await net::await_store<auth::ScramLookup>([&](auto done) {
        a->lookup_scram(std::move(login), ip, auth::Service::imap, [done](auth::ScramLookup res) {
            done(Result<auth::ScramLookup>(std::move(res)));
        });
    });
    if (!r) co_return auth::ScramLookup{};
    co_return std::move(*r);
}

Reply unavailable_reply() {
    return Reply::no("Authentication temporarily unavailable, try again later", "UNAVAILABLE");
}

Reply failed_reply() { return Reply::no("Authentication failed", "AUTHENTICATIONFAILED"); }

// Logged in: the per-user connection limit, then the authenticated state.
Reply complete_login(Session& s, const store::Account& acct, std::string_view method) {
    auto ticket = s.conn->acquire_user(acct.address());
    if (!ticket) {
        log::info("event=imap_login_refused conn={} user={} reason=user_connection_limit",
                  s.conn->id(), log::quote(acct.address()));
        return Reply::no("Too many connections for this user", "LIMIT");
    }
    s.user_ticket = std::move(*ticket);
    s.account = acct;
    s.state = SessionState::authenticated;
    log::info("event=imap_login conn={} user={} method={} rip={} tls={}", s.conn->id(),
              log::quote(acct.address()), method, s.conn->peer_address(), s.conn->is_tls());
    return Reply::ok("Logged in", "CAPABILITY " + capability_list(s.capability_state()));
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
    if (d.count() <= 0) co_return;
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(d);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace

asio::awaitable<Reply> exec_starttls(SessionPtr s, CommandPtr c) {
    if (s->conn->is_tls()) co_return Reply::bad("TLS is already active");
    if (!s->ctx->tls_available || !s->conn->tls_available())
        co_return Reply::no("TLS is not available");
    std::string ok = format_reply(c->tag, Reply::ok("Begin TLS negotiation now"));
    s->send(ok);
    if (!co_await s->conn->flush()) {
        Reply r;
        r.already_sent = true;
        r.close = true;
        co_return r;
    }
    // start_tls() drops anything the client pipelined after STARTTLS
    // (plaintext injection, RFC 9051 6.2.1 / CVE-2011-0411).
    bool ok_tls = co_await s->conn->start_tls();
    Reply r;
    r.already_sent = true;
    r.close = !ok_tls;
    co_return r;
}

asio::awaitable<Reply> exec_login(SessionPtr s, CommandPtr c) {
    if (!s->plaintext_auth_allowed())
        co_return Reply::no("Plaintext authentication is not allowed without TLS (use STARTTLS)",
                            "PRIVACYREQUIRED");
    std::string user = std::get<LoginCmd>(c->body).user;
    std::string password = std::get<LoginCmd>(c->body).password;
    auth::AuthResult res = co_await verify(s, user, std::move(password));
    switch (res.status) {
        case auth::AuthStatus::ok:
            if (!res.account) co_return unavailable_reply();
            co_return complete_login(*s, *res.account, "LOGIN");
        case auth::AuthStatus::bad_credentials:
            co_return failed_reply();
        case auth::AuthStatus::temporarily_blocked:
        case auth::AuthStatus::unavailable:
            break;
    }
    co_return unavailable_reply();
}

asio::awaitable<Reply> exec_authenticate(SessionPtr s, CommandPtr c) {
    std::string mech_name = std::get<AuthenticateCmd>(c->body).mechanism;
    std::optional<std::string> ir_arg = std::get<AuthenticateCmd>(c->body).initial_response;
    auto mech = auth::make_mechanism(mech_name);
    if (!mech) co_return Reply::no("Unsupported authentication mechanism");
    bool cleartext = mech_name == "PLAIN" || mech_name == "LOGIN";
    if (cleartext && !s->plaintext_auth_allowed())
        co_return Reply::no("Plaintext authentication is not allowed without TLS (use STARTTLS)",
                            "PRIVACYREQUIRED");

    std::optional<std::string> ir;
    if (ir_arg) {
        ir = auth::decode_initial_response(*ir_arg);
        if (!ir) co_return Reply::bad("Invalid base64 in the initial response");
    }
    auth::Step step = ir ? mech->start(std::string_view(*ir)) : mech->start(std::nullopt);
    std::optional<store::Account> account;
    std::string scram_login;
    bool scram = false;
    std::size_t max_line = (auth::kMaxSaslMessage + 2) / 3 * 4 + 16;
    for (int round = 0; round < 16; ++round) {
        switch (step.kind) {
            case auth::Step::Kind::challenge: {
                std::string line = "+ " + auth::encode_challenge(step.data) + "\r\n";
                s->send(line);
                if (!co_await s->conn->flush()) {
                    Reply r = Reply::no("connection lost");
                    r.close = true;
                    co_return r;
                }
                net::LineResult in = co_await s->conn->read_line(max_line, net::ReadMode::data);
                if (!in.ok()) {
                    Reply r = Reply::bad("Authentication exchange aborted");
                    r.close = true;
                    co_return r;
                }
                auto resp = auth::decode_client_response(in.line);
                // RFC 9051 6.2.2: "*" cancels, answered with BAD.
                if (resp.kind == auth::ClientResponse::Kind::cancel)
                    co_return Reply::bad("Authentication cancelled");
                if (resp.kind == auth::ClientResponse::Kind::invalid)
                    co_return Reply::bad("Invalid base64 in the authentication exchange");
                step = mech->step(resp.data);
                break;
            }
            case auth::Step::Kind::need_credentials: {
                if (step.credential == auth::CredentialKind::password) {
                    std::string login = step.login;
                    std::string password = step.password;
                    auth::AuthResult res = co_await verify(s, login, std::move(password));
                    if (res.status == auth::AuthStatus::ok && res.account) {
                        account = res.account;
                        step = mech->resume_password(true);
                    } else if (res.status == auth::AuthStatus::bad_credentials) {
                        step = mech->resume_password(false);
                    } else {
                        co_return unavailable_reply();
                    }
                } else {
                    scram = true;
                    scram_login = step.login;
                    auth::ScramLookup lk = co_await lookup_scram(s, scram_login);
                    if (lk.status != auth::AuthStatus::ok) co_return unavailable_reply();
                    account = lk.account;
                    step = mech->resume_scram(lk.credentials ? &*lk.credentials : nullptr);
                }
                break;
            }
            case auth::Step::Kind::success: {
                if (step.has_data) {
                    // RFC 9051 6.2.2: additional data with success goes in a
                    // continuation; the client answers with an empty line.
                    std::string line = "+ " + auth::encode_challenge(step.data) + "\r\n";
                    s->send(line);
                    if (!co_await s->conn->flush()) {
                        Reply r = Reply::no("connection lost");
                        r.close = true;
                        co_return r;
                    }
                    net::LineResult in = co_await s->conn->read_line(max_line, net::ReadMode::data);
                    if (!in.ok()) {
                        Reply r = Reply::bad("Authentication exchange aborted");
                        r.close = true;
                        co_return r;
                    }
                    if (in.line == "*") co_return Reply::bad("Authentication cancelled");
                }
                if (scram) {
                    s->ctx->auth->report_scram(scram_login, s->conn->peer_address(),
                                               auth::Service::imap, true, "");
                }
                if (!account) co_return failed_reply();
                co_return complete_login(*s, *account, mech_name);
            }
            case auth::Step::Kind::failure: {
                if (scram) {
                    std::string reason = step.reason;
                    auto delay = s->ctx->auth->report_scram(scram_login, s->conn->peer_address(),
                                                            auth::Service::imap, false, reason);
                    co_await sleep_for(delay);
                }
                if (step.failure == auth::SaslFailure::malformed ||
                    step.failure == auth::SaslFailure::too_long)
                    co_return Reply::bad("Malformed authentication data");
                if (step.failure == auth::SaslFailure::unavailable) co_return unavailable_reply();
                co_return failed_reply();
            }
        }
    }
    co_return failed_reply();
}

}  // namespace postamt::imap
