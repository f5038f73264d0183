#pragma once
// The SMTP server session (RFC 5321) as a state machine free of I/O.
//
// The runner (later, over src/net) owns the socket and the store and drives
// one Session per connection: every event goes in as a call, every call
// returns one Step (step.h) that says what to do next. A coroutine runner
// looks like:
//
//   Step s = session.on_connect(peer);
//   for (;;) {
//       s = perform(s);   // send / close / lookup / deliver, calling the
//                         // matching on_*_result() until a reply-ish Step
//       line = co_await read_line();
//       s = session.on_line(line.bytes, line.end, buffer_has_more);
//   }
//
// Pipelining (RFC 2920): the runner hands buffered lines one at a time, in
// order, finishing each Step (including store calls) before the next line,
// so replies come out in command order. It flushes when a Step says `flush`
// or when no more input is buffered.
//
// Roles: Mode::inbound is the MX on port 25 (no AUTH, local recipients
// only, never relay). Mode::submission is ports 587/465 (RFC 6409, RFC
// 8314): AUTH required before MAIL (530 5.7.0), only after TLS unless
// plaintext on loopback is allowed; the sender must be an address of the
// authenticated account (553 5.7.1); any recipient; Message-ID and Date
// added when missing; remote recipients go to the outbound queue in the
// same store transaction as the local copies.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authenticator.h"
#include "common/config.h"
#include "common/result.h"
#include "smtp/command_parser.h"
#include "smtp/data_reader.h"
#include "smtp/peer.h"
#include "smtp/step.h"
#include "store/store.h"

namespace postamt::smtp {

enum class Mode { inbound, submission };

struct SessionOptions {
    Mode mode = Mode::inbound;
    std::string hostname = "localhost";
    std::string banner = "ESMTP Postamt";
    // Domain completing the bare RCPT TO:<postmaster> (RFC 5321 4.5.1).
    std::string postmaster_domain = "localhost";
    uint64_t max_message_size = 50ull << 20;
    uint32_t max_recipients = 1000;
    uint32_t max_errors = 10;  // 0: no limit
    bool helo_required = true;
    bool tls_available = false;  // a certificate is configured: offer STARTTLS
    // Recipients that resolve only to remote addresses (forward-only
    // aliases). While the outbound queue does not exist this is false and
    // such recipients get "451 4.3.0 ... forwarding not available" at RCPT,
    // so the sender retries; nothing is accepted that cannot be sent on.
    // When true they are accepted and listed in NeedDelivery::forward_to.
    bool forwarding_available = false;

    // Submission only ([submission], [auth]).
    bool plaintext_auth_on_loopback = true;  // AUTH PLAIN/LOGIN without TLS from loopback
    uint32_t submission_max_recipients = 100;  // 0: max_recipients only
    enum class ReceivedPolicy { full, hide_client, none };
    ReceivedPolicy received = ReceivedPolicy::full;

    // smtp.*, limits.*, server.hostname, server.default_domain (else the
    // host name) for the postmaster domain.
    static SessionOptions from_config(const Config& cfg, Mode mode, bool tls_available);
};

struct SessionEnv {
    std::function<std::chrono::system_clock::time_point()> now;  // default: system clock
    std::function<std::string()> next_queue_id;                  // default: make_queue_id(now())
    // Submission: may this account start another message now
    // ([submission] max_messages_per_hour)? Counts the message when true.
    std::function<bool(store::AccountId)> allow_message;
    // Submission: header fields to prepend to a finished message (DKIM
    // signatures, RFC 6376), "" when the From domain has no key.
    std::function<std::string(std::string_view message)> sign;
};

class Session {
  public:
    explicit Session(SessionOptions opt, SessionEnv env = {});
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // ---- events from the runner --------------------------------------------
    // The connection is up: the greeting (or 421 when over a limit).
    Step on_connect(const PeerInfo& peer);
    // The client sent bytes before the greeting (postscreen's "pregreet"):
    // 554 5.5.0 and close.
    Step on_early_input();
    // One input line without its ending. `end` tells how it ended (LineEnd::none:
    // a fragment, the line continues in the next call). `more_pending`: the
    // runner already holds further input after this line (pipelining).
    Step on_line(std::string_view bytes, LineEnd end, bool more_pending = false);
    // Bytes of the BDAT chunk asked for by step::ReadChunk (at most `remaining`).
    Step on_chunk_data(std::string_view bytes);
    // The TLS handshake after step::StartTls succeeded. RFC 3207 4.2: the
    // session forgets everything it learned (HELO, transaction); no reply.
    void on_tls_started(const TlsInfo& tls);
    Step on_lookup_result(Result<store::Resolution> r);
    // `quota_limit`: the account's quota_bytes, when the check said
    // over_quota (tells 452 4.2.2 "mailbox full" from 552 5.2.2 "message
    // larger than the whole quota").
    Step on_quota_result(Status st, std::optional<int64_t> quota_limit = std::nullopt);
    Step on_delivery_result(Result<std::vector<store::DeliveredCopy>> r);
    // AUTH (RFC 4954), submission only.
    Step on_password_result(auth::AuthResult r);
    Step on_scram_lookup(auth::ScramLookup r);
    Step on_scram_reported();
    Step on_timeout();   // 421 4.4.2 and close
    Step on_shutdown();  // 421 4.3.2 and close

    // ---- inspection ---------------------------------------------------------
    bool closed() const;
    // Waiting for on_lookup_result / on_quota_result / on_delivery_result /
    // on_chunk_data / on_tls_started respectively.
    bool awaiting_result() const;
    bool in_data() const;
    bool in_sasl() const;  // the next line is a SASL response (not a command)
    // The authenticated account (0: none).
    store::AccountId account() const;
    uint32_t error_count() const;

    struct State;

  private:
    std::unique_ptr<State> s_;
};

}  // namespace postamt::smtp
