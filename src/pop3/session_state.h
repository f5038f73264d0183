#pragma once
// Session internals shared by session.cpp (entry points, AUTHORIZATION,
// SASL) and session_transaction.cpp (TRANSACTION and UPDATE). Not for use
// outside these two files.
#include <memory>
#include <optional>
#include <string>

#include "auth/sasl.h"
#include "pop3/command_parser.h"
#include "pop3/reply.h"
#include "pop3/session.h"

namespace postamt::pop3 {

enum class Phase {
    init,
    authorization,
    sasl,         // AUTH in progress: the next line is a SASL response
    sasl_final,   // SCRAM's additional success data was sent as a challenge
    wait_auth,    // VerifyPassword / LookupScram / ReportScram
    wait_open,    // OpenMaildrop
    wait_expire,  // Expire
    transaction,
    wait_send,    // SendMessage
    wait_commit,  // Commit
    wait_tls,     // StartTls
    closed,
};

struct SessionStats {
    std::uint32_t retr = 0, top = 0, dele = 0, expired = 0;
    std::int64_t retr_octets = 0;
};

struct Session::State {
    SessionOptions opt;
    SessionEnv env;
    PeerInfo peer;
    Phase phase = Phase::init;
    bool tls = false;
    std::uint32_t bad_commands = 0;

    // AUTHORIZATION
    std::string user;  // from USER, waiting for PASS
    std::unique_ptr<auth::SaslMechanism> mech;
    std::string sasl_login;  // the login the mechanism asked credentials for
    bool scram_looked_up = false;
    bool scram_ok = false;
    std::optional<std::string> scram_final_data;
    std::optional<store::Account> pending_account;
    std::string via;  // "pass", "plain", "login", "scram" (log)

    // TRANSACTION
    std::string login;  // the account's address
    store::AccountId account = 0;
    std::optional<store::Pop3Maildrop> pending;  // waiting for the expiry
    std::vector<store::Uid> expiring;
    Maildrop maildrop;
    bool maildrop_open = false;
    std::uint32_t sending = 0;  // msgno of SendMessage
    bool sending_retr = false;
    SessionStats stats;

    std::int64_t now() const;
    bool plaintext_ok() const { return tls || (peer.loopback && opt.allow_plaintext_on_loopback); }
    std::string capabilities() const;

    Step reply(std::string text) { return step::Reply{std::move(text)}; }
    Step close_with(std::string text) {
        phase = Phase::closed;
        return step::ReplyAndClose{std::move(text)};
    }
    // A malformed, unknown or misplaced command: -ERR, or the end after
    // kMaxBadCommands of them.
    Step bad_command(std::string_view text);
    Step internal_error(std::string_view what);

    Step dispatch(const Command& c);
    Step authorization(const Command& c);
    Step transaction(const Command& c);

    // SASL (session.cpp)
    Step start_auth(const Command& c);
    Step sasl_response(std::string_view line);
    Step sasl_step(auth::Step s);
    Step end_sasl(std::string reply_text);
    Step begin_open(const store::Account& account);
    void log_logout(std::string_view reason);

    // TRANSACTION (session_transaction.cpp)
    Step enter_transaction(store::Pop3Maildrop md);
    Step quit_transaction();
};

}  // namespace postamt::pop3
