#pragma once
// What a Session asks its runner to do next (session.h). The session never
// does I/O; every call into it returns one Step, and the runner performs it
// and, for the need_* steps, calls back with the result:
//
//   None          nothing to send; feed the next input
//   Reply         send `text` (flush now when `flush`, or when no more input
//                 is buffered: RFC 2920 3.2), then feed the next input
//   ReplyAndClose send `text`, flush, close the connection
//   StartTls      send `text`, flush, DISCARD any input already buffered
//                 (plaintext injection, CVE-2011-0411), do the handshake,
//                 then Session::on_tls_started(); on handshake failure close
//   NeedLookup    store.resolve_recipient(address) -> Session::on_lookup_result
//   NeedQuota     store.check_quota(account, bytes) (and on over_quota,
//                 the account's quota_bytes) -> Session::on_quota_result
//   NeedDelivery  store.deliver(message) -> Session::on_delivery_result
//   ReadChunk     read up to `remaining` bytes of a BDAT chunk (from the
//                 buffer first) -> Session::on_chunk_data, until it stops
//                 asking
//   VerifyPassword Authenticator::verify_password -> on_password_result
//   LookupScram   Authenticator::lookup_scram -> on_scram_lookup
//   ReportScram   Authenticator::report_scram; when !ok wait the delay it
//                 returns (throttling) -> on_scram_reported
//   Delivered     send `text` like Reply (flush); then hand `report.retry`
//                 (recipients whose copy failed after the 250) to the local
//                 retry queue and `report.forward_to` to the outbound queue
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "store/store.h"

namespace postamt::smtp {

// A local account whose copy failed while others succeeded: the client got
// one 250 for the whole transaction (plain SMTP has one reply per DATA), so
// the runner hands these to the local retry queue, which retries from the
// stored blob (`DeliveryReport::stored_message_id`); the message is never
// delivered again to the recipients that already have it.
struct FailedDelivery {
    store::AccountId account = 0;
    std::vector<std::string> recipients;  // RCPT addresses that led to this account
    Errc error = Errc::internal;
    std::string message;
};

struct DeliveryReport {
    std::string queue_id;
    bool accepted = false;                   // the client got 250
    store::MessageId stored_message_id = 0;  // a stored copy (for the retry queue)
    std::vector<FailedDelivery> retry;
    std::vector<std::string> forward_to;  // remote alias targets (outbound queue)
};

namespace step {
struct None {};
struct Reply {
    std::string text;
    bool flush = false;
};
struct ReplyAndClose {
    std::string text;
};
struct StartTls {
    std::string text;
};
struct NeedLookup {
    std::string address;
};
struct NeedQuota {
    store::AccountId account = 0;
    int64_t bytes = 0;
};
struct NeedDelivery {
    store::NewMessage message;
    std::vector<std::string> forward_to;
    std::string queue_id;
};
struct VerifyPassword {
    std::string login;
    std::string password;  // never log it
};
struct LookupScram {
    std::string login;
};
struct ReportScram {
    std::string login;
    bool ok = false;
    std::string reason;  // log token
};
struct ReadChunk {
    uint64_t remaining = 0;
};
struct Delivered {
    std::string text;
    DeliveryReport report;
};
}  // namespace step

using Step =
    std::variant<step::None, step::Reply, step::ReplyAndClose, step::StartTls, step::NeedLookup,
                 step::NeedQuota, step::NeedDelivery, step::ReadChunk, step::Delivered,
                 step::VerifyPassword, step::LookupScram, step::ReportScram>;

}  // namespace postamt::smtp
