#pragma once
// Private to session*.cpp: the state behind smtp::Session and the handlers
// split by concern (session.cpp: dispatch, greeting, HELO/EHLO, the small
// commands; session_envelope.cpp: MAIL and RCPT with their lookups;
// session_data.cpp: DATA, BDAT and delivery).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/sasl.h"
#include "smtp/session.h"

namespace postamt::smtp {

enum class Phase {
    idle,
    command,
    data,
    chunk,
    wait_lookup,
    wait_quota,
    wait_delivery,
    wait_tls,
    sasl,          // AUTH in progress: the next line is a SASL response
    sasl_final,    // SCRAM's server-final data went out as a 334 challenge
    wait_auth,     // VerifyPassword / LookupScram / ReportScram in flight
    wait_sender,   // submission: MAIL FROM ownership lookup in flight
    closed
};

struct AcceptedRcpt {
    std::string address;  // as it goes into logs and "for <...>"
    std::vector<store::AccountId> accounts;
    std::vector<std::string> forward_to;
    bool remote = false;  // submission to another domain: the outbound queue
    RcptParams params;    // RFC 3461 NOTIFY / ORCPT
};

struct Transaction {
    Path sender;
    MailParams params;
    std::string queue_id;
    std::chrono::system_clock::time_point started;
    std::vector<AcceptedRcpt> rcpts;
    uint32_t rcpt_attempts = 0;
    bool bdat_used = false;
    std::unique_ptr<ChunkAccumulator> chunks;
};

// A RCPT waiting for the store: the resolution, then one quota check per account.
struct PendingRcpt {
    Path path;
    std::string address;
    store::Resolution resolution;
    std::size_t next_quota = 0;
    RcptParams params;                   // RFC 3461 NOTIFY / ORCPT
    std::vector<store::AccountId> room;  // accounts whose quota check passed
    bool all_larger_than_quota = true;   // every refusal: message alone > quota
};

struct Session::State {
    SessionOptions opt;
    SessionEnv env;
    Phase phase = Phase::idle;
    PeerInfo peer;
    std::optional<TlsInfo> tls;
    std::string helo;  // empty: no HELO/EHLO yet
    bool esmtp = false;
    uint32_t errors = 0;

    std::string line_buf;  // fragments of an unfinished command line
    bool line_too_long = false;

    std::optional<Transaction> txn;
    std::optional<Command> pending_mail;  // submission: MAIL waiting for the ownership lookup

    // AUTH (RFC 4954), submission only.
    std::optional<store::Account> user;  // authenticated
    std::unique_ptr<auth::SaslMechanism> mech;
    std::string sasl_login;
    std::string sasl_via;  // "plain", "login", "scram"
    bool scram_looked_up = false;
    bool scram_ok = false;
    std::optional<std::string> scram_final_data;
    std::optional<store::Account> pending_account;
    std::optional<PendingRcpt> pending;
    std::unique_ptr<DataReader> data;

    // BDAT chunk being read.
    uint64_t chunk_remaining = 0;
    bool chunk_last = false;
    std::optional<Reply> chunk_error;  // reply after the chunk is read and discarded

    // Delivery in flight.
    struct InFlight {
        std::string queue_id;
        std::vector<store::AccountId> targets;
        std::vector<std::string> forward_to;
        std::size_t remote = 0;  // submission recipients queued for other domains
        uint64_t size = 0;
        std::string message_id;
    };
    std::optional<InFlight> delivery;

    // ---- replies ------------------------------------------------------------
    Step reply(int code, std::string_view enh, std::string text, bool flush = false);
    Step reply_close(int code, std::string_view enh, std::string text);
    Step reply(const Reply& r, bool flush = false);
    Step internal_error(std::string_view what);
    void reset_transaction();
    std::chrono::system_clock::time_point now() const;
    std::string next_queue_id();
    std::string tls_log() const;

    // ---- handlers -----------------------------------------------------------
    Step command_line(std::string_view line, bool more_pending);
    Step dispatch(Command c, bool more_pending);
    Step cmd_helo(const Command& c);
    Step cmd_starttls(bool more_pending);
    Step cmd_mail(Command c);
    Step cmd_rcpt(Command c);
    Step cmd_data();
    Step cmd_bdat(const Command& c);
    Step cmd_auth(const Command& c);
    bool plaintext_auth_ok() const;
    Step sasl_response(std::string_view line);
    Step sasl_step(auth::Step st);
    Step end_sasl(int code, std::string_view enh, std::string text);
    Step auth_success();
    Step sender_result(Result<store::Resolution> r);
    Step accept_mail(Command c);

    Step lookup_result(Result<store::Resolution> r);
    Step quota_result(Status st, std::optional<int64_t> limit);
    Step next_quota_or_accept();
    Step reject_rcpt(int code, std::string_view enh, std::string text, std::string_view reason);

    Step data_line(std::string_view bytes, LineEnd end);
    Step chunk_data(std::string_view bytes);
    Step finish_chunk();
    Step deliver(std::string body);
    Step delivery_result(Result<std::vector<store::DeliveredCopy>> r);
    void log_rejected_message(int code, std::string_view enh, std::string_view reason,
                              uint64_t size);
};

// The Message-ID field of a message's header (unfolded, trimmed, at most
// 250 bytes), for logs; empty when there is none.
std::string find_message_id(std::string_view message);
// The queue's recipient from an accepted RCPT (RFC 3461 NOTIFY bits, ORCPT).
store::OutboundRecipient outbound_recipient(const std::string& address, const RcptParams& p);

}  // namespace postamt::smtp
