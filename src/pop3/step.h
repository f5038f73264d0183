#pragma once
// What a pop3::Session asks its runner to do next (session.h). The session
// never does I/O; each call returns one Step, the runner performs it and,
// for the ones that need a result, calls back:
//
//   None           nothing to send; read the next line
//   Reply          send `text`; flush when no more input is buffered
//                  (RFC 2449 6.6 PIPELINING: replies in command order)
//   ReplyAndClose  send `text`, flush, close (no UPDATE unless the session
//                  already did it)
//   StartTls       send `text`, flush, discard buffered input (RFC 2595 4,
//                  plaintext injection), handshake, on_tls_started(); close
//                  when the handshake fails
//   VerifyPassword Authenticator::verify_password -> on_password_result
//   LookupScram    Authenticator::lookup_scram   -> on_scram_lookup
//   ReportScram    Authenticator::report_scram; when !ok wait the delay it
//                  returns (throttling) -> on_scram_reported
//   OpenMaildrop   per-user connection limit, MaildropRegistry::admit, then
//                  Store::pop3_maildrop -> on_maildrop (or on_open_refused);
//                  keep the lock, the ticket and a BlobPin while
//                  Session::maildrop_open()
//   Expire         Store::expunge(uids, only_deleted = false), the retention
//                  policy at login -> on_expire_result
//   SendMessage    send `status` (the +OK line), then the blob through a
//                  MessageStreamer(top_lines) in chunks -> on_message_sent.
//                  Read the first chunk before sending anything, so an
//                  unreadable message still gets a -ERR.
//   Commit         the UPDATE state (RFC 1939 6): Store::pop3_mark_retrieved
//                  and \Seen for `retrieved`, Store::expunge of `deleted`
//                  -> on_commit_result
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/store.h"

namespace postamt::pop3 {

namespace step {
struct None {};
struct Reply {
    std::string text;
};
struct ReplyAndClose {
    std::string text;
};
struct StartTls {
    std::string text;
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
struct OpenMaildrop {
    store::AccountId account = 0;
    std::string address;
};
struct Expire {
    store::MailboxId mailbox = 0;
    std::vector<store::Uid> uids;
};
struct SendMessage {
    std::string status;  // "+OK ...\r\n"
    store::BlobRef blob;
    std::optional<std::uint32_t> top_lines;  // nullopt: RETR
    std::uint32_t msgno = 0;
};
struct Commit {
    store::MailboxId mailbox = 0;
    std::vector<store::Uid> deleted;
    std::vector<store::Uid> retrieved;  // fully retrieved and not deleted
};
}  // namespace step

using Step = std::variant<step::None, step::Reply, step::ReplyAndClose, step::StartTls,
                          step::VerifyPassword, step::LookupScram, step::ReportScram,
                          step::OpenMaildrop, step::Expire, step::SendMessage, step::Commit>;

// How a SendMessage went.
enum class SendOutcome {
    sent,        // every byte handed to the connection
    unreadable,  // the first read failed: nothing was sent
};

// Why OpenMaildrop did not get to the store.
enum class OpenRefusal {
    in_use,       // another POP3 session holds the maildrop
    login_delay,  // logged in less than [pop3] login_delay ago
    user_limit,   // limits.max_connections_per_user reached
};

}  // namespace postamt::pop3
