#pragma once
// The POP3 server session (RFC 1939, RFC 2449, RFC 5034, RFC 2595 STLS) as
// a state machine free of I/O. The runner (runner.cpp) owns the socket, the
// store and the authenticator; every event goes in as a call and every call
// returns one Step (step.h):
//
//   Step s = session.on_connect(peer);
//   for (;;) {
//       s = perform(s);   // send / close / STLS / store and auth calls,
//                         // each answered by the matching on_*() call
//       line = co_await read_line(limits.max_line_length + 1);
//       s = session.on_line(line)  (or on_line_too_long / on_timeout / ...)
//   }
//
// States (RFC 1939 3): AUTHORIZATION (USER/PASS, AUTH, STLS, CAPA, QUIT),
// TRANSACTION on a snapshot of the INBOX taken at login, and UPDATE, entered
// only by QUIT: deletions are applied then, as one store expunge that IMAP
// sessions hear about through the store's doorbell. A dropped connection,
// a timeout or a shutdown never deletes anything.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "common/config.h"
#include "common/result.h"
#include "pop3/maildrop.h"
#include "pop3/step.h"
#include "store/store.h"

namespace postamt::pop3 {

struct SessionOptions {
    std::string hostname = "localhost";
    bool tls_available = false;  // a certificate is loaded: offer STLS
    // USER/PASS and AUTH PLAIN/LOGIN without TLS from a loopback address.
    bool allow_plaintext_on_loopback = true;
    std::uint32_t expire_days = 0;        // [pop3] expire_days
    std::chrono::seconds login_delay{0};  // [pop3] login_delay (advertised)

    static SessionOptions from_config(const Config& cfg, bool tls_available);
};

struct PeerInfo {
    std::string ip;
    bool loopback = false;
    bool tls = false;         // implicit TLS (port 995)
    bool over_limit = false;  // the server is at a connection limit
    std::uint64_t conn_id = 0;
};

struct SessionEnv {
    std::function<std::int64_t()> now;  // unix seconds; default: the clock
};

// Bad commands (unknown, malformed, wrong state, over-long) before the
// session gives up on the client.
inline constexpr std::uint32_t kMaxBadCommands = 20;

class Session {
  public:
    explicit Session(SessionOptions opt, SessionEnv env = {});
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // ---- events from the runner ---------------------------------------------
    Step on_connect(const PeerInfo& peer);
    // One input line without its CRLF (or LF).
    Step on_line(std::string_view line);
    // A line longer than the limit arrived (the runner discarded it; the
    // stream is in sync).
    Step on_line_too_long();
    // The handshake after step::StartTls succeeded (RFC 2595 4: forget
    // what was learned before it). No reply.
    void on_tls_started();
    Step on_password_result(auth::AuthResult r);
    Step on_scram_lookup(auth::ScramLookup r);
    Step on_scram_reported();
    Step on_open_refused(OpenRefusal why,
                         std::chrono::seconds retry_after = std::chrono::seconds(0));
    Step on_maildrop(Result<store::Pop3Maildrop> r);
    Step on_expire_result(Result<store::ExpungeResult> r);
    Step on_message_sent(SendOutcome outcome);
    Step on_commit_result(Result<store::ExpungeResult> r);
    Step on_timeout();     // -ERR, close; no UPDATE (RFC 1939 3)
    Step on_shutdown();    // -ERR [SYS/TEMP], close; no UPDATE
    void on_disconnect();  // the client went away (for the log line)

    // ---- inspection -----------------------------------------------------------
    bool closed() const;
    bool awaiting_result() const;
    // Between on_maildrop(ok) and the end: the runner keeps the maildrop
    // lock, the per-user ticket and a blob pin while this is true.
    bool maildrop_open() const;
    bool in_sasl() const;
    const Maildrop& maildrop() const;
    // The CAPA lines for the current state (RFC 2449 5), CRLF-terminated.
    std::string capabilities() const;

    struct State;

  private:
    std::unique_ptr<State> s_;
};

}  // namespace postamt::pop3
